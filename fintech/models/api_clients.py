from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiClient(models.Model):
    """A partner system's credential for the REST API.

    The client acts as `user`. A partner's (customer's) token lasts until revoked. A
    staff member's token is their own, issued from a session that passed TOTP, lasts
    hours (`expires_at`), and carries one `role` the user still holds; it never carries
    superuser powers. Only the SHA-256 of the token is stored; the token itself is
    shown once, when the client is created.
    """

    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_clients")
    token_prefix = models.CharField(max_length=16, help_text="First characters of the token, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Staff tokens only: short-lived.")
    role = models.CharField(max_length=50, blank=True, help_text="Staff tokens only: the role the token acts in.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None or not self.user.is_active:
            return False
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return False
        if self.user.is_staff or self.user.is_superuser:
            # Also refuses a partner token whose user was later made staff, and any
            # staff token issued before tokens were short-lived and scoped.
            return (
                self.expires_at is not None
                and bool(self.role)
                and not self.user.is_superuser
                and self.user.groups.filter(name=self.role).exists()
            )
        return True
