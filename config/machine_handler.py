"""The WSGI entry's routing: signature-authenticated machine endpoints get a lean stack.

A gateway webhook (`/webhooks/`) carries no session cookie, no CSRF token and no
signed-in user: it is authenticated by its signature, in the view. The browser
middleware (sessions, CSRF, authentication, OTP, idle timeout, messages, Axes,
static files) does nothing for it but costs about a sixth of the web process's CPU per
delivery. So the WSGI application sends those paths to a second Django handler built
with `MACHINE_MIDDLEWARE` only (request id and the security headers and HTTPS
redirect), and every other path to Django's usual handler. The machine handler resolves
against `config.machine_urls` (the apps' URLconfs only); both answer with the same
error views.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

MACHINE_PATH_PREFIXES = ("/webhooks/",)
MACHINE_URLCONF = "config.machine_urls"
MACHINE_MIDDLEWARE = [
    "fintech.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
]


@contextmanager
def _middleware_setting(middleware: list[str]):
    # Django builds a handler's chain from settings.MIDDLEWARE (BaseHandler.load_middleware);
    # this runs once, while the WSGI module is imported, before any request thread exists.
    saved = settings.MIDDLEWARE
    settings.MIDDLEWARE = middleware
    try:
        yield
    finally:
        settings.MIDDLEWARE = saved


class MachineEndpointHandler(WSGIHandler):
    """Django's WSGI handler with the machine endpoints' middleware only."""

    def load_middleware(self, is_async: bool = False) -> None:
        with _middleware_setting(MACHINE_MIDDLEWARE):
            super().load_middleware(is_async)

    def get_response(self, request):
        request.urlconf = MACHINE_URLCONF  # Django resolves (and reverses) against it for this request
        return super().get_response(request)


class PathPrefixRouter:
    """A WSGI application: machine paths to `machine`, all others to `default`."""

    def __init__(self, *, default: Callable, machine: Callable, prefixes: Iterable[str] = MACHINE_PATH_PREFIXES):
        self.default, self.machine, self.prefixes = default, machine, tuple(prefixes)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        handler = self.machine if path.startswith(self.prefixes) else self.default
        return handler(environ, start_response)
