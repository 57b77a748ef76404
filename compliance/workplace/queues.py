"""The alert and case queues of the admin: filters, bulk actions and cheap counts.

Mixed into `AlertAdmin` (compliance/monitoring/admin.py) and `CaseAdmin` (compliance/cases/admin.py).
Pages stay fast over a million alerts: every filter is an indexed predicate (no
`SELECT DISTINCT` over the table to build a filter's choices), the list reads only the
columns it shows, related rows come in the same query, and counts are bounded
(`EstimatedCountPaginator`).

Bulk actions act on cases (an alert's action acts on the alert's case, with all its
alerts) through `compliance.cases.services`, so they are audited once per case exactly
as the case page's own buttons are. Who sees which action:
- bulk assign: `compliance.triage_case` (Analysts and Compliance Officers);
- bulk close as false positive: `compliance.decide_case` (Compliance Officers): closing
  cases in bulk is a decision, and "Analysts triage; Compliance Officers decide";
- Auditors and Payments Operations: neither.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from compliance.cases.models import Case
from compliance.cases.services import DECIDE_PERM, TRIAGE_PERM, case_assign, case_close_false_positive
from compliance.monitoring.models import Rule, Severity
from compliance.workplace import pages
from compliance.workplace.dashboard import AGE_BUCKETS, age_bucket_q
from compliance.workplace.paginator import EstimatedCountPaginator
from fintech.errors import DomainError

PREVIEW = 50  # cases listed on a bulk action's confirmation page


def case_workers() -> QuerySet:
    """Active staff who may work cases: the possible assignees."""
    codename = TRIAGE_PERM.split(".")[1]
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True) | Q(groups__permissions__codename=codename) | Q(user_permissions__codename=codename)
        )
        .distinct()
        .order_by("username")
    )


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    field = "created_at"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, *_ in AGE_BUCKETS]

    def queryset(self, request, queryset):
        q = age_bucket_q(self.field, self.value(), timezone.now()) if self.value() else None
        return queryset.filter(q) if q is not None else queryset


class CaseAgeFilter(AgeFilter):
    """Age since opening, plus the open cases past their SLA due date."""

    field = "opened_at"

    def lookups(self, request, model_admin):
        return [*super().lookups(request, model_admin), ("sla_breached", "SLA breached (open)")]

    def queryset(self, request, queryset):
        if self.value() == "sla_breached":
            return queryset.filter(state__in=Case.OPEN_STATES, sla_due_at__lt=timezone.now())
        return super().queryset(request, queryset)


class SeverityFilter(admin.SimpleListFilter):
    title = "severity"
    parameter_name = "severity"

    def lookups(self, request, model_admin):
        return Severity.choices

    def queryset(self, request, queryset):
        return queryset.filter(severity=self.value()) if self.value() else queryset


class RuleFilter(admin.SimpleListFilter):
    """Choices from the rule library (a few rows), not a DISTINCT over the alerts."""

    title = "rule"
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        codes = Rule.objects.order_by("code").values_list("code", flat=True).distinct()
        return [(code, code) for code in codes]

    def queryset(self, request, queryset):
        return queryset.filter(rule_code=self.value()) if self.value() else queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"
    field = "assignee"  # the alert admin reaches it through the case: "case__assignee"

    def lookups(self, request, model_admin):
        return [("none", "Unassigned"), *((str(u.pk), u.get_username()) for u in case_workers())]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(**{f"{self.field}__isnull": True})
        if self.value() and self.value().isdigit():
            return queryset.filter(**{f"{self.field}_id": int(self.value())})
        return queryset


class AlertAssigneeFilter(AssigneeFilter):
    field = "case__assignee"


class BulkAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=case_workers(), help_text="An Analyst or Compliance Officer.")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=2000,
        help_text="Why: this goes into the audit trail of every case.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = case_workers()


class BulkReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=2000,
        help_text="Why: this goes into every case's history and the audit trail.",
    )


class QueueAdminMixin:
    """Cheap counts, bulk assign and bulk close-as-false-positive. Subclasses say how the
    selected rows map to cases (`cases_of`)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    actions = ["bulk_assign", "bulk_close_false_positive"]

    queue_columns: tuple[str, ...] = ()  # what the list reads (`only`); the rest stays in the database

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if self.queue_columns and match and match.url_name and match.url_name.endswith("changelist"):
            queryset = queryset.only(*self.queue_columns)
        return queryset

    def cases_of(self, queryset) -> QuerySet[Case]:
        raise NotImplementedError

    def has_triage_permission(self, request) -> bool:
        return request.user.has_perm(TRIAGE_PERM)

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm(DECIDE_PERM)

    def _bulk(self, request, queryset, *, form_class, title: str, apply):
        """An intermediate page asks for the form (reason, assignee); then the service runs once
        over the selection's cases, in one transaction, one audit event per case."""
        cases = self.cases_of(queryset)
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                done = apply(cases=cases, **form.cleaned_data)
            except DomainError as exc:
                self.message_user(request, str(exc.detail), messages.ERROR)
                return None
            self.message_user(request, f"{title}: {len(done)} case(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "opts": self.model._meta,
            "cases": cases.select_related("customer", "assignee").only(
                "reference", "state", "customer__legal_name", "assignee__username"
            )[:PREVIEW],
            "case_count": cases.count(),
            "preview": PREVIEW,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action": request.POST.get("action"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/compliance/queue/bulk_action.html", context)

    @admin.action(description="Assign the cases to an analyst or officer", permissions=["triage"])
    def bulk_assign(self, request, queryset):
        def apply(*, cases, assignee, reason):
            return case_assign(cases, assignee=assignee, actor=request.user, reason=reason)

        return self._bulk(request, queryset, form_class=BulkAssignForm, title="Assign cases", apply=apply)

    @admin.action(description="Close the cases as false positive", permissions=["decide"])
    def bulk_close_false_positive(self, request, queryset):
        def apply(*, cases, reason):
            return case_close_false_positive(cases, actor=request.user, reason=reason)

        return self._bulk(
            request, queryset, form_class=BulkReasonForm, title="Close cases as false positive", apply=apply
        )


class AlertQueueMixin(QueueAdminMixin):
    # Few columns: rendering the cells, not SQL, is most of a page's time (rule version and
    # evidence are on the alert's own page).
    list_display = (
        "created_at",
        "severity",
        "rule_code",
        "customer",
        "case_link",
        "case_state",
        "case_assignee",
        "score",
        "status",
    )
    list_filter = (SeverityFilter, RuleFilter, "status", AlertAssigneeFilter, AgeFilter)
    list_select_related = ("customer", "case__assignee")
    # Only what the list shows: not the evidence JSON, nor the customers' encrypted fields.
    # (window_end: Alert.__str__, which the action checkbox's label uses.)
    queue_columns = (
        "created_at",
        "window_end",
        "severity",
        "rule_code",
        "rule_version",
        "customer_id",
        "case_id",
        "score",
        "status",
        "customer__legal_name",
        "customer__external_id",
        "case__reference",
        "case__state",
        "case__assignee__username",
    )

    def cases_of(self, queryset) -> QuerySet[Case]:
        return Case.objects.filter(pk__in=queryset.filter(case__isnull=False).values("case_id"))

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(lambda request: view(self, request))

        return [
            path("dashboard/", wrap(pages.dashboard_view), name="compliance_dashboard"),
            path("search/", wrap(pages.search_view), name="compliance_search"),
            *super().get_urls(),
        ]

    @admin.display(description="case", ordering="case__reference")
    def case_link(self, alert) -> str:
        if not alert.case_id:
            return "-"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:compliance_case_page", args=[alert.case_id]), alert.case.reference
        )

    @admin.display(description="case state")
    def case_state(self, alert) -> str:
        return alert.case.get_state_display() if alert.case_id else "-"

    @admin.display(description="assignee")
    def case_assignee(self, alert) -> str:
        return alert.case.assignee.get_username() if alert.case_id and alert.case.assignee_id else "-"


class CaseQueueMixin(QueueAdminMixin):
    """The columns are CaseAdmin's (compliance/cases/admin.py); `queue_columns` must cover them."""

    list_filter = ("state", AssigneeFilter, CaseAgeFilter)
    list_select_related = ("customer", "assignee")
    queue_columns = (
        "reference",
        "customer_id",
        "state",
        "assignee_id",
        "opened_at",
        "sla_due_at",
        "closed_at",
        "customer__legal_name",
        "customer__external_id",
        "assignee__username",
    )

    def cases_of(self, queryset) -> QuerySet[Case]:
        return Case.objects.filter(pk__in=queryset.values("pk"))
