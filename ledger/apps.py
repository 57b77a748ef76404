from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from fintech import roles

        views = ["view_ledgeraccount", "view_journalentry", "view_posting", "view_ledgerhold"]
        roles.register_role_permissions(
            "ledger",
            {
                roles.PAYMENTS_OPERATIONS: views,
                roles.COMPLIANCE_OFFICER: views,
            },
        )
