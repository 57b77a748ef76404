"""Payments in the staff admin: payments (with the refund action), the gateway's
records and webhook deliveries. Deliveries are evidence: read-only here. Every change
goes through a service, so it is audited. The ledger's pages are in `ledger.admin`."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from fintech.admin import ReadOnlyAdmin, money_column, money_fields
from fintech.errors import DomainError
from payments.models import Dispute, Payment, Payout, Refund, WebhookDelivery
from payments.services.refunds import payment_refund
from payments.services.webhooks import webhook_delivery_retry


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("amount_money", "status", "gateway_reference", "reason", "created_at")
    readonly_fields = fields
    amount_money = money_column("amount")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "customer",
        "amount_money",
        "status",
        "amount_refunded_money",
        "gateway",
        "gateway_reference",
        "created_at",
    )
    list_filter = ("status", "gateway", ("currency", admin.AllValuesFieldListFilter), "created_at")
    search_fields = ("gateway_reference", "gateway_charge_reference", "customer__legal_name", "customer__external_id")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = money_fields(Payment, "amount", "amount_refunded", exclude=("client_secret",))
    inlines = [RefundInline]
    actions = ["refund_in_full"]
    amount_money = money_column("amount")
    amount_refunded_money = money_column("amount_refunded", description="refunded")

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("payments.refund_payment")

    @admin.action(description="Refund selected payments in full", permissions=["refund"])
    def refund_in_full(self, request, queryset):
        # Irreversible: the first POST shows what would be refunded; the confirmed one refunds.
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/payments/payment/refund_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Refund payments in full?",
                    "payments": queryset.select_related("customer"),
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )
        refunded = 0
        for payment in queryset:
            try:
                payment_refund(payment=payment, reason="admin: refund in full", actor=request.user)
                refunded += 1
            except DomainError as exc:
                self.message_user(request, f"Payment #{payment.pk}: {exc.detail}", messages.ERROR)
        if refunded:
            self.message_user(request, f"{refunded} refund(s) sent to the gateway.", messages.SUCCESS)
        return None


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "payment", "amount_money", "status", "gateway_reference", "created_at")
    list_filter = ("status", ("currency", admin.AllValuesFieldListFilter))
    search_fields = ("gateway_reference",)
    list_select_related = ("payment",)
    show_full_result_count = False
    fields = readonly_fields = money_fields(Refund, "amount")
    amount_money = money_column("amount")


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("gateway_reference", "payment", "amount_money", "status", "funds_state", "created_at")
    list_filter = ("status", "funds_state", "gateway")
    search_fields = ("gateway_reference",)
    list_select_related = ("payment",)
    show_full_result_count = False
    fields = readonly_fields = money_fields(Dispute, "amount")
    amount_money = money_column("amount")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("gateway_reference", "amount_money", "status", "created_at")
    list_filter = ("status", "gateway", ("currency", admin.AllValuesFieldListFilter))
    search_fields = ("gateway_reference",)
    show_full_result_count = False
    fields = readonly_fields = money_fields(Payout, "amount")
    amount_money = money_column("amount")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "provider", "event_type", "event_key", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "provider", "event_type")
    search_fields = ("event_key",)
    date_hierarchy = "received_at"
    show_full_result_count = False
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["retry_failed"]

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("payments.retry_webhookdelivery")

    @admin.action(description="Retry selected failed deliveries", permissions=["retry"])
    def retry_failed(self, request, queryset):
        retried = sum(
            webhook_delivery_retry(delivery=delivery, actor=request.user)
            for delivery in queryset.filter(status=WebhookDelivery.Status.FAILED)
        )
        self.message_user(request, f"{retried} deliveries queued to be applied again.", messages.SUCCESS)


from payments import admin_reconciliation  # noqa: E402,F401  (runs and the exceptions queue)
