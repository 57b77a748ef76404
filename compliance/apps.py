from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance: sanctions screening and transaction monitoring"

    def ready(self) -> None:
        from compliance.receivers import customer_profile_screen, transaction_event_monitor
        from fintech.events import transaction_event
        from fintech.roles import ANALYST, COMPLIANCE_OFFICER, register_role_permissions
        from fintech.signals import customer_profile_changed

        customer_profile_changed.connect(customer_profile_screen, dispatch_uid="compliance.customer_profile_screen")
        # Payments now, banking later: both send this signal shape after commit.
        transaction_event.connect(transaction_event_monitor, dispatch_uid="compliance.transaction_event_monitor")
        read_lists = ["view_sanctionslist", "view_listsnapshot", "view_sanctionsentry", "view_entryname"]
        read_monitoring = ["view_monitoredtransaction", "view_rule", "view_alert", "view_deadletterevent"]
        register_role_permissions("compliance", {
            ANALYST: [*read_lists, "view_screeninghit", "review_screeninghit", *read_monitoring],
            COMPLIANCE_OFFICER: [*read_lists, "view_screeninghit", "review_screeninghit", "change_screeninghit",
                                 *read_monitoring, "change_rule"],
        })
