"""Cases: an alert's case from opening to closing.

- `models.py`: `Case`, its transitions, comments, attachments, four-eyes decisions and SAR draft.
- `services.py`: grouping alerts and confirmed hits into the customer's case, the state
  machine, assignment, comments; `decisions.py` (four eyes), `attachments.py` (encrypted
  evidence), `sar.py` (the SAR draft, filed after approval), `sar_export.py` (JSON, HTML, PDF).
- The case page in the admin: `admin.py` (the case list; the change view is the case page),
  `views.py`, `forms.py`, `page.py` (what the page loads, in a fixed number of queries).

Cases read alerts and hits (monitoring's and screening's models). Monitoring hands its new
alerts over by calling `cases_group_alerts`; screening does not import cases: a confirmed hit
reaches its case through the `screening_hit_confirmed` signal.
"""
