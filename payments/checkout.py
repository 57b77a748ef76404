"""The checkout pages: choose an amount, then pay with Stripe's Payment Element or
Braintree's Drop-in (PayPal vault flow). The provider scripts load from the providers
(in development, from the sandbox's labelled stand-ins: docs/sandbox.md); our pages
carry no inline script, only data attributes that `payments/checkout.js` reads. Card
data goes from the browser to the provider; we receive a Stripe client secret's
confirmation or a Braintree nonce, never a card number (a form carrying one is refused
with 400).
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fintech.errors import DomainError
from fintech.models import Customer
from fintech.money import AMOUNT_CEILING, CURRENCY_CHOICES, MoneyError, amount_check_maximum, to_minor_units
from fintech.provider_scripts import csp_update_per_request, csp_with_origins
from payments import conf
from payments.card_data import card_data_fields
from payments.errors import GatewayUnavailableError
from payments.gateways import braintree_adapter
from payments.selectors import payment_for_customer_user
from payments.services.braintree_payments import braintree_customer_id, braintree_payment_request
from payments.services.payments import payment_create, payment_submit

logger = logging.getLogger(__name__)
PROVIDERS = [("stripe", "Card (Stripe)"), ("braintree", "PayPal or card (Braintree)")]

# What each provider's script needs the page's Content-Security-Policy to allow, from the
# providers' own CSP guides; only the page that loads the script allows it. Neither
# script can carry Subresource Integrity: Stripe.js is versioned server-side and must
# load from js.stripe.com as served, and the Drop-in loader fetches further scripts
# (hosted fields, PayPal) at run time, which no hash on the loader can pin.
STRIPE_CSP = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}
BRAINTREE_CSP = {
    "script-src": [
        "https://js.braintreegateway.com",
        "https://assets.braintreegateway.com",
        "https://www.paypalobjects.com",
        "https://*.paypal.com",
    ],
    "frame-src": ["https://assets.braintreegateway.com", "https://*.paypal.com"],
    "connect-src": [
        "https://api.braintreegateway.com",
        "https://client-analytics.braintreegateway.com",
        "https://api.sandbox.braintreegateway.com",  # the sandbox, for staging accounts
        "https://client-analytics.sandbox.braintreegateway.com",
        "https://*.braintree-api.com",
        "https://*.paypal.com",
    ],
    "img-src": ["https://assets.braintreegateway.com", "https://checkout.paypal.com"],
}


def stripe_csp() -> dict[str, list[str]]:
    return csp_with_origins(STRIPE_CSP, conf.stripe_js_url(), conf.stripe_api_base())


def braintree_csp() -> dict[str, list[str]]:
    return csp_with_origins(BRAINTREE_CSP, conf.braintree_dropin_url())


CHECKOUT_CURRENCIES = [c for c in CURRENCY_CHOICES if c[0] in {"EUR", "USD", "GBP"}]


class CheckoutForm(forms.Form):
    amount = forms.DecimalField(min_value=0.01, max_digits=12, decimal_places=2, label="Amount")
    currency = forms.ChoiceField(choices=CHECKOUT_CURRENCIES, label="Currency")
    provider = forms.ChoiceField(choices=PROVIDERS, widget=forms.RadioSelect, initial="stripe", label="Pay with")

    def clean(self):
        data = super().clean()
        if "amount" in data and "currency" in data:
            try:
                data["minor"] = amount_check_maximum(to_minor_units(data["amount"], data["currency"]), data["currency"])
            except MoneyError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


class NonceForm(forms.Form):
    amount = forms.IntegerField(min_value=1, max_value=AMOUNT_CEILING, widget=forms.HiddenInput)
    currency = forms.ChoiceField(choices=CHECKOUT_CURRENCIES, widget=forms.HiddenInput)
    payment_method_nonce = forms.CharField(max_length=200, widget=forms.HiddenInput)

    def clean(self):
        # The hidden amount comes back from the browser: bounded again, never trusted.
        data = super().clean()
        if "amount" in data and "currency" in data:
            try:
                amount_check_maximum(data["amount"], data["currency"])
            except MoneyError as exc:
                self.add_error("amount", str(exc))
        return data


def _customer(request) -> Customer:
    customer = Customer.objects.filter(user=request.user).first()
    if customer is None:
        raise PermissionDenied("This page is for customers.")
    return customer


def _refuse_card_data(request) -> HttpResponse | None:
    if card_data_fields(request.POST):
        return HttpResponseBadRequest(
            "Card details must go to the payment provider, never to us.", content_type="text/plain"
        )
    return None


def _braintree_page(request, customer: Customer, *, amount: int, currency: str, form=None) -> HttpResponse:
    try:
        gateway = braintree_adapter()
        vault_customer = gateway.customer_ensure(customer_id=braintree_customer_id(customer))
        client_token = gateway.client_token(customer_id=vault_customer, currency=currency)
    except DomainError as exc:
        return render(
            request,
            "payments/checkout_unavailable.html",
            {"transient": isinstance(exc, GatewayUnavailableError)},
            status=503,
        )
    form = form or NonceForm(initial={"amount": amount, "currency": currency})
    return render(
        request,
        "payments/checkout_braintree.html",
        {
            "form": form,
            "amount": amount,
            "currency": currency,
            "client_token": client_token,
            "dropin_url": conf.braintree_dropin_url(),
        },
    )


def _not_configured(request) -> HttpResponse:
    """No payment provider is set up in this deployment: say so, not "try again later"."""
    logger.warning("checkout refused: no payment provider is configured (%s)", "; ".join(conf.GATEWAY_KEYS.values()))
    return render(request, "payments/checkout_not_configured.html", status=503)


def _submission_failed(request, payment, exc: DomainError) -> HttpResponse:
    """The payment is failed with its reason (payment_submit); the customer is told whether
    trying again later can help. The gateway's own words stay in the back-office."""
    transient = isinstance(exc, GatewayUnavailableError)
    return render(
        request,
        "payments/checkout_unavailable.html",
        {"payment": payment, "transient": transient},
        status=503 if transient else 502,
    )


@login_required
@require_http_methods(["GET", "POST"])
@csp_update_per_request(braintree_csp)  # the POST that chooses Braintree renders the Drop-in page
def checkout(request):
    customer = _customer(request)
    if not any(conf.checkout_configured(name) for name, _ in PROVIDERS):
        return _not_configured(request)
    if request.method == "POST":
        refused = _refuse_card_data(request)
        if refused:
            return refused
        form = CheckoutForm(request.POST)
        if form.is_valid():
            amount, currency = form.cleaned_data["minor"], form.cleaned_data["currency"]
            if not conf.checkout_configured(form.cleaned_data["provider"]):
                return _not_configured(request)
            if form.cleaned_data["provider"] == "braintree":
                return _braintree_page(request, customer, amount=amount, currency=currency)
            payment = payment_create(customer=customer, amount=amount, currency=currency, actor=request.user)
            try:
                # The customer is waiting: this is the only try, so a failure fails the payment.
                payment_submit(payment=payment, actor=request.user, last_attempt=True)
            except DomainError as exc:
                return _submission_failed(request, payment, exc)
            return redirect("payments:pay-stripe", pk=payment.pk)
    else:
        form = CheckoutForm()
    return render(request, "payments/checkout.html", {"form": form})


@login_required
@require_GET
@csp_update_per_request(stripe_csp)
def pay_stripe(request, pk: int):
    """The Payment Element for one of the customer's own pending Stripe payments."""
    payment = payment_for_customer_user(user=request.user, pk=pk)
    if payment is None or payment.gateway != "stripe":
        raise Http404("No such payment")
    return render(
        request,
        "payments/checkout_stripe.html",
        {
            "payment": payment,
            "publishable_key": conf.stripe_publishable_key(),
            "stripe_js_url": conf.stripe_js_url(),
            "return_url": request.build_absolute_uri(f"/payments/{payment.pk}/receipt/"),
        },
    )


@login_required
@require_POST
def pay_braintree(request):
    """The Drop-in's nonce arrives here (CSRF-protected); the sale is made by a Celery task."""
    customer = _customer(request)
    refused = _refuse_card_data(request)
    if refused:
        return refused
    form = NonceForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": "invalid_payment", "detail": form.errors.get_json_data()}, status=400)
    try:
        payment = braintree_payment_request(
            customer=customer,
            amount=form.cleaned_data["amount"],
            currency=form.cleaned_data["currency"],
            nonce=form.cleaned_data["payment_method_nonce"],
            actor=request.user,
        )
    except (DomainError, MoneyError) as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain")
    return redirect("payments:receipt", pk=payment.pk)
