from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = "Banking: Plaid items, accounts, transactions, transfers"

    def ready(self) -> None:
        from fintech import roles

        views = ["view_plaiditem", "view_bankaccount", "view_banktransaction", "view_transfer", "view_transfercheck"]
        roles.register_role_permissions(
            "banking",
            {
                roles.PAYMENTS_OPERATIONS: [*views, "view_plaidwebhookevent"],
                # Verifying an owner name that only plausibly matches is a KYC decision.
                roles.COMPLIANCE_OFFICER: [*views, "verify_owner"],
                roles.ANALYST: views,
            },
        )
