"""Delivering the sandbox's webhooks inside a Django process that has no web server to
post to (`seed_demo`, the tests): each webhook goes through the real URL, middleware and
view (signature checked, delivery stored), and the stored delivery is then applied by the
same task body the Celery worker runs (it does nothing if the worker got there first)."""

from __future__ import annotations


def deliver_in_process(path: str, body: bytes, headers: dict[str, str]) -> dict:
    from django.test import Client

    from banking.tasks import apply_plaid_webhook
    from payments.tasks import apply_webhook_delivery

    extra = {
        f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items() if name != "Content-Type"
    }
    response = Client(HTTP_HOST="127.0.0.1").generic("POST", path, body, content_type=headers["Content-Type"], **extra)
    if response.status_code != 200:
        raise RuntimeError(f"{path} refused the sandbox's webhook: {response.status_code} {response.content[:300]!r}")
    reply = response.json()
    if "delivery" in reply:
        apply_webhook_delivery(reply["delivery"])
    elif "event" in reply:
        apply_plaid_webhook(reply["event"])
    return reply
