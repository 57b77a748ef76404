"""Request id, idle session timeouts, and auditing of refused requests."""

from __future__ import annotations

import re
import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.utils.cache import add_never_cache_headers

from fintech import request_context
from fintech.lockout import client_ip
from fintech.models import AuditEvent
from fintech.truncation import truncate_to_field

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
LAST_SEEN_KEY = "fintech_last_seen"


class RequestIdMiddleware:
    """Binds a request id (the caller's `X-Request-ID` if well-formed) and the client
    address for logs and audit events, and echoes the id in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_context.bind(
            request_context.RequestContext(request_id=request.request_id, ip=client_ip(request))
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def bind_user(request) -> None:
    """Add the authenticated user to the request context (called once auth has run)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context = request_context.current()
        request_context.bind(
            request_context.RequestContext(
                request_id=context.request_id, ip=context.ip, user_id=user.pk, user_label=user.get_username()
            )
        )


class IdleSessionTimeoutMiddleware:
    """Ends a session after a period without requests: 15 minutes for staff (who can
    see case data), a longer period for customers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            limit = settings.STAFF_SESSION_IDLE_SECONDS if user.is_staff else settings.CUSTOMER_SESSION_IDLE_SECONDS
            now = int(time.time())
            # Sign-in starts the clock (fintech.auth); a session without one is not trusted.
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is None or now - int(last_seen) > limit:
                logout(request)
            else:
                request.session[LAST_SEEN_KEY] = now
        bind_user(request)
        return self.get_response(request)


class AccessDeniedAuditMiddleware:
    """Every 403 answered to a signed-in user is an audit event (who tried what)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403 and getattr(request, "user", None) and request.user.is_authenticated:
            from fintech.services.audit import audit_event_record

            with transaction.atomic():
                audit_event_record(
                    action="fintech.access.denied",
                    actor=request.user,
                    target_type="url",
                    target_id=truncate_to_field(AuditEvent, "target_id", request.path),
                    after={"method": request.method, "path": request.path},
                    outcome=AuditEvent.Outcome.DENIED,
                )
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every API answer and every page shown to a signed-in
    user, unless the view chose its own caching.

    Those responses carry personal data or secrets (a payment's client secret, a Plaid
    link token, balances): no browser history, back button on a shared computer or
    intermediate cache may keep a copy. One rule here instead of a decorator on each view,
    so a page added later cannot forget it. API clients authenticate by token inside DRF,
    after this middleware's view of the user, hence the path test.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and (
            request.path.startswith("/api/") or request.user.is_authenticated
        ):
            add_never_cache_headers(response)
        return response
