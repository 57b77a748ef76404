"""Monitoring in the admin: the alert queue and each alert's evidence, the transactions, the
rules (a change is a new version), dead letters (replayed through the service) and the
anomaly model versions. Alerts, transactions and dead letters are audited reads."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from compliance.monitoring.models import Alert, AnomalyModel, DeadLetterEvent, MonitoredTransaction, Rule
from compliance.monitoring.services.dead_letters import dead_letter_replay
from compliance.monitoring.services.rules import rule_version_create
from compliance.workplace.queues import AlertQueueMixin
from fintech.admin import ReadOnlyAdmin, money_column, money_fields
from fintech.admin_reads import AuditedReadsAdmin
from fintech.errors import DomainError
from fintech.money import format_money

EVIDENCE_SHOWN = 200  # an alert's page lists at most this many of its transactions


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ("code", "params", "enabled", "severity")


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Saving a change creates a new version (rule_version_create); old versions stay as rows."""

    form = RuleForm
    list_display = ("code", "version", "is_current", "enabled", "severity", "created_at")
    list_filter = ("is_current", "enabled", "severity", "code")
    readonly_fields = ("code", "version", "is_current", "created_at")

    def get_fields(self, request, obj=None):
        return ("code", "version", "is_current", "params", "enabled", "severity", "created_at")

    def has_add_permission(self, request):
        return False  # the library is code: rules come from migrations, parameters from here

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_current)

    def save_model(self, request, obj, form, change):
        new = rule_version_create(
            rule=obj,
            actor=request.user,
            params=form.cleaned_data["params"],
            enabled=form.cleaned_data["enabled"],
            severity=form.cleaned_data["severity"],
        )
        obj.pk, obj.version, obj.is_current = new.pk, new.version, new.is_current


@admin.register(Alert)
class AlertAdmin(AuditedReadsAdmin, AlertQueueMixin, ReadOnlyAdmin):
    """The alert queue: filters, bulk actions and bounded counts come from AlertQueueMixin.
    No date_hierarchy: its year/month links scan every alert; the age filter replaces it.
    Search is exact (indexed); the fuzzy search page handles names and typos."""

    search_fields = ("=customer__external_id", "=case__reference", "=dedupe_key")
    search_help_text = "Exact customer id, case reference or dedupe key (names: the compliance search page)."
    # The evidence as the transactions themselves (each linked to its page), not their ids.
    fields = readonly_fields = ["evidence" if f.name == "transaction_ids" else f.name for f in Alert._meta.fields]

    @admin.display(description="evidence")
    def evidence(self, alert: Alert) -> str:
        ids = [int(i) for i in alert.transaction_ids][:EVIDENCE_SHOWN]
        rows = MonitoredTransaction.objects.filter(pk__in=ids).order_by("occurred_at", "pk")
        if not rows:
            return "-"
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> · {} {} · {}{}</li>',
            (
                (
                    reverse("admin:compliance_monitoredtransaction_change", args=[tx.pk]),
                    tx.occurred_at.strftime("%Y-%m-%d %H:%M"),
                    tx.get_direction_display(),
                    format_money(tx.amount, tx.currency),
                    tx.channel or tx.source,
                    f" · {tx.counterparty_name}" if tx.counterparty_name else "",
                )
                for tx in rows
            ),
        )
        more = len(alert.transaction_ids) - len(ids)
        return format_html("<ul>{}</ul>{}", items, f"and {more} more" if more > 0 else "")


@admin.register(MonitoredTransaction)
class MonitoredTransactionAdmin(AuditedReadsAdmin, ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "source",
        "source_id",
        "customer",
        "direction",
        "amount_money",
        "channel",
        "counterparty_country",
    )
    list_filter = ("source", "direction", "channel")
    search_fields = ("source_id", "customer__external_id", "counterparty_name")
    list_select_related = ("customer",)
    show_full_result_count = False
    date_hierarchy = "occurred_at"
    fields = readonly_fields = money_fields(MonitoredTransaction, "amount")
    amount_money = money_column("amount")


@admin.register(DeadLetterEvent)
class DeadLetterEventAdmin(AuditedReadsAdmin, ReadOnlyAdmin):
    list_display = ("created_at", "stream", "message_id", "attempts", "error", "replayed_at", "replayed_by")
    list_filter = ("stream", ("replayed_at", admin.EmptyFieldListFilter))
    search_fields = ("message_id",)
    readonly_fields = [f.name for f in DeadLetterEvent._meta.fields]
    actions = ["replay"]

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("compliance.replay_deadletterevent")

    @admin.action(description="Replay: hand the event to monitoring again", permissions=["replay"])
    def replay(self, request, queryset):
        replayed = 0
        for dead_letter in queryset.order_by("pk"):
            try:
                dead_letter_replay(dead_letter=dead_letter, actor=request.user)
                replayed += 1
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.WARNING)
        self.message_user(request, f"{replayed} event(s) replayed.", messages.SUCCESS)


@admin.register(AnomalyModel)
class AnomalyModelAdmin(ReadOnlyAdmin):
    list_display = ("version", "created_at", "trained_on", "threshold")
    readonly_fields = ("version", "created_at", "trained_on", "threshold", "feature_names", "blob_hmac")
    exclude = ("blob",)
