"""Where the sandbox listens, and the environment that points the product at it.

Development settings apply these as defaults (a variable already set wins, so a developer
with real sandbox accounts at Stripe, Braintree or Plaid uses those instead). Production
refuses every one of these values (fintech/sandbox_policy.py).
"""

from __future__ import annotations

import os

HOST = "127.0.0.1"
# Fixed for `make run`. A second copy of the product on this machine (the browser test that runs the
# Procfile) moves all of it at once: the sandbox listens, and web and worker look, where these say.
STRIPE_PORT = int(os.environ.get("SANDBOX_STRIPE_PORT", "12111"))
BRAINTREE_PORT = int(os.environ.get("SANDBOX_BRAINTREE_PORT", "12112"))
PLAID_PORT = int(os.environ.get("SANDBOX_PLAID_PORT", "12113"))
# Where the sandbox posts webhooks: gunicorn in `make run` (its WEB_BIND, gunicorn.conf.py).
WEB_BASE = os.environ.get("SANDBOX_WEB_BASE", "http://127.0.0.1:8000")

STRIPE_URL = f"http://{HOST}:{STRIPE_PORT}"
BRAINTREE_URL = f"http://{HOST}:{BRAINTREE_PORT}"
PLAID_URL = f"http://{HOST}:{PLAID_PORT}"

# Values are the fakes' own credentials (sandbox/*_server.py), useless anywhere else.
SANDBOX_ENV = {
    "STRIPE_API_BASE": STRIPE_URL,
    "STRIPE_JS_URL": f"{STRIPE_URL}/v3/",
    "STRIPE_API_KEY": "sk_test_sandbox",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_sandbox",
    "STRIPE_WEBHOOK_SECRETS": "whsec_sandbox_development_only",
    "BRAINTREE_API_URL": BRAINTREE_URL,
    "BRAINTREE_DROPIN_URL": f"{BRAINTREE_URL}/dropin.js",
    "BRAINTREE_ENVIRONMENT": "development",
    "BRAINTREE_MERCHANT_ID": "fake_merchant",
    "BRAINTREE_PUBLIC_KEY": "fake_public_key",
    "BRAINTREE_PRIVATE_KEY": "fake_private_key",
    "BRAINTREE_MERCHANT_ACCOUNTS": "USD=sandbox_usd,EUR=sandbox_eur,GBP=sandbox_gbp",
    "PLAID_HOST": PLAID_URL,
    "PLAID_LINK_URL": f"{PLAID_URL}/link-initialize.js",
    "PLAID_CLIENT_ID": "fake-client-id",
    "PLAID_SECRET": "fake-secret",
    "PLAID_WEBHOOK_URL": f"{WEB_BASE}/webhooks/plaid/",
}
MERCHANT_ACCOUNTS = {"sandbox_usd": "USD", "sandbox_eur": "EUR", "sandbox_gbp": "GBP"}
