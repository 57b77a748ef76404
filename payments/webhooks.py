"""HTTP entry for gateway webhooks: verify, store, enqueue, 2xx. Nothing else here."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from fintech.json_input import JsonInputError, json_body_parse
from fintech.webhook_verification import WebhookVerificationError
from payments import conf
from payments.errors import GatewayError
from payments.gateways import braintree_adapter
from payments.services.webhooks import webhook_delivery_store
from payments.webhook_verification import stripe_signature_verify


def _refuse(code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=400)


@csrf_exempt  # authenticated by the signature, not by a session
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        stripe_signature_verify(
            payload=request.body,
            header=request.headers.get("Stripe-Signature"),
            secrets=conf.stripe_webhook_secrets(),
            tolerance=conf.WEBHOOK_TOLERANCE_SECONDS,
            now=time.time(),
        )
    except WebhookVerificationError as exc:
        return _refuse(exc.code, exc.detail)
    try:
        event = json_body_parse(request.body)
    except JsonInputError as exc:
        return _refuse(exc.code, exc.detail)
    raw_body = request.body.decode("utf-8")  # valid UTF-8: the parser refuses anything else
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and event["id"]
    ):
        return _refuse("invalid_event", "the body is not a Stripe event (id and type)")
    delivery_id, created = webhook_delivery_store(
        provider="stripe", event_key=event["id"], event_type=event["type"], raw_body=raw_body
    )
    return JsonResponse({"received": True, "duplicate": not created, "delivery": delivery_id}, status=200)


@csrf_exempt  # authenticated by the signature, not by a session
@require_http_methods(["GET", "POST"])
def braintree_webhook(request: HttpRequest) -> HttpResponse:
    """POST: a notification (`bt_signature`, `bt_payload` form fields), verified and read
    by the SDK. GET: the `bt_challenge` Braintree sends when the URL is registered."""
    try:
        gateway = braintree_adapter()
    except GatewayError as exc:  # not configured: nothing can be verified, so nothing is accepted
        return _refuse("not_configured", exc.detail)
    if request.method == "GET":
        try:
            answer = gateway.webhook_challenge(challenge=request.GET.get("bt_challenge", ""))
        except WebhookVerificationError as exc:
            return _refuse(exc.code, exc.detail)
        return HttpResponse(answer, content_type="text/plain")
    signature, payload = request.POST.get("bt_signature"), request.POST.get("bt_payload")
    try:
        notification = gateway.webhook_parse(signature=signature, payload=payload)
    except WebhookVerificationError as exc:
        return _refuse(exc.code, exc.detail)
    # Stored as the two verified fields exactly as received, form-encoded as Braintree sends them.
    delivery_id, created = webhook_delivery_store(
        provider="braintree",
        event_key=notification.event_key,
        event_type=notification.kind,
        raw_body=urlencode({"bt_signature": signature, "bt_payload": payload}),
    )
    return JsonResponse({"received": True, "duplicate": not created, "delivery": delivery_id}, status=200)
