"""Verifying Plaid's `Plaid-Verification` JWT on webhooks.

The JWT is ES256 over `{iat, request_body_sha256}`, signed with a key Plaid serves by its
`kid` from `/webhook_verification_key/get`. The algorithm is checked *before* anything
else, so a token claiming `none` or an HMAC algorithm (keyed with the public key) is
refused without ever reaching a verifier.
"""

from __future__ import annotations

import hashlib
import hmac

import jwt
from django.core.cache import cache
from jwt.algorithms import ECAlgorithm

from banking import conf, plaid
from fintech.webhook_verification import WebhookVerificationError


class WebhookKeyUnavailableError(Exception):
    """Plaid could not be asked for the key: the sender should retry later."""


def _cache_key(kid: str) -> str:
    return "banking:plaid-webhook-key:" + hashlib.sha256(kid.encode()).hexdigest()


def _lookup_allowed(*, now: float) -> bool:
    """Take one of this minute's outbound key look-ups; False when they are spent.

    The webhook endpoint is unauthenticated until the JWT verifies, so without a budget
    every invented kid would make us call Plaid (an amplification and a way to exhaust
    our Plaid rate limit). The budget is global, not per address: webhook senders are
    not identified by address.
    """
    window = f"banking:plaid-webhook-key-lookups:{int(now // 60)}"
    cache.add(window, 0, timeout=120)
    try:
        return cache.incr(window) <= conf.WEBHOOK_KEY_LOOKUPS_PER_MINUTE
    except ValueError:  # the key expired between add and incr: its minute is over
        cache.set(window, 1, timeout=120)
        return True


def _verification_key(kid: str, *, now: float) -> dict:
    """The JWK for `kid`, from the cache or (unknown kid) fetched from Plaid and cached.

    A kid Plaid does not know is cached too, so it is asked about once per
    WEBHOOK_UNKNOWN_KEY_CACHE_SECONDS, and look-ups of kids not seen yet are budgeted.
    """
    entry = cache.get(_cache_key(kid))
    if entry is None:
        if not _lookup_allowed(now=now):
            # Plaid retries a webhook answered with a 5xx, so a genuine new key still arrives.
            raise WebhookKeyUnavailableError("too many look-ups of unknown verification keys")
        try:
            key = plaid.webhook_verification_key_get(key_id=kid)
        except plaid.PlaidError as exc:
            cache.set(_cache_key(kid), {"unknown": True}, timeout=conf.WEBHOOK_UNKNOWN_KEY_CACHE_SECONDS)
            raise WebhookVerificationError("unknown_key", "no Plaid verification key has this kid") from exc
        except plaid.PlaidUnavailableError as exc:
            raise WebhookKeyUnavailableError(str(exc)) from exc
        entry = {"jwk": key.jwk, "expired_at": key.expired_at}
        cache.set(_cache_key(kid), entry, timeout=conf.WEBHOOK_KEY_CACHE_SECONDS)
    if entry.get("unknown"):
        raise WebhookVerificationError("unknown_key", "no Plaid verification key has this kid")
    if entry["expired_at"] is not None and entry["expired_at"] <= now:
        raise WebhookVerificationError("expired_key", "the verification key has expired")
    return entry["jwk"]


def plaid_webhook_verify(*, body: bytes, token: str | None, now: float) -> dict:
    """Return the JWT's claims if `token` proves Plaid sent exactly `body` recently; else raise."""
    if not token:
        raise WebhookVerificationError("missing_signature", "the Plaid-Verification header is missing")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise WebhookVerificationError("malformed_signature", "Plaid-Verification is not a JWT") from exc
    if header.get("alg") != "ES256":
        raise WebhookVerificationError("unsupported_algorithm", "only ES256 signatures are accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > 200:
        raise WebhookVerificationError("malformed_signature", "the JWT names no key (kid)")
    try:
        public_key = ECAlgorithm.from_jwk(_verification_key(kid, now=now))
        claims = jwt.decode(
            token,
            key=public_key,
            algorithms=["ES256"],
            options={"require": ["iat"], "verify_iat": False, "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise WebhookVerificationError("invalid_signature", "the JWT signature does not verify") from exc
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or now - iat > conf.WEBHOOK_MAX_AGE_SECONDS:
        raise WebhookVerificationError("stale_signature", "the JWT is more than 5 minutes old")
    if iat - now > conf.WEBHOOK_MAX_AGE_SECONDS:
        raise WebhookVerificationError("stale_signature", "the JWT was issued in the future")
    claimed = claims.get("request_body_sha256")
    actual = hashlib.sha256(body).hexdigest()
    if not isinstance(claimed, str) or not hmac.compare_digest(actual.encode(), claimed.encode()):
        raise WebhookVerificationError("body_mismatch", "the body is not the one that was signed")
    return claims
