"""Creating staff accounts with their role and TOTP device."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from fintech.models import StaffTOTPDevice
from fintech.roles import ROLES
from fintech.services.audit import audit_event_record


def totp_secret_base32(device: StaffTOTPDevice) -> str:
    """The secret as authenticator apps want it (base32)."""
    return device.secret_base32


@transaction.atomic
def staff_user_create(
    *, username: str, email: str, password: str, role: str, totp_key_hex: str | None = None, actor=None
):
    """A staff member in exactly one role, with a confirmed TOTP device (admin login needs it)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    user = get_user_model().objects.create_user(username=username, email=email, password=password, is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    device_kwargs = {"key": totp_key_hex} if totp_key_hex else {}
    device = StaffTOTPDevice.objects.create(user=user, name="authenticator", confirmed=True, **device_kwargs)
    audit_event_record(
        action="fintech.staff.created",
        actor=actor,
        actor_label=None if actor else "system",
        target=user,
        after={"username": username, "role": role},
    )
    return user, device
