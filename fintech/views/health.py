from __future__ import annotations

from celery import current_app as celery_app
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """The process is alive and serving requests; nothing else is checked."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return False, type(exc).__name__
    return True, "ok"


def _broker_ok() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any transport error means "not ready"
        return False, type(exc).__name__
    return True, "ok"


@require_GET
def readyz(request):
    """Ready to take traffic: the database and the broker both answer (503 otherwise).

    Public, for load balancers, which need the status code only: anyone gets ok or
    unavailable. Which service failed, and how, is for active staff signed in with their
    second factor (the officers' admin session); it names our infrastructure's failure
    modes, so nobody else sees it. The environment is never shown.
    """
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    ok = db_ok and broker_ok
    body = {"status": "ok" if ok else "unavailable"}
    user = request.user
    if user.is_active and user.is_staff and user.is_verified():  # is_verified: django-otp's middleware
        body["checks"] = {"database": db_detail, "broker": broker_detail}
    return JsonResponse(body, status=200 if ok else 503)
