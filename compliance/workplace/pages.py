"""Two admin pages of the compliance workplace: the dashboard and the fuzzy search.

Mounted under the alert admin (`/admin/compliance/alert/dashboard/`, `.../search/`) by
`AlertQueueMixin.get_urls`, behind the OTP admin site's login. Both are compliance data:
they need `compliance.view_case` and `compliance.view_alert` (Analysts, Compliance Officers,
Auditors); anyone else (Payments Operations) gets 403. Both only read; a search is an audit
event naming what it found (the dashboard shows counts, no customer's data).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from compliance.workplace.charts import horizontal_bars, stacked_bars
from compliance.workplace.dashboard import ALERT_DAYS, dashboard_figures
from compliance.workplace.search import KINDS, MIN_QUERY, fuzzy_search
from fintech.services.reads import staff_read_record

REQUIRED_PERMS = ("compliance.view_case", "compliance.view_alert")
# What each kind of search result is, in the audit event of a search (counterparties: their names).
SEARCH_KIND_LABELS = {
    "customers": "fintech.Customer",
    "counterparties": "counterparty names",
    "transactions": "compliance.MonitoredTransaction",
    "cases": "compliance.Case",
}


def require_compliance_viewer(request) -> None:
    if not request.user.has_perms(REQUIRED_PERMS):
        raise PermissionDenied


def dashboard_view(model_admin, request):
    require_compliance_viewer(request)
    figures = dashboard_figures()
    series = {rule: [figures.alerts_per_day.get((day, rule), 0) for day in figures.days] for rule in figures.rules}
    charts = {
        "alerts_per_day": stacked_bars(
            f"Alerts per day by rule, last {ALERT_DAYS} days", [day.strftime("%d %b") for day in figures.days], series
        ),
        "open_by_age": horizontal_bars("Open cases by age", figures.open_by_age),
        "fp_rates": horizontal_bars(
            f"False-positive rate per rule, alerts of the last {ALERT_DAYS} days",
            [(r.rule_code, r.rate) for r in figures.fp_rates],
            value_label=lambda v: f"{v:.0%}",
            maximum=1.0,
        ),
        "sla_by_assignee": horizontal_bars("Open cases past their SLA, per assignee", figures.sla_breached_by_assignee),
    }
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Compliance dashboard",
        "figures": figures,
        "charts": charts,
        "alert_days": ALERT_DAYS,
        "opts": model_admin.model._meta,
        "per_rule_totals": sorted(((rule, sum(values)) for rule, values in series.items()), key=lambda r: -r[1]),
        "breached_url": reverse("admin:compliance_case_changelist") + "?" + urlencode({"age": "sla_breached"}),
    }
    return TemplateResponse(request, "admin/compliance/queue/dashboard.html", context)


def _url(kind: str, found) -> str:
    if kind == "customers":
        return reverse("admin:fintech_customer_change", args=[found.pk])
    if kind == "counterparties":
        return (
            reverse("admin:compliance_monitoredtransaction_changelist")
            + "?"
            + urlencode({"counterparty_name": found.pk})
        )
    if kind == "transactions":
        return reverse("admin:compliance_monitoredtransaction_change", args=[found.pk])
    return reverse("admin:compliance_case_page", args=[found.pk])


class SearchQueryForm(forms.Form):
    # Django's CharField refuses a NUL, which PostgreSQL cannot take in a query parameter.
    q = forms.CharField(required=False)


def search_view(model_admin, request):
    require_compliance_viewer(request)
    form = SearchQueryForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": "invalid_query", "detail": form.errors.get_json_data()}, status=400)
    query = form.cleaned_data["q"]
    results = []
    if query:
        found = fuzzy_search(query)
        results = [(kind, [(hit, _url(kind, hit)) for hit in found[kind]]) for kind in KINDS]
        staff_read_record(
            actor=request.user,
            action="compliance.search.listed",
            via="admin",
            what="compliance search",
            query={"q": query},
            shown={SEARCH_KIND_LABELS[kind]: [hit.pk for hit in found[kind]] for kind in KINDS},
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Compliance search",
        "query": query,
        "results": results,
        "min_query": MIN_QUERY,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/compliance/queue/search.html", context)
