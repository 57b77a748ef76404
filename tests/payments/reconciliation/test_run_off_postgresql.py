"""Issue #18 item 5: a reconciliation run that cannot execute shows failed, with its error,
instead of waiting "Queued" forever. Reproduced as the newcomer met it: `make run` on the
embedded SQLite database (a real one, in a separate process), a run requested and executed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CHECK = """
from payments.models import ReconciliationRun
from fintech.models import AuditEvent
run = ReconciliationRun.objects.get()
event = AuditEvent.objects.get(action="payments.reconciliation_run.failed")
print(run.status, run.phase, run.finished_at is not None, event.outcome, sep="|")
print(run.error)
"""


def _manage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", VAR_DIR=str(tmp_path / "var"),
               DJANGO_ENV="development", DJANGO_SETTINGS_MODULE="fintech.settings")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_a_run_refused_off_postgresql_is_failed_with_its_error(tmp_path):
    assert _manage(tmp_path, "migrate", "--noinput", "--verbosity", "0").returncode == 0
    refused = _manage(tmp_path, "reconcile", "--gateway", "stripe", "--date", "2026-12-01")
    assert refused.returncode != 0 and "set-wise in PostgreSQL" in refused.stderr
    checked = _manage(tmp_path, "shell", "--no-imports", "-c", CHECK)
    assert checked.returncode == 0, checked.stderr
    state, error = checked.stdout.strip().splitlines()[-2:]
    assert state == "failed|done|True|failure"
    assert error == "reconciliation matches set-wise in PostgreSQL; DATABASE_URL is not PostgreSQL"
