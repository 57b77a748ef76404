"""Bounded JSON input: the one parser every entry point that reads a JSON body uses.

The API (through `fintech.api.parsers.BoundedJSONParser`), the gateway webhooks and the
customer pages that post JSON all call `json_body_parse`, so the limits below hold at
every door:

- size: at most `settings.DATA_UPLOAD_MAX_MEMORY_SIZE` bytes, the same ceiling Django
  applies to form bodies;
- depth: at most `MAX_DEPTH` nested arrays/objects. Python's own parser recurses and
  raises `RecursionError` (not `ValueError`) near a thousand levels, so it is not used
  here; orjson refuses beyond 1024 levels in C, and the walk below enforces our lower
  bound on the parsed value without recursion. No legitimate body comes close: a
  Stripe event, the deepest we receive, nests about ten levels;
- grammar: strict JSON (no NaN or Infinity), UTF-8, integers within 64 bits (orjson
  refuses larger ones; amounts are bounded far lower by `fintech.money`).

A refused body raises `JsonInputError` with a short code and a detail for the 400.
"""

from __future__ import annotations

import orjson
from django.conf import settings

MAX_DEPTH = 32


class JsonInputError(ValueError):
    """A body that is not bounded, well-formed JSON: always the sender's fault (400)."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


def max_body_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _depth_within(value: object, limit: int) -> bool:
    # Iterative: the point is to survive input an attacker nests as deep as the parser allows.
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return True


def json_body_parse(raw: bytes | str) -> object:
    """The parsed body, or `JsonInputError` (oversized, not JSON, or nested too deep)."""
    if len(raw) > max_body_bytes():
        raise JsonInputError("body_too_large", f"the body is larger than {max_body_bytes()} bytes")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise JsonInputError("invalid_json", "the body is not JSON") from None
    if not _depth_within(value, MAX_DEPTH):
        raise JsonInputError("json_too_deep", f"the body nests deeper than {MAX_DEPTH} levels")
    return value
