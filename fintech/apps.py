from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


class FintechConfig(AppConfig):
    name = "fintech"
    verbose_name = "Core: customers, audit trail, API clients"

    def ready(self) -> None:
        from fintech import (
            auth,  # noqa: F401  (connects the login audit receivers)
            checks,  # noqa: F401  (registers the deploy checks)
        )
        from fintech.roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="fintech.roles.sync")


class StaffAdminConfig(AdminConfig):
    """The Django admin, as the officers' workplace: TOTP required for every login."""

    default_site = "fintech.admin_site.StaffAdminSite"
