"""`Idempotency-Key` handling for API writes that must happen once per client request."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework import serializers
from rest_framework.response import Response

from fintech.errors import ConflictError
from fintech.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _request_hash(data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(*, request, scope: str, handle: Callable[[], Response]) -> Response:
    """Run `handle` once per (caller, scope, key); replay its response for the same body.

    The record and whatever `handle` writes commit together: if `handle` fails, the
    key is free again, so a corrected retry with the same key works.
    """
    key = request.headers.get(HEADER, "").strip()
    if not key or len(key) > 100:
        raise serializers.ValidationError({HEADER: ["A header of 1 to 100 characters is required."]})
    data = request.data.dict() if hasattr(request.data, "dict") else request.data
    digest = _request_hash(data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(user=request.user, scope=scope, key=key, request_hash=digest)
        except IntegrityError:
            record = IdempotencyRecord.objects.select_for_update().get(user=request.user, scope=scope, key=key)
            if record.request_hash != digest:
                raise ConflictError(f"{HEADER} {key!r} was already used with a different request body") from None
            return Response(record.response_body, status=record.response_status)
        response = handle()
        record.response_status, record.response_body = response.status_code, response.data
        record.save(update_fields=["response_status", "response_body"])
    return response
