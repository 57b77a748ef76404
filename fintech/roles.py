"""Staff roles as groups, and the permissions each role holds.

The groups are created by a data migration; their permissions are (re)applied after
every `migrate` from `ROLE_PERMISSIONS`, because the models of later apps (and so
their permissions) appear after this app's migrations have run. A codename that does
not exist yet is simply skipped until its model exists.
"""

from __future__ import annotations

COMPLIANCE_OFFICER = "Compliance Officer"
ANALYST = "Analyst"
PAYMENTS_OPERATIONS = "Payments Operations"
AUDITOR = "Auditor"
ROLES = (COMPLIANCE_OFFICER, ANALYST, PAYMENTS_OPERATIONS, AUDITOR)

# app_label -> {role: [codenames]}. Apps add their own entries through
# `register_role_permissions` in their AppConfig.ready().
ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    "fintech": {
        COMPLIANCE_OFFICER: ["view_customer", "change_customer", "view_auditevent"],
        ANALYST: ["view_customer"],
        # Operators watch the outbox's backlog (docs/outbox.md); auditors see it as every view.
        PAYMENTS_OPERATIONS: ["view_customer", "view_outboxmessage"],
        AUDITOR: ["view_customer", "view_auditevent", "view_apiclient"],
    },
}
# Seeing a customer's AML risk rating and score: compliance data, so the compliance app owns the
# permission (granted to its roles, never to Payments Operations); the customer pages check it.
CUSTOMER_RISK_PERM = "compliance.view_customer_risk"
# Auditors read everything and change nothing: every `view_` permission of these apps.
AUDITOR_VIEWS_ALL_OF = {"fintech", "ledger", "payments", "banking", "compliance"}


def register_role_permissions(app_label: str, mapping: dict[str, list[str]]) -> None:
    ROLE_PERMISSIONS[app_label] = mapping


def sync_role_permissions(**kwargs) -> None:
    """post_migrate receiver: give each role group exactly its listed permissions."""
    from django.contrib.auth.models import Group, Permission

    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = Permission.objects.none()
        for app_label, mapping in ROLE_PERMISSIONS.items():
            codenames = mapping.get(role, [])
            wanted = wanted | Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        if role == AUDITOR:
            wanted = wanted | Permission.objects.filter(
                content_type__app_label__in=AUDITOR_VIEWS_ALL_OF, codename__startswith="view_"
            )
        group.permissions.set(wanted.distinct())
