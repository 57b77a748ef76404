"""Log filters: the request id on every line, and redaction of secrets.

Redaction is a last line of defence: code must not log tokens or account numbers in
the first place, but a library's exception message or a careless f-string must not
leak one either.
"""

from __future__ import annotations

import logging
import re

from fintech import request_context

_PATTERNS = [
    # Gateway and Plaid secrets and tokens.
    (re.compile(r"\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{8,}"), r"\1_\2_[REDACTED]"),
    (re.compile(r"\bwhsec_[A-Za-z0-9]{8,}"), "whsec_[REDACTED]"),
    (re.compile(r"\b(access|public|link)-(sandbox|development|production)-[A-Za-z0-9-]{8,}"), r"\1-\2-[REDACTED]"),
    # Our own API tokens and HTTP credentials.
    (re.compile(r"\bfk_[A-Za-z0-9_-]{8,}"), "fk_[REDACTED]"),
    (
        re.compile(r"(?i)\b(authorization|token|password|secret|api[_-]?key)(\"?\s*[:=]\s*\"?)[^\s\",;]+"),
        r"\1\2[REDACTED]",
    ),
    # Account, card and routing numbers: runs of 8+ digits keep only their last four.
    (re.compile(r"\b\d{4,}(\d{4})\b"), r"****\1"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Format now, redact, and drop exc_info so the raw text is not printed again.
            import traceback

            formatted = "".join(traceback.format_exception(*record.exc_info))
            record.msg = f"{cleaned}\n{redact(formatted)}"  # the formatted message: args are dropped below
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


class RequestIdFilter(logging.Filter):
    """The request id of the request being served; for a record that carries its request
    (Django logs 4xx/5xx responses with `extra={"request": ...}` after the middleware has
    unbound the context) that request's own id."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = getattr(getattr(record, "request", None), "request_id", "")
        record.request_id = (
            request_id if isinstance(request_id, str) and request_id else (request_context.current().request_id)
        )
        return True
