from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = "Banking: Plaid items, accounts, transactions, transfers"

    def ready(self) -> None:
        from fintech import roles

        views = ["view_plaiditem", "view_bankaccount", "view_banktransaction", "view_transfer", "view_transfercheck"]
        roles.register_role_permissions("banking", {
            roles.PAYMENTS_OPERATIONS: [*views, "view_plaidwebhookevent"],
            roles.COMPLIANCE_OFFICER: views,
            roles.ANALYST: views,
        })
