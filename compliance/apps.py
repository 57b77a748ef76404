from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance: sanctions screening"

    def ready(self) -> None:
        from compliance.receivers import customer_profile_screen
        from fintech.roles import ANALYST, COMPLIANCE_OFFICER, register_role_permissions
        from fintech.signals import customer_profile_changed

        customer_profile_changed.connect(customer_profile_screen, dispatch_uid="compliance.customer_profile_screen")
        read_lists = ["view_sanctionslist", "view_listsnapshot", "view_sanctionsentry", "view_entryname"]
        register_role_permissions("compliance", {
            ANALYST: [*read_lists, "view_screeninghit", "review_screeninghit"],
            COMPLIANCE_OFFICER: [*read_lists, "view_screeninghit", "review_screeninghit", "change_screeninghit"],
        })
