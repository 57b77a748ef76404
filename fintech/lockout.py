"""Who a failed sign-in counts against, and for how long (django-axes' policy callables).

Staff (PCI DSS 8.3.4): ten failures lock the *username* for thirty minutes, from any
address, and ten failures from one address lock that address too (one source cannot
spray many staff accounts).

Customers: failures count against the *source address* only, so an attacker cannot
lock a customer out of their own account from somewhere else. The lock grows with
the address's failures over the last day (one minute, then two, four, ... up to
thirty), so a patient attacker is slowed to the staff rate while a customer who
mistypes waits a minute.

What a failed sign-in records (axes' attempts and failure log, the audit trail) names a
staff account by its username, and anything else by a keyed pseudonym of what was typed
(`signin_username`): customers sign in with their email, which must not sit in clear in
those tables. The pseudonym of an existing customer's email is its blind index, so an
officer can still find the failed sign-ins against one customer.

The address is the one DRF throttles by (`REST_FRAMEWORK["NUM_PROXIES"]`): forwarded
headers count only when the deployment declares its proxies.
"""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_client_username
from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from fintech.models.customers import customer_email_index

STAFF_LOCKOUT = timedelta(minutes=30)
CUSTOMER_FIRST_LOCKOUT = timedelta(minutes=1)
CUSTOMER_LONGEST_LOCKOUT = timedelta(minutes=30)
# How far back an address's failures make its next lock longer.
CUSTOMER_ESCALATION_WINDOW = timedelta(hours=24)


def client_ip(request) -> str | None:
    """The caller's address: REMOTE_ADDR, or the X-Forwarded-For entry written by the
    outermost of the `NUM_PROXIES` trusted proxies. One definition for throttles,
    lockouts and the audit trail, so a forged header moves none of them."""
    return BaseThrottle().get_ident(request)


# Marks a pseudonym, so it can never be read as (or collide with) a staff username.
PSEUDONYM_PREFIX = "email-index:"


def _is_staff_username(username: str | None) -> bool:
    return bool(username) and get_user_model().objects.filter(username=username, is_staff=True).exists()


def signin_username(typed: str | None) -> str:
    """What a failed sign-in is recorded under: a staff username as typed, anything else
    (a customer's email, a guess) as the keyed blind index an email would be stored under."""
    typed = (typed or "").strip()
    if not typed or _is_staff_username(typed):
        return typed
    return PSEUDONYM_PREFIX + customer_email_index(typed)


def signin_username_from_request(request, credentials=None) -> str:
    """AXES_USERNAME_CALLABLE: the typed username (credentials first, as axes reads it) as `signin_username`."""
    if credentials:
        typed = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        typed = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    return signin_username(typed if isinstance(typed, str) else None)


def lockout_parameters(request, credentials=None) -> list:
    """AXES_LOCKOUT_PARAMETERS. Each entry is counted on its own; ten failures on any
    one locks. (An address+username pair is never listed: the address alone counts
    every failure the pair would, against the same limit.)"""
    username = get_client_username(request, credentials)
    if _is_staff_username(username):
        return ["username", "ip_address"]
    return ["ip_address"]


def _address_failures_today(request) -> int:
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    since = timezone.now() - CUSTOMER_ESCALATION_WINDOW
    return AccessFailureLog.objects.filter(ip_address=address, attempt_time__gte=since).count()


def lockout_cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: how long failures count, and so how long a lock lasts."""
    if request is None or _is_staff_username(get_client_username(request, getattr(request, "axes_credentials", None))):
        return STAFF_LOCKOUT
    # "+ 1" counts the failure being recorded (axes logs it only after asking for its
    # expiry), so a failure that reaches the next step gets that step's lock.
    doublings = max(0, (_address_failures_today(request) + 1) // settings.AXES_FAILURE_LIMIT - 1)
    return min(CUSTOMER_FIRST_LOCKOUT * 2 ** min(doublings, 16), CUSTOMER_LONGEST_LOCKOUT)
