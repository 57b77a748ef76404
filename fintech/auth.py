"""Login auditing, lockout response, and the staff (admin) login form with TOTP."""

from __future__ import annotations

import math
import time

from axes.helpers import get_cool_off
from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm

from fintech.lockout import signin_username
from fintech.middleware import LAST_SEEN_KEY
from fintech.models import AuditEvent
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field

# One answer for every refused staff sign-in (wrong password, wrong or missing code, not
# a staff account), so the page never tells which factor was right.
STAFF_LOGIN_REFUSED = (
    "Please enter the correct %(username)s, password and one-time code for a staff account. "
    "Note that all fields may be case-sensitive."
)


@receiver(user_logged_in, dispatch_uid="fintech.audit.login")
def _audit_login(sender, request, user, **kwargs):
    audit_event_record(action="fintech.auth.login", actor=user, target=user, after={"staff": user.is_staff})


@receiver(user_logged_in, dispatch_uid="fintech.auth.start_idle_clock")
def _start_idle_clock(sender, request, user, **kwargs):
    # The idle timeout runs from the sign-in itself, not from the first page after it.
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())


class RefusedLikeAWrongPassword:
    """For authentication forms: refuse an account whose password was right (wrong
    second factor, wrong door) with the form's wrong-password answer, and count it as a
    failed login: axes counts it, the audit trail records it. Any other answer would
    confirm the password to whoever typed it."""

    def refuse_like_a_wrong_password(self, user):
        self.user_cache = None
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=self.request)
        raise self.get_invalid_login_error()


@receiver(user_logged_out, dispatch_uid="fintech.audit.logout")
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_event_record(action="fintech.auth.logout", actor=user, target=user)


@receiver(user_login_failed, dispatch_uid="fintech.audit.login_failed")
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    # Never the password (Django already replaces it), and never a typed email: a staff
    # username as typed, anything else as its keyed pseudonym (fintech.lockout.signin_username).
    username = signin_username(str(credentials.get("username", "")))
    with transaction.atomic():
        audit_event_record(
            action="fintech.auth.login_failed",
            actor_label=username,
            target_type="auth.user",
            target_id=truncate_to_field(AuditEvent, "target_id", username),
            outcome=AuditEvent.Outcome.FAILURE,
        )


@receiver(user_locked_out, dispatch_uid="fintech.audit.lockout")
def _audit_lockout(sender, request, username, ip_address, **kwargs):
    with transaction.atomic():
        audit_event_record(
            action="fintech.auth.locked_out",
            target_type="auth.user",
            actor_label=truncate_to_field(AuditEvent, "actor_label", str(username or "")),
            target_id=truncate_to_field(AuditEvent, "target_id", str(username or "")),
            outcome=AuditEvent.Outcome.DENIED,
        )


def lockout_response(request, credentials, *args, **kwargs):
    """What a locked-out caller sees (axes' AXES_LOCKOUT_CALLABLE)."""
    minutes = math.ceil(get_cool_off(request).total_seconds() / 60)
    message = f"Too many failed sign-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "locked_out", "detail": message}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)


class StaffLoginForm(RefusedLikeAWrongPassword, OTPAdminAuthenticationForm):
    """The admin login: password *and* a TOTP code, always.

    A wrong or missing code after a right password, or a right password of an account
    that is not staff, answers exactly like a wrong password (same message, same page:
    no device list, no password echoed back) and counts as a failed login, so it feeds
    the lockout and the audit trail like a wrong password does.
    """

    error_messages = {**OTPAdminAuthenticationForm.error_messages, "invalid_login": STAFF_LOGIN_REFUSED}

    def confirm_login_allowed(self, user):
        if not user.is_active or not user.is_staff:
            self.refuse_like_a_wrong_password(user)
        super().confirm_login_allowed(user)

    def _update_form(self, user):
        # django-otp would list the account's devices and echo the password back,
        # which would show that the password was right.
        pass

    def _chosen_device(self, user):
        # Staff have one authenticator each: use it when none was picked from the list.
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device

    def clean_otp(self, user):
        try:
            super().clean_otp(user)
        except ValidationError:
            if user is None:
                raise
            self.refuse_like_a_wrong_password(user)


@receiver(post_save, sender=LogEntry, dispatch_uid="fintech.audit.admin_change")
def _audit_admin_change(sender, instance: LogEntry, created: bool, **kwargs):
    """Every add, change and delete made in the admin is an audit event, including the
    models with no service of their own (users, groups, TOTP devices). It runs in the
    admin view's transaction, so the change and its audit event commit together."""
    if not created:
        return
    verb = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}.get(instance.action_flag, "touched")
    content_type = instance.content_type
    label = f"{content_type.app_label}.{content_type.model}" if content_type else "unknown"
    audit_event_record(
        action=f"admin.{label}.{verb}",
        actor=instance.user,
        target_type=label,
        target_id=truncate_to_field(AuditEvent, "target_id", str(instance.object_id or "")),
        after={"object": instance.object_repr, "change": instance.get_change_message()},
    )
