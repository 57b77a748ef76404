"""`python -m sandbox`: the development sandbox for `make run` (Procfile `sandbox:`).

Stripe on 127.0.0.1:12111, Braintree on :12112, Plaid on :12113 (sandbox/env.py); webhooks
signed with the development secrets and posted to the web server on :8000. Refuses to
start with DJANGO_ENV=production. Its state is kept in var/sandbox/ across restarts."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from sandbox import env
from sandbox.run import Sandbox


def main() -> None:
    if os.environ.get("DJANGO_ENV") == "production":
        raise SystemExit("the sandbox never runs with DJANGO_ENV=production")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox %(levelname)s %(message)s")
    var_dir = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parents[1] / "var"))
    sandbox = Sandbox(state_dir=var_dir / "sandbox").start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    logging.getLogger("sandbox").info(
        "Stripe %s, Braintree %s, Plaid %s; webhooks to %s",
        env.STRIPE_URL,
        env.BRAINTREE_URL,
        env.PLAID_URL,
        env.WEB_BASE,
    )
    while not stopped.wait(30):
        sandbox.save()  # so a crash loses at most half a minute of the sandbox's history
    sandbox.stop()


if __name__ == "__main__":
    main()
