from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments and ledger"

    def ready(self) -> None:
        from fintech import roles

        views = ["view_payment", "view_refund", "view_dispute", "view_payout"]
        ledger = ["view_ledgeraccount", "view_journalentry", "view_posting"]
        roles.register_role_permissions("payments", {
            roles.PAYMENTS_OPERATIONS: [*views, *ledger, "refund_payment", "view_webhookdelivery",
                                         "retry_webhookdelivery"],
            roles.COMPLIANCE_OFFICER: [*views, *ledger],
            roles.ANALYST: views,
        })
