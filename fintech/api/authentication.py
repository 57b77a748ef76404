from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from fintech.models import ApiClient
from fintech.services.api_clients import hash_token


class ApiClientTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <token>`: one token per partner client, stored hashed."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: expected 'Token <token>'.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Malformed token.") from exc
        client = (
            ApiClient.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        )
        if client is None or not client.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        return client.user, client

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
