from django.contrib import admin, messages

from fintech.models import ApiClient, AuditEvent, Customer
from fintech.money import format_money
from fintech.services.api_clients import api_client_create, api_client_revoke
from fintech.services.customers import customer_update


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are evidence (audit, ledger, decisions): viewable, never editable here."""

    class Media:
        css = {"all": ("fintech/admin.css",)}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def money_column(amount_field: str, *, description: str = "amount", currency_field: str = "currency"):
    """An admin column or read-only field showing `amount_field` (minor units) as money in
    its currency ('27,450.00 EUR'), never the raw minor units a person would misread.
    Set it as a ModelAdmin attribute (`amount_money = money_column("amount")`) and name it
    in list_display, fields or readonly_fields."""

    @admin.display(description=description, ordering=amount_field)
    def column(*args) -> str:  # (model_admin, obj) as a method, (obj) as a plain callable
        obj = args[-1]
        amount, currency = getattr(obj, amount_field), getattr(obj, currency_field)
        return "-" if amount is None or not currency else format_money(amount, currency)

    column.__name__ = f"{amount_field}_money"
    return column


def money_fields(model, *amount_fields: str, currency_field: str = "currency", exclude=()) -> list[str]:
    """A read-only detail page's fields in the model's order, each of `amount_fields` as its
    `money_column` (`<field>_money`) with the currency folded into it."""
    return [f"{f.name}_money" if f.name in amount_fields else f.name for f in model._meta.fields
            if f.name != currency_field and f.name not in exclude]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "occurred_at", "action", "actor_label", "target_type", "target_id", "outcome", "ip")
    list_filter = ("outcome", "action")
    search_fields = ("action", "actor_label", "target_id", "request_id")
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    list_select_related = ("actor",)
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("external_id", "legal_name", "entity_type", "country", "risk_rating", "status", "created_at")
    list_filter = ("risk_rating", "status", "entity_type")
    search_fields = ("external_id", "legal_name", "email")
    readonly_fields = ("external_id", "user", "risk_score", "created_at", "updated_at")
    fields = (
        "external_id", "user", "legal_name", "email", "entity_type", "country", "date_of_birth",
        "national_id", "risk_rating", "risk_score", "status", "created_at", "updated_at",
    )
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if change:
            # Through the service, so an admin edit is audited and re-screened like any other.
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            customer_update(customer=obj, actor=request.user, changes=changes)
        else:
            super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # customers are closed (status), never deleted: their history must stay


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "token_prefix", "created_at", "last_used_at", "revoked_at")
    search_fields = ("name", "user__username")
    fields = ("name", "user", "token_prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("token_prefix", "created_at", "last_used_at", "revoked_at")
    autocomplete_fields = ("user",)
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        client, token = api_client_create(name=obj.name, user=obj.user, actor=request.user)
        obj.pk = client.pk
        messages.warning(request, f"Token for {client.name} (shown once, copy it now): {token}")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke selected API clients", permissions=["revoke"])
    def revoke(self, request, queryset):
        for client in queryset:
            api_client_revoke(client=client, actor=request.user)

    def has_revoke_permission(self, request):
        return request.user.has_perm("fintech.delete_apiclient")
