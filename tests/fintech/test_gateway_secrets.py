"""Production refuses an enabled gateway whose secrets are missing or placeholders, at start-up
and in `check --deploy` (fintech.E005 Stripe, fintech.E006 Plaid)."""

from __future__ import annotations

import secrets

import pytest

from config.setting_definitions import settings_from_environment
from fintech.gateway_secret_policy import gateway_secret_problems
from tests.config.test_production_settings import PRODUCTION, manage


def _stripe_key() -> str:
    return "sk_live_" + secrets.token_hex(24)


def _webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(16)


def test_a_gateway_nobody_configured_is_off_and_needs_no_secrets():
    assert gateway_secret_problems(settings_from_environment({})) == {}


def test_real_looking_secrets_pass():
    values = settings_from_environment(
        {
            "STRIPE_API_KEY": _stripe_key(),
            "STRIPE_WEBHOOK_SECRETS": _webhook_secret(),
            "PLAID_CLIENT_ID": secrets.token_hex(12),
            "PLAID_SECRET": secrets.token_hex(15),
        }
    )

    assert gateway_secret_problems(values) == {}


@pytest.mark.parametrize(
    ("environ", "gateway", "problem"),
    [
        ({"STRIPE_API_KEY": "sk_live_" + "a1" * 20}, "stripe", "STRIPE_WEBHOOK_SECRETS is missing"),
        ({"STRIPE_WEBHOOK_SECRETS": "whsec_" + "b2" * 16}, "stripe", "STRIPE_API_KEY is missing"),
        ({"STRIPE_API_KEY": "sk_live_changeme_changeme_changeme"}, "stripe", "STRIPE_API_KEY looks like a placeholder"),
        ({"STRIPE_API_KEY": "pk_live_" + "c3" * 20}, "stripe", "STRIPE_API_KEY must start with sk_ or rk_"),
        ({"PLAID_CLIENT_ID": "your-client-id", "PLAID_SECRET": "d4" * 15}, "plaid", "PLAID_CLIENT_ID looks like a"),
        ({"PLAID_WEBHOOK_URL": "https://back-office.example.com/webhooks/plaid/"}, "plaid", "PLAID_SECRET is missing"),
    ],
)
def test_an_enabled_gateway_with_a_missing_or_placeholder_secret_is_named(environ, gateway, problem):
    found = gateway_secret_problems(settings_from_environment(environ))

    assert any(problem in text for text in found[gateway]), found


def test_one_placeholder_among_rotated_webhook_secrets_is_refused():
    environ = {"STRIPE_API_KEY": _stripe_key(), "STRIPE_WEBHOOK_SECRETS": f"{_webhook_secret()},whsec_xxx"}

    assert gateway_secret_problems(settings_from_environment(environ)) == {
        "stripe": ["STRIPE_WEBHOOK_SECRETS looks like a placeholder, not a secret the provider issued"]
    }


def test_production_refuses_to_start_with_stripe_enabled_and_no_webhook_secret():
    result = manage("check", **PRODUCTION, STRIPE_API_KEY=_stripe_key())

    assert result.returncode != 0
    assert "refuses these gateway secrets: STRIPE_WEBHOOK_SECRETS is missing" in result.stderr


def test_production_starts_with_real_looking_gateway_secrets():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        STRIPE_API_KEY=_stripe_key(),
        STRIPE_WEBHOOK_SECRETS=_webhook_secret(),
        PLAID_CLIENT_ID=secrets.token_hex(12),
        PLAID_SECRET=secrets.token_hex(15),
    )

    assert result.returncode == 0, result.stderr


def test_deploy_check_names_the_gateways_with_placeholder_secrets():
    # outside production (the settings do not refuse), the deploy check still reports them
    result = manage(
        "check",
        "--deploy",
        DJANGO_ENV="development",
        SANDBOX="0",
        STRIPE_API_KEY="sk_test_changeme",
        PLAID_CLIENT_ID="client-id",
        PLAID_SECRET="secret",
    )

    assert result.returncode != 0
    assert "fintech.E005" in result.stderr and "fintech.E006" in result.stderr
