from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from fintech import roles

        views = ["view_payment", "view_refund", "view_dispute", "view_payout"]
        # Reconciliation is Payments Operations' work (Auditors read it, as everything);
        # other roles see neither runs nor the exceptions queue.
        reconciliation = [
            "view_reconciliationrun",
            "start_reconciliationrun",
            "view_reconciliationitem",
            "view_reconciliationexception",
            "resolve_reconciliationexception",
        ]
        roles.register_role_permissions(
            "payments",
            {
                roles.PAYMENTS_OPERATIONS: [
                    *views,
                    "refund_payment",
                    "view_webhookdelivery",
                    "retry_webhookdelivery",
                    *reconciliation,
                ],
                roles.COMPLIANCE_OFFICER: views,
                roles.ANALYST: views,
            },
        )
