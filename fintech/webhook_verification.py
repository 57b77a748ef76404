"""What every webhook verifier raises when a delivery does not prove its sender.

Each provider proves itself differently (Stripe: an HMAC header, `payments.webhook_verification`;
Braintree: the SDK's signature check, `payments.gateways.braintree_gateway`; Plaid: an ES256 JWT,
`banking.webhook_verification`), but a refusal means one thing everywhere: a 400 with
`{"error": code, "detail": detail}` and nothing written.
"""

from __future__ import annotations


class WebhookVerificationError(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail
