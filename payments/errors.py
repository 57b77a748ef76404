"""Domain errors of the payments app (mapped to status codes by the API's exception handler)."""

from __future__ import annotations

from fintech.errors import ConflictError, UpstreamError, UpstreamUnavailableError


class StateConflictError(ConflictError):
    """Someone else moved the record first; the caller's view of it is stale."""


class RequestKeyReusedError(ConflictError):
    """The caller's idempotency key already named a different request: not a retry."""

    code = "idempotency_key_reused"


class GatewayError(UpstreamError):
    """The gateway refused the request; retrying the same request will not help."""

    code = "gateway_error"


class GatewayUnavailableError(GatewayError, UpstreamUnavailableError):
    """A transient gateway failure (network, rate limit, 5xx): safe to retry later."""

    code = "gateway_unavailable"


class PaymentsNotConfiguredError(GatewayError, UpstreamUnavailableError):
    """This deployment has no credentials for the gateway: nothing can be sent to it until
    an operator sets them, so retrying will not help and a customer is told so."""

    code = "payments_not_configured"
