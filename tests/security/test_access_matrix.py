"""Access-control matrix over every URL the project serves.

Routes are enumerated from the URL resolver, so a route added later is checked without
editing this file: anonymous callers get nothing but the public routes; customers never
reach each other's objects; each staff role sees exactly the admin pages and the API
routes its permissions allow (Payments Operations no case or alert data, Auditors nothing
writable); and session-authenticated writes need a CSRF token.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from compliance.monitoring.models import Alert
from fintech import roles
from fintech.services.api_clients import api_client_create
from payments.models import Payment, Refund
from tests.compliance.workplace.conftest import make_alert
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login, api_client_for

pytestmark = pytest.mark.django_db

# Routes anyone may call. Webhooks are authenticated by their signatures (tested in
# their apps); here an unsigned call must still be refused.
PUBLIC = {
    "",
    "healthz",
    "readyz",
    "accounts/login/",
    "accounts/signup/",
    "api/schema/",
    "api/docs/",
    "admin/login/",
    "admin/logout/",
    "accounts/signup/done/",
    "accounts/confirm/<uidb64>/<token>/",
    "accounts/password-reset/",
    "accounts/password-reset/done/",
    "accounts/reset/<uidb64>/<token>/",
}
SIGNED_WEBHOOK = re.compile(r"^webhooks/")
PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def all_routes() -> list[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    routes = set()
    for raw in walk(get_resolver().url_patterns):
        route = raw.replace("^", "").replace("$", "").replace("\\", "")
        if "(?" in PLACEHOLDER.sub("", route) or route.startswith("static/"):
            continue  # an optional-group regex (e.g. the admin's app index catch-all) has no single path
        routes.add(route)
    return sorted(routes)


def concrete(route: str, value: str = "1") -> str:
    return "/" + PLACEHOLDER.sub(value, route)


ROUTES = all_routes()


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("route", [r for r in ROUTES if r not in PUBLIC and not SIGNED_WEBHOOK.match(r)])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_callers_get_nothing_but_the_public_routes(route, method):
    response = getattr(Client(), method)(concrete(route))
    if route.startswith("api/"):
        assert response.status_code in (401, 403, 405), (route, response.status_code)
    else:
        assert _is_login_redirect(response) or response.status_code in (403, 405), (route, response.status_code)


@pytest.mark.parametrize("route", [r for r in ROUTES if SIGNED_WEBHOOK.match(r)])
def test_unsigned_webhooks_are_refused(route):
    response = Client().post(concrete(route), data=b"{}", content_type="application/json")
    assert 400 <= response.status_code < 500, (route, response.status_code)


@pytest.mark.parametrize("route", sorted(PUBLIC & set(ROUTES)))
def test_public_routes_answer_without_server_errors(route):
    assert Client().get(concrete(route)).status_code < 500


@pytest.fixture
def two_customers():
    a, b = CustomerFactory(legal_name="Customer A"), CustomerFactory(legal_name="Customer B")
    payment_b = Payment.objects.create(customer=b, amount=5000, currency="EUR")
    _, token_a = api_client_create(name="a-app", user=a.user)
    return a, b, payment_b, token_a


def test_a_customer_client_cannot_read_or_refund_another_customers_payment(two_customers):
    a, b, payment_b, token_a = two_customers
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_a}")
    assert api.get(f"/api/v1/payments/{payment_b.pk}/").status_code == 404
    listed = api.get("/api/v1/payments/").json()
    assert payment_b.pk not in [row["id"] for row in listed["results"]]
    refund = api.post(f"/api/v1/payments/{payment_b.pk}/refunds/", {"amount": 100, "idempotency_key": "x"})
    assert refund.status_code in (403, 404)
    assert Payment.objects.get(pk=payment_b.pk).amount_refunded == 0


def test_customers_cannot_reach_the_admin_or_staff_api(two_customers):
    a, *_ = two_customers
    client = Client()
    client.force_login(a.user)
    assert _is_login_redirect(client.get("/admin/"))
    assert client.post("/api/v1/screenings/", {"name": "x"}).status_code == 403


def test_session_authenticated_writes_need_a_csrf_token(two_customers):
    a, b, payment_b, _ = two_customers
    client = Client(enforce_csrf_checks=True)
    client.force_login(a.user)
    for route in ROUTES:
        if route in PUBLIC or SIGNED_WEBHOOK.match(route) or route.startswith("admin/"):
            continue
        response = client.post(concrete(route, str(payment_b.pk)), data={})
        assert response.status_code in (403, 405), (route, response.status_code)


def _staff_client(username: str, role: str) -> tuple[Client, object]:
    user, device = make_staff(username, role)
    client = Client()
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    return client, user


@pytest.mark.parametrize("role", roles.ROLES)
def test_each_role_sees_exactly_the_admin_pages_its_permissions_allow(role):
    client, user = _staff_client(role.lower().replace(" ", "-"), role)
    for model in admin.site._registry:
        opts = model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/"
        can_view = user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )
        assert client.get(url).status_code == (200 if can_view else 403), (role, url)
        if role == roles.AUDITOR:
            assert client.get(f"{url}add/").status_code == 403, url
            assert client.post(f"{url}add/", {}).status_code == 403, url


def test_payments_operations_see_no_compliance_data():
    client, user = _staff_client("payops", roles.PAYMENTS_OPERATIONS)
    for model in admin.site._registry:
        if model._meta.app_label == "compliance" or model._meta.label == "fintech.AuditEvent":
            assert client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/").status_code == 403


# --- the API, route by route and role by role ---------------------------------------------------

API_ROUTES = [r for r in ROUTES if r.startswith("api/v1/")]
SELF_ROUTES = {"api/v1/me/"}  # answers with the caller's own identity, whoever calls
# Routes whose view names no model (an APIView without queryset or model serializer): what they touch.
ROUTE_MODELS = {"api/v1/payments/<int:pk>/refunds/": Refund}


def _api_model(route: str):
    """The model whose permissions guard the route: the view's queryset, else its serializer's model."""
    view = resolve(concrete(route)).func.cls
    if route in ROUTE_MODELS:
        return ROUTE_MODELS[route]
    if getattr(view, "queryset", None) is not None:
        return view.queryset.model
    return getattr(getattr(getattr(view, "serializer_class", None), "Meta", None), "model", None)


def _answers_get(route: str) -> bool:
    func = resolve(concrete(route)).func
    actions = getattr(func, "actions", None)  # a viewset route: its method -> action map
    return "get" in actions if actions is not None else hasattr(func.cls, "get")


def test_every_api_route_names_the_model_that_guards_it():
    unnamed = [r for r in API_ROUTES if r not in SELF_ROUTES and _api_model(r) is None]
    assert not unnamed, f"add these routes to ROUTE_MODELS or give their views a queryset: {unnamed}"


def _rows(response) -> list:
    body = response.json()
    return body.get("results", body) if isinstance(body, dict) else body


@pytest.fixture
def api_objects(db) -> dict:
    """One object of the cheap models, so detail routes answer for those who may see them."""
    customer = CustomerFactory(external_id="cus_matrix")
    payment = Payment.objects.create(customer=customer, amount=5000, currency="EUR")
    return {Payment: payment.pk, Alert: make_alert(customer).pk, Refund: payment.pk}


@pytest.mark.parametrize("role", roles.ROLES)
@pytest.mark.parametrize("route", [r for r in API_ROUTES if r not in SELF_ROUTES])
def test_each_role_reaches_exactly_the_api_routes_its_permissions_allow(route, role, api_objects):
    user, _ = make_staff(f"api-{role.lower().replace(' ', '-')}", role)
    api = api_client_for(user)
    model = _api_model(route)
    can_view = user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
    seeded = model in api_objects
    url = concrete(route, str(api_objects.get(model, 999_999)))

    read = api.get(url)
    write = api.post(url, {}, format="json")

    assert read.status_code < 500 and write.status_code < 500, (route, role, read.status_code, write.status_code)
    if not can_view:  # nothing of the model, whatever the method: refused, not found, or an empty list
        assert read.status_code in (403, 404, 405) or (read.status_code == 200 and _rows(read) == []), (
            route,
            role,
            read.status_code,
        )
        assert write.status_code in (403, 404, 405), (route, role, write.status_code)
    elif not _answers_get(route):  # a write-only route (a refund): its own permission may answer first
        assert read.status_code in (403, 405), (route, role, read.status_code)
    else:
        assert read.status_code == (200 if seeded or "<" not in route else 404), (route, role, read.status_code)


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_may_ask_the_api_who_it_is(role):
    user, _ = make_staff(f"me-{role.lower().replace(' ', '-')}", role)
    api = api_client_for(user)
    for route in SELF_ROUTES:
        response = api.get(concrete(route))
        assert response.status_code == 200 and response.json()["username"] == user.get_username()
