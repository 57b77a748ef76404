"""The WSGI entry routes `/webhooks/` to the lean machine handler, which resolves against
the apps' URLconfs only (config/machine_urls.py): every app's webhook endpoint is
reachable there, and anything else under the prefix is the site's JSON 404."""

from __future__ import annotations

import io
import json

import pytest

from config.wsgi import application


def _call(method: str, path: str, body: bytes = b"") -> tuple[int, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
    }
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=int(status.split()[0]), headers=dict(headers))

    chunks = application(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return started["status"], started["headers"], content


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/webhooks/stripe/", "/webhooks/braintree/", "/webhooks/plaid/"])
def test_each_apps_webhook_is_served_by_the_machine_stack_and_refuses_an_unsigned_body(path):
    status, headers, content = _call("POST", path, b"{}")
    # the view ran (its own JSON refusal), through the lean stack (no session cookie, no CSRF)
    assert status == 400, content
    assert json.loads(content)["error"]
    assert "Set-Cookie" not in headers and "X-Request-ID" in headers


@pytest.mark.django_db(transaction=True)
def test_a_path_under_the_machine_prefix_that_is_no_webhook_is_the_json_404():
    status, _, content = _call("POST", "/webhooks/nowhere/", b"{}")
    assert (status, json.loads(content)["error"]) == (404, "not_found")
