"""Pages that load a payment or banking provider's script (Stripe.js, Braintree's Drop-in,
Plaid Link) allow the provider's origins in their Content-Security-Policy, and only those
pages. In development the scripts come from the local sandbox (`python -m sandbox`)
instead, so the origin of the configured script address is allowed as well; production
refuses any script address but the provider's own (settings' production block)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def csp_with_origins(config: dict[str, list[str]], *urls: str) -> dict[str, list[str]]:
    """`config` with the origins of `urls` added to script-src and connect-src (the script
    loads from one, and talks to the other)."""
    merged = {directive: list(sources) for directive, sources in config.items()}
    for url in urls:
        for directive in ("script-src", "connect-src"):
            sources = merged.setdefault(directive, [])
            if origin(url) not in sources:
                sources.append(origin(url))
    return merged


def csp_update_per_request(config: Callable[[], dict[str, list[str]]]):
    """django-csp's `csp_update`, with the configuration read at each request (the script
    addresses come from the environment at call time, like the rest of the providers' settings)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response._csp_update = config()
            return response

        return wrapped

    return decorator
