from __future__ import annotations

from django.contrib.auth.models import Permission
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.throttling import SimpleRateThrottle

from fintech.models import ApiClient
from fintech.services import api_clients  # the module: it imports the API layer that imports this one


class FailedAuthenticationThrottle(SimpleRateThrottle):
    """Invalid tokens per client address (scope `auth_failure`).

    Only failures are counted, so a partner's valid calls never use it up. Once an
    address is over the rate, every token it sends is refused with 429 until the
    window has passed, valid or not: guessing stops, whatever the guess.
    """

    scope = "auth_failure"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        """Checks only: `failure_record` is what counts."""
        self.key = self.get_cache_key(request, view)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) < self.num_requests

    def failure_record(self, request) -> None:
        self.allow_request(request, None)
        self.throttle_success()


def _scope_to_role(user, role: str) -> None:
    """A staff token acts with its role's permissions only, not the union of every
    group the user is in: Django's ModelBackend answers `has_perm` from `_perm_cache`,
    filled here for this request's user object alone."""
    user._perm_cache = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(group__name=role).values_list(
            "content_type__app_label", "codename"
        )
    }


class ApiClientTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <token>`: one token per partner client, stored hashed."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        throttle = FailedAuthenticationThrottle()
        if not throttle.allow_request(request, None):
            raise exceptions.Throttled(wait=throttle.wait())
        client = self._client(header)
        if client is None or not client.is_active:
            throttle.failure_record(request)
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        if client.role:
            _scope_to_role(client.user, client.role)
        return client.user, client

    def _client(self, header) -> ApiClient | None:
        if len(header) != 2:
            return None
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            return None
        return ApiClient.objects.select_related("user").filter(token_hash=api_clients.hash_token(token)).first()

    def authenticate_header(self, request):
        return self.keyword


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "fintech.api.authentication.ApiClientTokenAuthentication"
    name = "ApiClientToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <client token>`",
        }
