"""One place that maps domain errors to clear 4xx bodies.

Every error body is `{"error": <code>, "detail": <message or field errors>}`; a domain
error may add fields of its own (`DomainError.extra`). Services raise the HTTP-free errors
of `fintech.errors`; the status code of each kind is decided here only.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from fintech.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidInputError,
    UpstreamError,
    UpstreamUnavailableError,
)
from fintech.money import MoneyError

# Most specific kind first: UpstreamUnavailableError is an UpstreamError.
STATUS_BY_KIND: tuple[tuple[type[DomainError], int], ...] = (
    (ConflictError, status.HTTP_409_CONFLICT),
    (InvalidInputError, status.HTTP_400_BAD_REQUEST),
    (ForbiddenError, status.HTTP_403_FORBIDDEN),
    (UpstreamUnavailableError, status.HTTP_503_SERVICE_UNAVAILABLE),
    (UpstreamError, status.HTTP_502_BAD_GATEWAY),
    (DomainError, status.HTTP_422_UNPROCESSABLE_ENTITY),
)


def domain_error_status(exc: DomainError) -> int:
    return next(code for kind, code in STATUS_BY_KIND if isinstance(exc, kind))


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {**exc.extra, "error": exc.code, "detail": exc.detail}
        return Response(body, status=domain_error_status(exc))
    if isinstance(exc, MoneyError):
        return Response({"error": "invalid_amount", "detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response({"error": "invalid", "detail": detail}, status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is not None:
        code = getattr(exc, "default_code", "error")
        response.data = {
            "error": code,
            "detail": response.data.get("detail", response.data) if isinstance(response.data, dict) else response.data,
        }
    return response
