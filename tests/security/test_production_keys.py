"""Issue #17 item 14: production refuses the committed development keys and short keys.

The penetration test started the product with `DJANGO_ENV=production` and the keys from
settings.py, and `check --deploy` stayed clean. Each test starts `manage.py` as a
deployment would, with the otherwise complete production environment and one bad key.
"""

from __future__ import annotations

import base64
import os

import pytest

from config.setting_definitions import DEV_AUDIT_CHAIN_KEY, DEV_BLIND_INDEX_KEY, DEV_FIELD_KEY, DEV_SECRET_KEY
from tests.config.test_production_settings import PRODUCTION, manage


def test_production_refuses_to_start_with_the_committed_secret_key():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": DEV_SECRET_KEY})
    assert result.returncode != 0
    assert "refuses these keys: SECRET_KEY is the development key committed to the repository" in result.stderr


def test_production_refuses_to_start_with_the_committed_field_encryption_key():
    # also as the second, decrypt-only key of a rotation
    result = manage(
        "check", **{**PRODUCTION, "FIELD_ENCRYPTION_KEYS": f"{PRODUCTION['FIELD_ENCRYPTION_KEYS']},{DEV_FIELD_KEY}"}
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS holds a key that is the development key committed" in result.stderr


def test_production_refuses_to_start_with_the_committed_blind_index_key():
    result = manage("check", **{**PRODUCTION, "BLIND_INDEX_KEY": DEV_BLIND_INDEX_KEY})
    assert result.returncode != 0
    assert "BLIND_INDEX_KEY is the development key committed to the repository" in result.stderr


def test_production_refuses_to_start_with_the_committed_audit_chain_key():
    # a forger holding the public development key could recompute the keyed chain
    result = manage("check", **{**PRODUCTION, "AUDIT_CHAIN_KEYS": DEV_AUDIT_CHAIN_KEY})
    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEYS holds a key that is the development key committed" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", "short-but-random-3f9a1c", "SECRET_KEY must be a random value of at least 50 characters"),
        ("SECRET_KEY", "a" * 64, "SECRET_KEY must be a random value of at least 50 characters"),
        ("FIELD_ENCRYPTION_KEYS", base64.b64encode(os.urandom(16)).decode(), "must be 32 bytes (AES-256)"),
        (
            "BLIND_INDEX_KEY",
            base64.b64encode(os.urandom(16)).decode(),
            "BLIND_INDEX_KEY must be a random value of at least 43 characters",
        ),
    ],
)
def test_production_refuses_to_start_with_a_key_shorter_than_required(name, value, message):
    result = manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_deploy_check_reports_the_committed_keys():
    # outside production (the settings do not refuse), the deploy check still names them
    result = manage("check", "--deploy", DJANGO_ENV="development")
    assert result.returncode != 0
    for check_id in ("fintech.E001", "fintech.E002", "fintech.E003", "fintech.E004"):
        assert check_id in result.stderr
