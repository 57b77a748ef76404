"""The sandbox is for development only: production refuses its addresses and keys at start-up,
and the sandbox itself refuses to start in production."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.config.test_production_settings import PRODUCTION, ROOT, manage


def test_production_refuses_to_start_pointed_at_the_sandbox():
    result = manage("check", **PRODUCTION, STRIPE_API_BASE="http://127.0.0.1:12111", PLAID_HOST="http://localhost:9")
    assert result.returncode != 0
    assert "refuses the development sandbox's gateways: STRIPE_API_BASE, PLAID_HOST" in result.stderr


def test_production_refuses_the_sandboxs_keys():
    result = manage("check", **PRODUCTION, STRIPE_API_KEY="sk_test_sandbox", BRAINTREE_PRIVATE_KEY="fake_private_key")
    assert result.returncode != 0
    assert "STRIPE_API_KEY" in result.stderr and "BRAINTREE_PRIVATE_KEY" in result.stderr


def test_the_sandbox_does_not_start_in_production():
    env = {**os.environ, "DJANGO_ENV": "production"}
    result = subprocess.run(
        [sys.executable, "-m", "sandbox"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "never runs with DJANGO_ENV=production" in result.stderr


def test_development_points_the_gateways_at_the_sandbox_unless_told_otherwise():
    show = "from payments import conf; print(conf.stripe_api_base(), conf.stripe_js_url())"
    sandboxed = manage("shell", "-c", show, DJANGO_ENV="development")
    assert sandboxed.stdout.split()[-2:] == ["http://127.0.0.1:12111", "http://127.0.0.1:12111/v3/"], sandboxed.stderr
    real = manage("shell", "-c", show, DJANGO_ENV="development", SANDBOX="0")
    assert real.stdout.split()[-2:] == ["https://api.stripe.com", "https://js.stripe.com/v3/"], real.stderr
