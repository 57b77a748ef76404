"""Issuing and revoking API client tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from fintech.models import ApiClient
from fintech.services.audit import audit_event_record

TOKEN_PREFIX = "fk_"  # a prefix, not a secret  # noqa: S105  # nosec B105


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, name: str, user, actor=None) -> tuple[ApiClient, str]:
    """Create a client and return it with its token, which is never stored or shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name, user=user, token_prefix=token[:10], token_hash=hash_token(token)
    )
    audit_event_record(
        action="fintech.api_client.created", actor=actor, target=client,
        after={"name": name, "user": user.get_username(), "token_prefix": client.token_prefix},
    )
    return client, token


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor) -> ApiClient:
    updated = ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        audit_event_record(action="fintech.api_client.revoked", actor=actor, target=client)
    client.refresh_from_db()
    return client
