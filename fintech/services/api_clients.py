"""Issuing and revoking API client tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fintech.errors import ForbiddenError
from fintech.models import ApiClient
from fintech.roles import ROLES
from fintech.services.audit import audit_event_record

TOKEN_PREFIX = "fk_"  # a prefix, not a secret  # noqa: S105  # nosec B105


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClientRefused(ForbiddenError):
    code = "api_client_refused"


def _issue(*, name: str, user, actor, **extra) -> tuple[ApiClient, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name, user=user, token_prefix=token[:10], token_hash=hash_token(token), **extra
    )
    audit_event_record(
        action="fintech.api_client.created",
        actor=actor,
        target=client,
        after={
            "name": name,
            "user": user.get_username(),
            "token_prefix": client.token_prefix,
            "role": client.role,
            "expires_at": client.expires_at.isoformat() if client.expires_at else None,
        },
    )
    return client, token


@transaction.atomic
def api_client_create(*, name: str, user, actor=None) -> tuple[ApiClient, str]:
    """Create a partner's client and return it with its token, which is never stored or
    shown again. Staff tokens are not made here (see `staff_api_token_issue`)."""
    if user.is_staff or user.is_superuser:
        raise ApiClientRefused("Staff API tokens are issued by the staff member, from a session verified by TOTP.")
    return _issue(name=name, user=user, actor=actor)


@transaction.atomic
def staff_api_token_issue(*, name: str, user, role: str, verified_device) -> tuple[ApiClient, str]:
    """A staff member's own token, for `settings.STAFF_API_TOKEN_HOURS`, acting in one
    of their roles only. `verified_device` is the TOTP device that verified the
    issuing session (`request.user.otp_device`): a password alone never mints one."""
    if not user.is_staff or user.is_superuser:
        raise ApiClientRefused("Only staff members without superuser powers hold staff API tokens.")
    if verified_device is None or verified_device.user_id != user.pk or not verified_device.confirmed:
        raise ApiClientRefused("A staff API token is issued only from a session verified by your own TOTP device.")
    if role not in ROLES or not user.groups.filter(name=role).exists():
        raise ApiClientRefused(f"You do not hold the role {role!r}.")
    expires_at = timezone.now() + timedelta(hours=settings.STAFF_API_TOKEN_HOURS)
    return _issue(name=name, user=user, actor=user, role=role, expires_at=expires_at)


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor) -> ApiClient:
    updated = ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        audit_event_record(action="fintech.api_client.revoked", actor=actor, target=client)
    client.refresh_from_db()
    return client
