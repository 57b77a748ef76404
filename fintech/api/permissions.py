"""Permissions shared by the apps' API views."""

from __future__ import annotations

from django_otp import match_token
from rest_framework.permissions import BasePermission

OTP_HEADER = "X-OTP-Code"


class FreshSecondFactorForStaff(BasePermission):
    """Money-moving calls made by staff need a current TOTP code from the caller's own
    device in `X-OTP-Code`, whatever authenticated the call: a stolen staff token alone
    cannot move money. django-otp checks the code and spends it (a code works once,
    and repeated wrong codes slow the device down). Partners' calls are unaffected."""

    message = f"Staff money movements need a current one-time code in the {OTP_HEADER} header."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_staff or user.is_superuser):
            return True
        code = request.headers.get(OTP_HEADER, "").strip()
        return bool(code) and match_token(user, code) is not None
