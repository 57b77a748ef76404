"""The ledger in the staff admin: accounts with their balances, holds, and journal entries
with their postings. The ledger is evidence: read-only here; it changes only through
`ledger.services`, which audit every entry."""

from __future__ import annotations

from django.contrib import admin

from fintech.admin import ReadOnlyAdmin, money_column
from fintech.money import format_money
from ledger.models import JournalEntry, LedgerAccount, LedgerHold, Posting
from ledger.selectors import ledger_accounts_with_balance


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "currency", "customer", "kind", "name", "display_balance")
    # Only the currencies the ledger holds, not every ISO 4217 code the field allows.
    list_filter = ("kind", ("currency", admin.AllValuesFieldListFilter), "code")
    search_fields = ("code", "name", "customer__legal_name", "customer__external_id")
    list_select_related = ("customer",)
    show_full_result_count = False
    readonly_fields = [f.name for f in LedgerAccount._meta.fields]

    def get_queryset(self, request):
        # One sum per page, not one query per row: there is an account per customer.
        return ledger_accounts_with_balance(accounts=super().get_queryset(request))

    @admin.display(description="balance (debits − credits)", ordering="balance")
    def display_balance(self, obj: LedgerAccount) -> str:
        return format_money(obj.balance, obj.currency)


@admin.register(LedgerHold)
class LedgerHoldAdmin(ReadOnlyAdmin):
    list_display = ("reference", "account", "amount", "currency", "status", "created_at", "resolved_at")
    list_filter = ("status", "currency")
    search_fields = ("reference", "account__customer__legal_name")
    list_select_related = ("account__customer",)
    show_full_result_count = False
    readonly_fields = [f.name for f in LedgerHold._meta.fields]


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    fields = ("account", "amount_money")
    readonly_fields = fields
    amount_money = money_column("amount")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "posted_at", "description", "idempotency_key", "reverses")
    search_fields = ("description", "idempotency_key")
    date_hierarchy = "posted_at"
    list_select_related = ("reverses",)
    show_full_result_count = False
    readonly_fields = [f.name for f in JournalEntry._meta.fields]
    inlines = [PostingInline]
