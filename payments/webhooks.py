"""HTTP entry for gateway webhooks: verify, store, enqueue, 2xx. Nothing else here."""

from __future__ import annotations

import json
import time

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import conf
from payments.services.webhooks import webhook_delivery_record
from payments.webhook_signatures import SignatureError, stripe_signature_verify


def _refuse(code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=400)


@csrf_exempt  # authenticated by the signature, not by a session
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        stripe_signature_verify(
            payload=request.body, header=request.headers.get("Stripe-Signature"),
            secrets=conf.stripe_webhook_secrets(), tolerance=conf.WEBHOOK_TOLERANCE_SECONDS, now=time.time(),
        )
    except SignatureError as exc:
        return _refuse(exc.code, exc.detail)
    try:
        raw_body = request.body.decode("utf-8")
        event = json.loads(raw_body)
    except (UnicodeDecodeError, ValueError):
        return _refuse("invalid_json", "the body is not JSON")
    if not (isinstance(event, dict) and isinstance(event.get("id"), str) and isinstance(event.get("type"), str)
            and event["id"]):
        return _refuse("invalid_event", "the body is not a Stripe event (id and type)")
    delivery, created = webhook_delivery_record(
        provider="stripe", event_key=event["id"], event_type=event["type"], raw_body=raw_body
    )
    return JsonResponse({"received": True, "duplicate": not created, "delivery": delivery.pk}, status=200)
