"""The case admin: the list of cases, and the case page with its forms (compliance/cases/views.py).

Cases change only through the services (state machine, four eyes), never through the admin's
generic change form: the change view redirects to the case page.
"""

from __future__ import annotations

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from compliance.cases import views
from compliance.cases.models import Case, SarDraft
from compliance.workplace.queues import CaseQueueMixin
from fintech.admin import ReadOnlyAdmin, money_column
from fintech.admin_reads import AuditedReadsAdmin


def _age_days(case: Case) -> str:
    return f"{case.age.days} d"


@admin.register(Case)
# Queue filters, bulk actions, cheap counts: workplace.queues; every page an audited read: fintech.admin_reads.
class CaseAdmin(AuditedReadsAdmin, CaseQueueMixin, ReadOnlyAdmin):
    list_display = ("reference_link", "customer", "state", "assignee", "opened_at", "sla_due_at", "age", "sla_breached")
    list_select_related = ("customer", "assignee")
    show_full_result_count = False
    search_fields = ("reference", "customer__external_id", "customer__legal_name")

    @admin.display(description="Case", ordering="reference")
    def reference_link(self, obj: Case):
        return format_html('<a href="{}">{}</a>', reverse("admin:compliance_case_page", args=[obj.pk]), obj.reference)

    @admin.display(description="Age", ordering="opened_at")
    def age(self, obj: Case) -> str:
        return _age_days(obj)

    @admin.display(description="SLA breached", boolean=True)
    def sla_breached(self, obj: Case) -> bool:
        return obj.is_sla_breached

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:compliance_case_page", int(object_id))

    def get_urls(self):
        def wrap(view, **kwargs):
            return self.admin_site.admin_view(lambda request, *a, **kw: view(request, *a, admin=self, **kw), **kwargs)

        return [
            path("<int:pk>/case/", wrap(views.case_page), name="compliance_case_page"),
            path("<int:pk>/case/transition/", wrap(views.case_transition_view), name="compliance_case_transition"),
            path("<int:pk>/case/assign/", wrap(views.case_assign_view), name="compliance_case_assign"),
            path("<int:pk>/case/comment/", wrap(views.case_comment_view), name="compliance_case_comment"),
            path("<int:pk>/case/attach/", wrap(views.case_attach_view), name="compliance_case_attach"),
            path(
                "<int:pk>/case/attachments/<int:attachment_id>/",
                wrap(views.case_attachment_download),
                name="compliance_case_attachment",
            ),
            path("<int:pk>/case/propose/", wrap(views.case_propose_view), name="compliance_case_propose"),
            path(
                "<int:pk>/case/decisions/<int:decision_id>/",
                wrap(views.case_decide_view),
                name="compliance_case_decide",
            ),
            path("<int:pk>/case/sar/generate/", wrap(views.sar_generate_view), name="compliance_case_sar_generate"),
            path("<int:pk>/case/sar/edit/", wrap(views.sar_edit_view), name="compliance_case_sar_edit"),
            path("<int:pk>/case/sar/file/", wrap(views.sar_file_view), name="compliance_case_sar_file"),
            path("<int:pk>/case/sar.<str:fmt>", wrap(views.sar_export_view), name="compliance_case_sar_export"),
            *super().get_urls(),
        ]


@admin.register(SarDraft)
class SarDraftAdmin(AuditedReadsAdmin, ReadOnlyAdmin):
    """SAR drafts are edited on their case's page (the narrative and the parts are personal data)."""

    list_display = ("case", "amount_total_money", "activity_from", "activity_to", "filed_on", "bsa_id")
    list_select_related = ("case",)
    exclude = ("subject", "narrative")
    amount_total_money = money_column("amount_total", description="amount total")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        draft = self.get_object(request, object_id)
        if draft is None:
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect("admin:compliance_case_page", draft.case_id)
