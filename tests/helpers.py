from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

from django_otp.oath import totp


def current_totp(device) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def admin_login(client, user, device, *, password: str, ip: str = "127.0.0.1"):
    """Log in through the real admin login form, with password and TOTP code."""
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": user.get_username(), "password": password, "otp_token": current_totp(device)},
        REMOTE_ADDR=ip,
    )


def thread_race(targets: Sequence[Callable[[], Any]], *, timeout: float = 120) -> list:
    """Run each of `targets` in its own thread, all released at the same instant by a barrier,
    and return their results (or the exception each raised) in the order of `targets`; a
    thread still running after `timeout` leaves None. Each thread closes its own database
    connections, so use it in a `django_db(transaction=True)` test: the threads then see
    each other's commits, as concurrent requests and workers do on PostgreSQL."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[i] = targets[i]()
        except Exception as exc:  # collected, asserted by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def api_client_for(user):
    """A REST client with a new token for `user`: a partner's token, or for staff their
    own short-lived token in their one role, issued under their TOTP device (as the
    admin issues it)."""
    from rest_framework.test import APIClient

    from fintech.models import StaffTOTPDevice
    from fintech.services.api_clients import api_client_create, staff_api_token_issue

    if user.is_staff:
        device = StaffTOTPDevice.objects.get(user=user, confirmed=True)
        _, token = staff_api_token_issue(name="test", user=user, role=user.groups.get().name, verified_device=device)
    else:
        _, token = api_client_create(name="test", user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def outbox_tasks(name: str | None = None) -> list[tuple[str, list]]:
    """The Celery tasks recorded in the outbox and not yet sent: (task name, args), in order."""
    from fintech.models import OutboxMessage

    rows = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.TASK, sent_at__isnull=True)
    if name is not None:
        rows = rows.filter(destination=name)
    return [
        (destination, payload["args"])
        for destination, payload in rows.order_by("pk").values_list("destination", "payload")
    ]


@contextmanager
def recorded_tasks():
    """The Celery tasks recorded in the outbox inside the block: (task name, args), in order."""
    from fintech.models import OutboxMessage

    after = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    found: list[tuple[str, list]] = []
    yield found
    rows = OutboxMessage.objects.filter(pk__gt=after, kind=OutboxMessage.Kind.TASK).order_by("pk")
    found.extend((destination, payload["args"]) for destination, payload in rows.values_list("destination", "payload"))


def settings_set_from_env(settings, monkeypatch, environ: dict[str, str]) -> None:
    """Set settings for one test, given as the text of environment variables and parsed by
    their definitions (config/setting_definitions.py), as a deployment states them. This
    process reads them through Django's settings (pytest-django's `settings` fixture); they
    are also exported, for this test only, to the environment the processes it starts
    inherit (the workers and relays of tests/faults/), which read settings at start-up."""
    from config.setting_definitions import settings_from_environment

    for name, value in settings_from_environment(environ, names=environ).items():
        setattr(settings, name, value)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
