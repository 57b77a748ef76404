"""The outbox, read-only, for operators: what is waiting to be sent, what went and when.

The `sealed` part (a payment nonce, a Plaid public token, an account number) is never shown:
it is neither a column nor a field of the page, and it is erased once the message is sent.
"""

from django.contrib import admin

from fintech.admin import ReadOnlyAdmin
from fintech.models import OutboxMessage


class SentFilter(admin.SimpleListFilter):
    title = "sent"
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return (("no", "Unsent (the relay's backlog)"), ("yes", "Sent"))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "destination", "created_at", "sent_at")
    list_filter = (SentFilter, "kind", "destination")
    search_fields = ("destination",)
    date_hierarchy = "created_at"
    ordering = ("-id",)
    # The table holds a week of sent rows: no COUNT(*) over all of it per page.
    show_full_result_count = False
    fields = ("id", "kind", "destination", "payload", "created_at", "sent_at")
    readonly_fields = fields
