import json
import logging

from fintech import request_context
from fintech.logging import RedactSecretsFilter, RequestIdFilter, redact


def test_secrets_and_account_numbers_are_redacted():
    line = (
        "calling with sk_live_abcdefghijklmnop token=fk_abc123def456ghi access-sandbox-1234abcd-5678 "
        "account 000123456789 routing 011000015 password: hunter2hunter2"
    )
    cleaned = redact(line)
    for secret in ("abcdefghijklmnop", "fk_abc123def456ghi", "1234abcd-5678", "000123456789", "hunter2hunter2"):
        assert secret not in cleaned
    assert "****6789" in cleaned


def test_json_log_lines_carry_the_request_id(capsys):
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(levelname)s %(message)s %(request_id)s"))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactSecretsFilter())
    logger = logging.getLogger("tests.json")
    logger.addHandler(handler)
    token = request_context.bind(request_context.RequestContext(request_id="req-12345678"))
    try:
        logger.warning("linked account %s", "9876543210")
    finally:
        request_context.reset(token)
        logger.removeHandler(handler)
    record = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert record["request_id"] == "req-12345678"
    assert record["message"] == "linked account ****3210"


def test_a_traceback_keeps_the_formatted_message_and_is_redacted():
    record = logging.LogRecord("tests", logging.WARNING, __file__, 1, "could not enqueue %s", ("payments.x",), None)
    try:
        raise ConnectionError("refused for token=fk_abc123def456ghi")
    except ConnectionError:
        import sys

        record.exc_info = sys.exc_info()
    RedactSecretsFilter().filter(record)
    message = record.getMessage()
    assert message.startswith("could not enqueue payments.x\n")
    assert "ConnectionError" in message
    assert "fk_abc123def456ghi" not in message
