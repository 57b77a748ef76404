"""Issue #18 item 5: in development (DEBUG on, as `make run` starts it) a Django warning is
logged once, as JSON, with the id of the request it is about; it was logged twice (Django's
own plain-text handler as well as ours) and with an empty request id."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUEST = """
import django
django.setup()
from django.test import Client
Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-newcomer-0001")
"""


def test_a_django_warning_is_logged_once_with_its_request_id():
    env = {**os.environ, "DJANGO_ENV": "development", "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", REQUEST], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    lines = [line for line in done.stderr.splitlines() if "Not Found" in line]
    assert len(lines) == 1, done.stderr
    record = json.loads(lines[0])
    assert (record["level"], record["logger"]) == ("WARNING", "django.request")
    assert record["request_id"] == "req-newcomer-0001"
