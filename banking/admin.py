"""Banking in the admin: read-only evidence. Access tokens and account numbers never appear."""

from django.contrib import admin, messages

from banking.models import BankAccount, BankTransaction, PlaidItem, PlaidWebhookEvent, Transfer, TransferCheck
from banking.services.owner_review import bank_account_owner_verify
from fintech.admin import ReadOnlyAdmin
from fintech.errors import DomainError


class BankAccountInline(admin.TabularInline):
    model = BankAccount
    fields = ("name", "mask", "type", "subtype", "currency", "current_balance", "available_balance")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PlaidItem)
class PlaidItemAdmin(ReadOnlyAdmin):
    list_display = ("item_id", "customer", "institution_name", "status", "error_code", "last_synced_at", "created_at")
    list_filter = ("status",)
    search_fields = ("item_id", "institution_name", "customer__legal_name", "customer__external_id")
    list_select_related = ("customer",)
    show_full_result_count = False
    fields = (
        "item_id",
        "customer",
        "institution_id",
        "institution_name",
        "link_institution_id",
        "status",
        "error_code",
        "consent_expires_at",
        "new_accounts_available",
        "last_synced_at",
        "accounts_loaded_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [BankAccountInline]


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "item",
        "type",
        "subtype",
        "currency",
        "current_balance",
        "available_balance",
        "owner_review",
    )
    list_filter = ("owner_review", "type", "subtype")
    search_fields = ("account_id", "name", "mask", "item__customer__legal_name")
    list_select_related = ("item",)
    show_full_result_count = False
    fields = (
        "account_id",
        "item",
        "name",
        "official_name",
        "mask",
        "type",
        "subtype",
        "currency",
        "current_balance",
        "available_balance",
        "balances_updated_at",
        "owner_names",
        "owner_review",
        "owner_review_name",
        "owner_reviewed_by",
        "owner_reviewed_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ["verify_owner"]

    def has_verify_owner_permission(self, request) -> bool:
        return request.user.has_perm("banking.verify_owner")

    @admin.action(description="Verify the owner name (documents checked)", permissions=["verify_owner"])
    def verify_owner(self, request, queryset):
        verified = 0
        for account in queryset:
            try:
                verified += bank_account_owner_verify(account=account, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{account}: {exc.detail}", messages.ERROR)
        self.message_user(request, f"{verified} account owner name(s) verified.", messages.SUCCESS)


@admin.register(BankTransaction)
class BankTransactionAdmin(ReadOnlyAdmin):
    list_display = ("transaction_id", "account", "date", "name", "amount", "currency", "pending", "removed")
    list_filter = ("pending", "removed")
    search_fields = ("transaction_id", "name", "merchant_name")
    list_select_related = ("account",)
    date_hierarchy = "date"
    show_full_result_count = False
    readonly_fields = [f.name for f in BankTransaction._meta.fields]


class TransferCheckInline(admin.TabularInline):
    model = TransferCheck
    fields = ("name", "passed", "detail", "checked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "customer",
        "account",
        "direction",
        "amount",
        "currency",
        "status",
        "failure_reason",
        "created_at",
    )
    list_filter = ("status", "direction")
    search_fields = ("reference", "plaid_transfer_id", "customer__legal_name", "idempotency_key")
    list_select_related = ("customer", "account")
    show_full_result_count = False
    readonly_fields = [f.name for f in Transfer._meta.fields]
    inlines = [TransferCheckInline]


@admin.register(PlaidWebhookEvent)
class PlaidWebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("webhook_type", "webhook_code", "item_id", "status", "result", "received_at")
    list_filter = ("status", "webhook_type")
    search_fields = ("item_id", "content_sha256")
    show_full_result_count = False
    readonly_fields = [f.name for f in PlaidWebhookEvent._meta.fields]
