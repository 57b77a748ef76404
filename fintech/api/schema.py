"""OpenAPI post-processing: the error responses every operation can give, documented once.

The exception handler (`fintech.api.exceptions`) gives every error the same body, and
every authenticated operation can answer 401 (no or bad credentials), 403 (not allowed)
and 429 (throttled); operations that take input can answer 400, and those with a body
415 when it is sent in a media type they do not parse (the schema lists those they do).
Declaring them here keeps the schema true without repeating them on every view.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "A stable machine-readable code."},
        "detail": {"description": "A message, or field errors keyed by field name."},
    },
    "required": ["error", "detail"],
}
DESCRIPTIONS = {
    "400": "The request was invalid; nothing was written.",
    "401": "No valid credentials were sent.",
    "403": "The credentials are valid but not allowed to do this.",
    "404": "No such object (or not one the caller may see).",
    "415": "The body's media type (Content-Type) is not one this operation accepts; nothing was written.",
    "429": "Too many requests; retry later.",
}
_ref = {"$ref": "#/components/schemas/Error"}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            codes = ["429"]
            if operation.get("security") != [{}]:
                codes += ["401", "403"]
            if operation.get("requestBody") or operation.get("parameters"):
                codes.append("400")
            if operation.get("requestBody"):
                codes.append("415")
            if "{" in path:  # an invalid list cursor is a 400 (fintech.api.pagination)
                codes.append("404")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code, {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": _ref}}}
                )
    return result
