"""Domain errors: what a service raises when a business rule refuses a request.

They know nothing of HTTP. A subclass picks its kind by the base it extends (refused,
conflict, invalid input, forbidden, upstream failure, upstream unavailable) and names its
`code`; the API's exception handler (`fintech.api.exceptions`) is the one place that turns
a kind into a status code, and admin pages and commands show `detail` as it is.
"""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request (the default kind: the input is well formed,
    the rule says no)."""

    code = "refused"
    # Fields of the API's error body beyond `error` and `detail`.
    extra: dict = {}  # noqa: RUF012 (read-only default; subclasses set their own per instance)

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class ConflictError(DomainError):
    """The record is not in the state the request needs (someone moved it first, or the
    request repeats a key with different content)."""

    code = "conflict"


class InvalidInputError(DomainError):
    """The input itself is malformed: the caller must change it before trying again."""

    code = "invalid"


class ForbiddenError(DomainError):
    """The actor may not do this, whatever the input."""

    code = "forbidden"


class UpstreamError(DomainError):
    """A provider we depend on refused the request; repeating it will not help."""

    code = "upstream_error"


class UpstreamUnavailableError(UpstreamError):
    """A provider we depend on cannot be reached or is not configured: try again later."""

    code = "upstream_unavailable"
