from django.contrib import admin, messages

from fintech.admin_reads import AuditedReadsAdmin
from fintech.models import ApiClient, AuditEvent, Customer
from fintech.roles import CUSTOMER_RISK_PERM
from fintech.services.api_clients import api_client_create, api_client_revoke
from fintech.services.customers import customer_update


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are evidence (audit, ledger, decisions): viewable, never editable here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "occurred_at", "action", "actor_label", "target_type", "target_id", "outcome", "ip")
    list_filter = ("outcome", "action")
    search_fields = ("action", "actor_label", "target_id", "request_id")
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    list_select_related = ("actor",)
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


RISK_FIELDS = ("risk_rating", "risk_score")


def _without_risk(request, names):
    """`names` less the AML risk fields for staff who may not see them (Payments Operations)."""
    if request.user.has_perm(CUSTOMER_RISK_PERM):
        return names
    return tuple(name for name in names if name not in RISK_FIELDS)


@admin.register(Customer)
class CustomerAdmin(AuditedReadsAdmin, admin.ModelAdmin):
    """Every page is an audited read (fintech.admin_reads); the risk rating and score only show
    to roles holding CUSTOMER_RISK_PERM: not in the list, its filter, the page, nor a URL lookup."""

    list_display = ("external_id", "legal_name", "entity_type", "country", "risk_rating", "status", "created_at")
    list_filter = ("risk_rating", "status", "entity_type")
    search_fields = ("external_id", "legal_name", "email")
    readonly_fields = ("external_id", "user", "risk_score", "created_at", "updated_at")
    fields = (
        "external_id", "user", "legal_name", "email", "entity_type", "country", "date_of_birth",
        "national_id", "risk_rating", "risk_score", "status", "created_at", "updated_at",
    )
    show_full_result_count = False

    def get_list_display(self, request):
        return _without_risk(request, super().get_list_display(request))

    def get_list_filter(self, request):
        return _without_risk(request, super().get_list_filter(request))

    def get_fields(self, request, obj=None):
        return _without_risk(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return _without_risk(request, super().get_readonly_fields(request, obj))

    def lookup_allowed(self, lookup, value, request=None):
        # The admin allows any lookup on a local field: `?risk_rating=high` would sort customers by risk.
        if lookup.split("__")[0] in RISK_FIELDS and not (request and request.user.has_perm(CUSTOMER_RISK_PERM)):
            return False
        return super().lookup_allowed(lookup, value, request)

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
