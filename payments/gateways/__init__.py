"""Gateway adapters behind one interface (`base.PaymentGateway`)."""

from __future__ import annotations

from payments import conf
from payments.gateways.base import PaymentGateway


def gateway_for(name: str) -> PaymentGateway:
    """The configured adapter for `name`, built from the current environment."""
    if name == "stripe":
        from payments.gateways.stripe_gateway import StripeGateway

        return StripeGateway(api_key=conf.stripe_api_key(), api_base=conf.stripe_api_base())
    raise LookupError(f"no gateway adapter for {name!r}")
