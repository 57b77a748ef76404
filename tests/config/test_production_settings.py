import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    inherited = {"DJANGO_SETTINGS_MODULE", "DJANGO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
    "AUDIT_CHAIN_KEYS": base64.b64encode(os.urandom(32)).decode(),
    "ALLOWED_HOSTS": "back-office.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_the_production_deploy_check_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    env = {**PRODUCTION, "SECRET_KEY": "", "FIELD_ENCRYPTION_KEYS": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "refuses to start without: SECRET_KEY, FIELD_ENCRYPTION_KEYS" in result.stderr


def test_production_refuses_debug():
    result = manage("check", **PRODUCTION, DEBUG="1")
    assert result.returncode != 0 and "refuses DEBUG" in result.stderr
