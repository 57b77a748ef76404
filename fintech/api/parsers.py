"""The API's body parsers: DRF's own, bounded by `fintech.json_input`.

DRF reads the request stream itself, past Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`
check (which guards `request.body` and `request.POST` only), so these parsers read at
most one byte more than the ceiling and refuse the rest with a 400. JSON is parsed by
`json_body_parse`, which also bounds its nesting. Multipart bodies go through Django's
own parser, which already enforces the ceiling on their non-file fields.
"""

from __future__ import annotations

import io

from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser

from fintech.json_input import JsonInputError, json_body_parse, max_body_bytes


def _read_bounded(stream) -> bytes:
    if stream is None:
        return b""
    raw = stream.read(max_body_bytes() + 1)
    if len(raw) > max_body_bytes():
        raise ParseError(f"The body is larger than {max_body_bytes()} bytes.", code="body_too_large")
    return raw


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return json_body_parse(_read_bounded(stream))
        except JsonInputError as exc:
            raise ParseError(exc.detail, code=exc.code) from None


class BoundedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return super().parse(io.BytesIO(_read_bounded(stream)), media_type, parser_context)
