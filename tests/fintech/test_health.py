import pytest
from django.test import override_settings

from config.celery import app as celery_app
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login


def test_healthz_answers_without_touching_services(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_broker(client):
    staff, device = make_staff("operator")
    admin_login(client, staff, device, password=PASSWORD)
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_unreachable(client):
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
            response = client.get("/readyz")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@override_settings(ALLOWED_HOSTS=["back-office.example.com"])
def test_healthz_answers_a_probe_at_the_tasks_own_address(client):
    # A load balancer probes each task by its private address, which is not an allowed host.
    assert client.get("/healthz", HTTP_HOST="10.0.3.17:8000").json() == {"status": "ok"}
    assert client.get("/readyz", HTTP_HOST="10.0.3.17:8000").status_code == 400
