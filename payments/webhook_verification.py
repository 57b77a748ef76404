"""Verifying Stripe's `Stripe-Signature` header ourselves.

The header is `t=<unix time>,v1=<hex>[,v1=<hex>...]`; each v1 is HMAC-SHA256 of
`"<t>.<raw body>"` under one of the endpoint's signing secrets. Any v1 may match any
of our secrets, so Stripe can roll a secret while we accept both. A timestamp more
than `tolerance` seconds away from now is refused, so a captured delivery cannot be
replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from fintech.webhook_verification import WebhookVerificationError


def stripe_signature_verify(
    *, payload: bytes, header: str | None, secrets: Sequence[str], tolerance: int, now: float
) -> int:
    """Return the signed timestamp, or raise `WebhookVerificationError`."""
    if not header:
        raise WebhookVerificationError("missing_signature", "the Stripe-Signature header is missing")
    timestamps, signatures = [], []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            timestamps.append(value)
        elif key == "v1" and value:
            signatures.append(value)
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        raise WebhookVerificationError(
            "malformed_signature", "the Stripe-Signature header has no timestamp or v1 signature"
        )
    timestamp = int(timestamps[0])
    signed = timestamps[0].encode("ascii") + b"." + payload
    expected = [hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest() for secret in secrets if secret]
    # Compare every pair in constant time; stop at nothing, so timing reveals no position.
    matched = False
    for candidate in signatures:
        for good in expected:
            matched |= hmac.compare_digest(candidate.encode("ascii", "replace"), good.encode("ascii"))
    if not matched:
        raise WebhookVerificationError("bad_signature", "no v1 signature matches a configured secret")
    if abs(now - timestamp) > tolerance:
        raise WebhookVerificationError("stale_timestamp", f"the signature timestamp is more than {tolerance}s from now")
    return timestamp
