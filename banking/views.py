"""The customer's bank page: linked accounts (masks only) and Plaid Link."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from banking import conf, plaid
from banking.models import PlaidItem
from banking.selectors import customer_items
from banking.services.items import bank_link_submit, link_token_create
from fintech.json_input import JsonInputError, json_body_parse
from fintech.models import Customer
from fintech.provider_scripts import csp_update_per_request, csp_with_origins

logger = logging.getLogger(__name__)
UPDATE_MODE_STATUSES = {PlaidItem.Status.NEEDS_UPDATE, PlaidItem.Status.PENDING_EXPIRATION}
# Plaid Link's needs (Plaid's CSP guide), on this page only. No Subresource Integrity:
# Plaid serves link-initialize.js from a moving "stable" path and forbids self-hosting.
PLAID_CSP = {
    "script-src": ["https://cdn.plaid.com"],
    "frame-src": ["https://cdn.plaid.com"],
    "connect-src": ["https://production.plaid.com", "https://sandbox.plaid.com"],
}


def plaid_csp() -> dict[str, list[str]]:
    return csp_with_origins(PLAID_CSP, conf.plaid_link_url())


def _customer(request: HttpRequest) -> Customer:
    customer = Customer.objects.filter(user=request.user).first()
    if customer is None:
        raise PermissionDenied("This page is for customers.")
    return customer


@login_required
@require_GET
@csp_update_per_request(plaid_csp)
def bank_page(request: HttpRequest):
    customer = _customer(request)
    items = list(customer_items(customer=customer))
    link_token, update_tokens, link_error = None, {}, ""
    try:
        link_token = link_token_create(customer=customer).link_token
        for item in items:
            if item.status in UPDATE_MODE_STATUSES or item.new_accounts_available:
                update_tokens[str(item.pk)] = link_token_create(customer=customer, item=item).link_token
    except (plaid.PlaidError, plaid.PlaidUnavailableError):
        logger.warning("could not create a Plaid Link token", exc_info=True)
        link_error = "Linking a bank is unavailable right now. Please try again later."
    return render(
        request,
        "banking/bank.html",
        {
            "customer": customer,
            "items": items,
            "link_token": link_token,
            "update_tokens": update_tokens,
            "link_error": link_error,
            "plaid_link_url": conf.plaid_link_url(),
        },
    )


@login_required
@require_POST
def link_complete(request: HttpRequest) -> JsonResponse:
    """Link's onSuccess posts `{public_token, metadata}` here (with the CSRF token)."""
    customer = _customer(request)
    try:
        body = json_body_parse(request.body)
    except JsonInputError as exc:
        return JsonResponse({"error": exc.code, "detail": exc.detail}, status=400)
    public_token = body.get("public_token") if isinstance(body, dict) else None
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if not (isinstance(public_token, str) and public_token.startswith("public-") and len(public_token) <= 200):
        return JsonResponse({"error": "invalid_public_token", "detail": "a Link public token is required"}, status=400)
    institution = (metadata or {}).get("institution") if isinstance(metadata, dict) else None
    institution_id = (institution or {}).get("institution_id") if isinstance(institution, dict) else None
    if not (isinstance(institution_id, str) and 0 < len(institution_id) <= 50):
        return JsonResponse(
            {"error": "invalid_metadata", "detail": "Link metadata must name the institution"}, status=400
        )
    bank_link_submit(customer=customer, public_token=public_token, link_institution_id=institution_id)
    return JsonResponse({"accepted": True}, status=202)
