"""AML transaction monitoring: money movements in, alerts out.

- `models.py`: `MonitoredTransaction`, `Rule` (versioned rows), `Alert`, `DeadLetterEvent`,
  `AnomalyModel`.
- The engine, pure computation over frames of transactions (no writes of its own except
  `store.py`): `events.py` (the event format), `fx.py`, `rules.py` (the typology library),
  `network.py`, `layering.py`, `scatter.py`, `shared.py` (network typologies), `scan.py`
  (frames in, alert candidates out), `anomaly.py` (features and the IsolationForest),
  `store.py` (set-wise insert of transactions), `stream.py` (the Redis Stream consumer).
- `services/`: the write use-cases — `evaluation.py` (store and evaluate events, the batch
  scan), `alerts.py` (record candidates as alerts, handed to cases), `anomaly.py` (train and
  score the model), `rules.py` (rule versions, default rules), `dead_letters.py` (replay),
  `imports.py` (a core-banking CSV of transactions) and `imported_parties.py` (the customers
  and counterparties such a file brings in, screened through screening's door).
- `selectors.py`, `admin.py`, `api.py` (the partner API's alert list).

Doors elsewhere: the management commands (`run_aml_consumer`, `run_aml_scan`,
`import_transactions`, `export_alerts`) and the Celery tasks in `compliance/tasks.py`.
"""
