from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance: sanctions screening and transaction monitoring"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from compliance.monitoring.services.rules import default_rules_ensure

        post_migrate.connect(default_rules_ensure, sender=self, dispatch_uid="compliance.default_rules_ensure")
        from compliance.screening.receivers import customer_profile_screen
        from fintech.roles import ANALYST, COMPLIANCE_OFFICER, register_role_permissions
        from fintech.signals import customer_profile_changed

        customer_profile_changed.connect(customer_profile_screen, dispatch_uid="compliance.customer_profile_screen")
        read_lists = ["view_sanctionslist", "view_listsnapshot", "view_sanctionsentry", "view_entryname"]
        read_monitoring = [
            "view_monitoredtransaction",
            "view_rule",
            "view_alert",
            "view_deadletterevent",
            "view_customer_risk",
        ]
        # Cases: Analysts triage (assign, review, escalate, comment, attach); Compliance Officers also
        # decide (four-eyes closes and SARs, filing); Auditors get every view_ (fintech.roles); Payments
        # Operations get nothing here, not even customers' AML risk rating (tipping-off).
        read_cases = [
            "view_case",
            "view_casetransition",
            "view_casecomment",
            "view_caseattachment",
            "view_casedecision",
            "view_sardraft",
        ]
        register_role_permissions(
            "compliance",
            {
                ANALYST: [
                    *read_lists,
                    "view_screeninghit",
                    "review_screeninghit",
                    *read_monitoring,
                    *read_cases,
                    "triage_case",
                ],
                COMPLIANCE_OFFICER: [
                    *read_lists,
                    "view_screeninghit",
                    "review_screeninghit",
                    "change_screeninghit",
                    *read_monitoring,
                    "change_rule",
                    "replay_deadletterevent",
                    *read_cases,
                    "triage_case",
                    "decide_case",
                    "change_sardraft",
                ],
            },
        )
        from compliance.cases.services import screening_hit_confirmed_receiver
        from compliance.screening.signals import screening_hit_confirmed

        # A confirmed hit joins (or opens) the customer's case, in the confirming transaction.
        screening_hit_confirmed.connect(screening_hit_confirmed_receiver, dispatch_uid="compliance.case_for_hit")
