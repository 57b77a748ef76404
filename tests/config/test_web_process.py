"""The web process as production runs it: gunicorn with gunicorn.conf.py and config.wsgi.

Two things only a real server shows: gateway webhooks go through the lean machine
stack (request id and security headers, none of the browser middleware) while pages
keep the full one, and the access log line carries the method, path, status, time and
request id of each request.
"""

from __future__ import annotations

import json
import re
import sys

import pytest
import requests
import stripe

from payments.models import WebhookDelivery
from tests.faults.processes import (
    PROCESS_START_TIMEOUT,
    ROOT,
    AppProcess,
    app_env,
    free_port,
    subprocess_database_url,
    wait_for,
)

SECRET = "whsec_web_process"  # noqa: S105  (test-only)  # pragma: allowlist secret


def _serving(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/healthz", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or the worker still booting
        return False


@pytest.fixture
def web(tmp_path, redis_url):
    port = free_port()
    access_log = tmp_path / "access.log"
    env = app_env(
        database_url=subprocess_database_url(),
        redis_url=redis_url,
        STRIPE_WEBHOOK_SECRETS=SECRET,
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        WEB_THREADS="2",
        WEB_ACCESS_LOG=str(access_log),
    )
    process = AppProcess(
        "gunicorn",
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", str(ROOT / "gunicorn.conf.py")],
        env,
        tmp_path,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        process.start()
        wait_for(
            lambda: process.check_running() and _serving(base_url),
            timeout=PROCESS_START_TIMEOUT,
            what=f"gunicorn to serve ({process.log})",
        )
        yield base_url, access_log, process
    finally:
        process.stop()


@pytest.mark.django_db(transaction=True)
def test_a_webhook_takes_the_machine_stack_and_a_page_the_browser_stack(web):
    base_url, _, _ = web
    body = json.dumps({"id": "evt_web_process", "object": "event", "type": "customer.created"})
    signature = stripe.WebhookSignature.generate_signature_header(body, SECRET)
    # when
    webhook = requests.post(
        f"{base_url}/webhooks/stripe/",
        data=body,
        timeout=10,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": signature,
            "X-Request-ID": "webhook-request-0001",
        },
    )
    page = requests.get(f"{base_url}/accounts/login/", timeout=10)
    # then: the webhook is stored, with the request id and security headers, and no browser middleware ran
    assert webhook.status_code == 200, webhook.text
    assert WebhookDelivery.objects.filter(provider="stripe", event_key="evt_web_process").count() == 1
    assert webhook.headers["X-Request-ID"] == "webhook-request-0001"
    assert webhook.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Frame-Options" not in webhook.headers and "Set-Cookie" not in webhook.headers
    # and the page went through sessions, CSRF and the clickjacking header
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "csrftoken=" in page.headers.get("Set-Cookie", "")
    assert re.fullmatch(r"[0-9a-f]{32}", page.headers["X-Request-ID"])


@pytest.mark.django_db(transaction=True)
def test_an_unknown_machine_path_and_a_forged_webhook_answer_json_errors(web):
    base_url, _, _ = web
    missing = requests.post(f"{base_url}/webhooks/nobody/", data="{}", timeout=10)
    forged = requests.post(
        f"{base_url}/webhooks/stripe/", data="{}", timeout=10, headers={"Stripe-Signature": "t=1,v1=00"}
    )
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert forged.status_code == 400 and forged.json()["error"]
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_access_log_line_has_the_request_its_status_time_and_request_id(web):
    base_url, access_log, process = web
    requests.get(
        f"{base_url}/healthz?probe=1",
        timeout=10,
        headers={"X-Request-ID": "probe-request-0001", "User-Agent": "probe/1.0"},
    )
    line = wait_for(
        lambda: next((line for line in access_log.read_text().splitlines() if "probe-request-0001" in line), None),
        timeout=10,
        what=f"the access line in {access_log} ({process.log})",
    )
    assert re.fullmatch(
        r'127\.0\.0\.1 - - \[[^\]]+\] "GET /healthz\?probe=1 HTTP/1\.1" 200 \d+ "-" "probe/1\.0" '
        r"\d+\.\dms probe-request-0001",
        line,
    ), line
