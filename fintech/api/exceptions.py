"""One place that maps domain errors to clear 4xx bodies.

Every error body is `{"error": <code>, "detail": <message or field errors>}`; a domain
error may add fields of its own (`DomainError.extra`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from fintech.money import MoneyError


class DomainError(Exception):
    """A business rule refused the request. Subclasses set `code` and `status_code`."""

    code = "refused"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    extra: dict = {}  # noqa: RUF012 (read-only default; subclasses set their own per instance)

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class ConflictError(DomainError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({**exc.extra, "error": exc.code, "detail": exc.detail}, status=exc.status_code)
    if isinstance(exc, MoneyError):
        return Response({"error": "invalid_amount", "detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response({"error": "invalid", "detail": detail}, status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is not None:
        code = getattr(exc, "default_code", "error")
        response.data = {"error": code, "detail": response.data.get("detail", response.data)
                         if isinstance(response.data, dict) else response.data}
    return response
