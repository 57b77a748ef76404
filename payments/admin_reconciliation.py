"""Reconciliation in the staff admin (Payments Operations): runs with their progress and a
"Start reconciliation" page, every item of a run, and the exceptions queue with its two
resolutions. Runs and items are evidence: read-only; the only changes go through the
services (`payments.reconciliation.runs`, `.resolutions`), so they are audited."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from fintech.admin import ReadOnlyAdmin
from fintech.errors import DomainError
from fintech.money import MoneyError, format_money, to_major_units, to_minor_units
from ledger.models import LedgerAccount
from payments.models import ReconciliationException, ReconciliationItem, ReconciliationRun
from payments.reconciliation.resolutions import reconciliation_exception_adjust, reconciliation_exception_explain
from payments.reconciliation.runs import reconciliation_run_request
from payments.reconciliation.sources import API_SOURCES

ACCOUNT_CHOICES = [(code, code) for code in LedgerAccount.STANDARD_KINDS]


def _money(amount: int | None, currency: str) -> str:
    return "—" if amount is None or not currency else format_money(amount, currency)


class StartRunForm(forms.Form):
    gateway = forms.ChoiceField(choices=[(g, g) for g in sorted(API_SOURCES)])
    date = forms.DateField(help_text="First day (UTC) of the period, YYYY-MM-DD.")
    days = forms.IntegerField(min_value=1, max_value=31, initial=1)


class ExplainForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AdjustForm(forms.Form):
    debit_account = forms.ChoiceField(choices=ACCOUNT_CHOICES, initial=LedgerAccount.GATEWAY_CLEARING)
    credit_account = forms.ChoiceField(choices=ACCOUNT_CHOICES, initial=LedgerAccount.CUSTOMER_BALANCES)
    amount = forms.CharField(help_text="Major units, e.g. 12.50")
    currency = forms.CharField(max_length=3)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def clean(self):
        data = super().clean()
        if "amount" in data and "currency" in data:
            try:
                data["amount_minor"] = to_minor_units(data["amount"], data["currency"])
            except MoneyError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "gateway",
        "period_start",
        "period_end",
        "status",
        "phase",
        "records_fetched",
        "items_total",
        "exceptions",
        "progress_at",
        "finished_at",
    )
    list_filter = ("status", "gateway")
    date_hierarchy = "period_start"
    show_full_result_count = False
    readonly_fields = [*(f.name for f in ReconciliationRun._meta.fields), "exceptions"]

    @admin.display(description="exceptions")
    def exceptions(self, obj: ReconciliationRun):
        count = sum(n for name, n in (obj.counts or {}).items() if name != ReconciliationItem.Classification.MATCHED)
        url = reverse("admin:payments_reconciliationexception_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, count)

    def has_start_permission(self, request) -> bool:
        return request.user.has_perm("payments.start_reconciliationrun")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_start": self.has_start_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("start/", self.admin_site.admin_view(self.start_view), name="payments_reconciliationrun_start"),
            *super().get_urls(),
        ]

    def start_view(self, request):
        if not self.has_start_permission(request):
            raise PermissionDenied
        yesterday = timezone.now().astimezone(dt.UTC).date() - dt.timedelta(days=1)
        form = StartRunForm(request.POST or None, initial={"date": yesterday, "days": 1})
        if request.method == "POST" and form.is_valid():
            start = form.cleaned_data["date"]
            try:
                run = reconciliation_run_request(
                    gateway=form.cleaned_data["gateway"],
                    period_start=start,
                    period_end=start + dt.timedelta(days=form.cleaned_data["days"]),
                    actor=request.user,
                )
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                self.message_user(request, f"Reconciliation of {run} queued.", messages.SUCCESS)
                return redirect("admin:payments_reconciliationrun_change", run.pk)
        return TemplateResponse(
            request,
            "admin/payments/reconciliationrun/start.html",
            {
                **self.admin_site.each_context(request),
                "title": "Start reconciliation",
                "form": form,
                "opts": self.model._meta,
            },
        )


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "run",
        "classification",
        "match_method",
        "record_type",
        "reference",
        "display_gateway",
        "display_ledger",
        "difference",
        "resolution",
    )
    list_filter = ("classification", "match_method", "run__gateway")
    search_fields = ("reference", "record_id", "match_key", "payout_reference")
    list_select_related = ("run",)
    show_full_result_count = False
    readonly_fields = [f.name for f in ReconciliationItem._meta.fields]

    @admin.display(description="gateway")
    def display_gateway(self, obj: ReconciliationItem) -> str:
        return _money(obj.gateway_amount, obj.gateway_currency)

    @admin.display(description="ledger")
    def display_ledger(self, obj: ReconciliationItem) -> str:
        return _money(obj.ledger_amount, obj.ledger_currency)


class ResolutionFilter(admin.SimpleListFilter):
    title = "resolution"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolution=ReconciliationItem.Resolution.OPEN)
        if self.value() == "resolved":
            return queryset.exclude(resolution=ReconciliationItem.Resolution.OPEN)
        return queryset


@admin.register(ReconciliationException)
class ReconciliationExceptionAdmin(ReconciliationItemAdmin):
    """The exceptions queue: open and resolved (filter), each with its candidates."""

    list_display = (
        "id",
        "run",
        "classification",
        "record_type",
        "reference",
        "display_gateway",
        "display_ledger",
        "difference",
        "resolution",
        "resolved_by",
    )
    list_filter = (ResolutionFilter, "classification", "run__gateway", "resolution")
    list_select_related = ("run", "resolved_by")
    change_form_template = "admin/payments/reconciliationexception/change_form.html"
    readonly_fields = ["candidate_list", *ReconciliationItemAdmin.readonly_fields]

    @admin.display(description="candidates")
    def candidate_list(self, obj: ReconciliationItem):
        if not obj.candidates:
            return "—"
        rows = format_html_join(
            "",
            "<li>{}</li>",
            (
                (", ".join(f"{k}: {v}" for k, v in candidate.items() if v not in (None, "")),)
                for candidate in obj.candidates
            ),
        )
        return format_html("<ul>{}</ul>", rows)

    def has_resolve_permission(self, request) -> bool:
        return request.user.has_perm("payments.resolve_reconciliationexception")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        can_resolve = bool(
            item and item.resolution == ReconciliationItem.Resolution.OPEN and self.has_resolve_permission(request)
        )
        currency = (item.gateway_currency or item.ledger_currency) if item else ""
        amount = abs(item.difference) if item and item.difference else None
        extra_context = {
            **(extra_context or {}),
            "can_resolve": can_resolve,
            "explain_form": ExplainForm(),
            "adjust_form": AdjustForm(
                initial={"currency": currency, "amount": str(to_major_units(amount, currency)) if amount else ""}
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/explain/", view(self.explain_view), name="payments_reconciliationexception_explain"),
            path("<int:pk>/adjust/", view(self.adjust_view), name="payments_reconciliationexception_adjust"),
            *super().get_urls(),
        ]

    def _resolve(self, request, pk: int, form_class, service):
        if request.method != "POST" or not self.has_resolve_permission(request):
            raise PermissionDenied
        item = get_object_or_404(ReconciliationException, pk=pk)
        form = form_class(request.POST)
        if not form.is_valid():
            self.message_user(request, f"Not resolved: {form.errors.as_text()}", messages.ERROR)
        else:
            try:
                service(item, form.cleaned_data)
                self.message_user(request, "Exception resolved.", messages.SUCCESS)
            except (DomainError, MoneyError, LedgerAccount.DoesNotExist) as exc:
                self.message_user(request, f"Not resolved: {getattr(exc, 'detail', exc)}", messages.ERROR)
        return redirect("admin:payments_reconciliationexception_change", pk)

    def explain_view(self, request, pk: int):
        return self._resolve(
            request,
            pk,
            ExplainForm,
            lambda item, data: reconciliation_exception_explain(item=item, note=data["note"], actor=request.user),
        )

    def adjust_view(self, request, pk: int):
        return self._resolve(
            request,
            pk,
            AdjustForm,
            lambda item, data: reconciliation_exception_adjust(
                item=item,
                debit_account=data["debit_account"],
                credit_account=data["credit_account"],
                amount=data["amount_minor"],
                currency=data["currency"],
                note=data["note"],
                actor=request.user,
            ),
        )
