"""Cases: an alert's case from opening to closing — state machine, assignment, comments,
attachments, four-eyes decisions, the SAR draft and its export, and the case admin page.

The models stay in `compliance/models/cases.py` (moving them would move tables); everything
that acts on them is here.
"""
