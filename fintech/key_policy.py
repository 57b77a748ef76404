"""What a production key must be, checked where production starts and by `check --deploy`.

The repository carries development keys (`settings.COMMITTED_KEYS`) so that a checkout
runs with no setup. They are public, so data they protect is not protected: production
refuses them, and any key too short to be a random secret of the strength its use needs:

- SECRET_KEY signs sessions, CSRF tokens and password-reset links: Django's own bar
  (at least 50 characters, 5 distinct, not a generated `django-insecure-` key);
- FIELD_ENCRYPTION_KEYS are AES-256 keys: each the base64 of exactly 32 bytes;
- BLIND_INDEX_KEY is an HMAC-SHA-256 key: at least 43 characters, the length of
  32 random bytes in base64;
- AUDIT_CHAIN_KEYS are HMAC keys of the audit chain: the audit module's own rule.

`settings.py` raises at import (so gunicorn, Celery and every command refuse to start)
and `fintech.checks` reports the same problems as deploy errors.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
BLIND_INDEX_KEY_MIN_LENGTH = 43


def production_key_problems(
    *,
    secret_key: str,
    field_keys: list[str],
    blind_index_key: str,
    audit_chain_keys: list[str],
    committed_keys: frozenset[str],
) -> dict[str, str]:
    """Why each of these keys must not protect production data, by setting name; empty
    when they all may."""
    from fintech.audit_chain import build_audit_key_ring  # each module's own rule for its keys
    from fintech.crypto import build_key_ring

    committed = "is the development key committed to the repository"
    problems: dict[str, str] = {}
    if secret_key in committed_keys:
        problems["SECRET_KEY"] = f"SECRET_KEY {committed}"
    elif (
        len(secret_key) < SECRET_KEY_MIN_LENGTH
        or len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE
        or secret_key.startswith("django-insecure-")
    ):
        problems["SECRET_KEY"] = f"SECRET_KEY must be a random value of at least {SECRET_KEY_MIN_LENGTH} characters"
    if committed_keys & {key.strip() for key in field_keys}:
        problems["FIELD_ENCRYPTION_KEYS"] = f"FIELD_ENCRYPTION_KEYS holds a key that {committed}"
    else:
        try:
            build_key_ring(field_keys)
        except ImproperlyConfigured as exc:
            problems["FIELD_ENCRYPTION_KEYS"] = str(exc)
    if blind_index_key in committed_keys:
        problems["BLIND_INDEX_KEY"] = f"BLIND_INDEX_KEY {committed}"
    elif len(blind_index_key) < BLIND_INDEX_KEY_MIN_LENGTH:
        problems["BLIND_INDEX_KEY"] = (
            f"BLIND_INDEX_KEY must be a random value of at least "
            f"{BLIND_INDEX_KEY_MIN_LENGTH} characters (32 random bytes in base64)"
        )
    if committed_keys & {key.strip() for key in audit_chain_keys}:
        problems["AUDIT_CHAIN_KEYS"] = f"AUDIT_CHAIN_KEYS holds a key that {committed}"
    else:
        try:
            build_audit_key_ring(audit_chain_keys)
        except ImproperlyConfigured as exc:
            problems["AUDIT_CHAIN_KEYS"] = str(exc)
    return problems
