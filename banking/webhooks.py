"""HTTP entry for Plaid webhooks: verify, store once, enqueue after commit, 2xx. Nothing else."""

from __future__ import annotations

import time

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from banking.services.webhooks import plaid_webhook_record
from banking.webhook_verification import WebhookKeyUnavailableError, plaid_webhook_verify
from fintech.json_input import JsonInputError, json_body_parse
from fintech.webhook_verification import WebhookVerificationError


def _refuse(code: str, detail: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


@csrf_exempt  # authenticated by the Plaid-Verification JWT, not by a session
@require_POST
def plaid_webhook(request: HttpRequest) -> JsonResponse:
    try:
        plaid_webhook_verify(body=request.body, token=request.headers.get("Plaid-Verification"), now=time.time())
    except WebhookVerificationError as exc:
        return _refuse(exc.code, exc.detail)
    except WebhookKeyUnavailableError:
        # Not the sender's fault: a 5xx makes Plaid deliver again later.
        return _refuse("verification_unavailable", "the verification key cannot be fetched now", status=503)
    try:
        payload = json_body_parse(request.body)
    except JsonInputError as exc:
        return _refuse(exc.code, exc.detail)
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("webhook_type"), str)
        and isinstance(payload.get("webhook_code"), str)
    ):
        return _refuse("invalid_webhook", "the body is not a Plaid webhook (webhook_type and webhook_code)")
    event, created = plaid_webhook_record(payload=payload)
    return JsonResponse({"received": True, "duplicate": not created, "event": event.pk}, status=200)
