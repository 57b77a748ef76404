"""Gateway adapters behind one interface (`base.PaymentGateway`)."""

from __future__ import annotations

from payments import conf
from payments.gateways.base import PaymentGateway


def gateway_for(name: str) -> PaymentGateway:
    """The configured adapter for `name`, built from the current environment."""
    if name == "stripe":
        from payments.gateways.stripe_gateway import StripeGateway

        return StripeGateway(api_key=conf.stripe_api_key(), api_base=conf.stripe_api_base())
    if name == "braintree":
        return braintree_adapter()
    raise LookupError(f"no gateway adapter for {name!r}")


def braintree_adapter():
    """The Braintree adapter (typed as itself: it offers more than the common interface)."""
    from payments.gateways.braintree_gateway import BraintreeGateway

    return BraintreeGateway(settings=conf.braintree_settings())
