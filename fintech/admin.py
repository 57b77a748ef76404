from django import forms
from django.contrib import admin, messages

from fintech.models import ApiClient, AuditEvent, Customer
from fintech.roles import ROLES
from fintech.services.api_clients import (
    ApiClientRefused,
    api_client_create,
    api_client_revoke,
    staff_api_token_check,
    staff_api_token_issue,
)
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
    """A partner's token for a customer user; or a staff member's own token, in one of
    their roles, for a few hours (the admin session has passed TOTP: its device is the
    second factor the token is issued under)."""

    list_display = ("name", "user", "role", "token_prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    search_fields = ("name", "user__username")
    fields = ("name", "user", "role", "token_prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("token_prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    autocomplete_fields = ("user",)
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)

        class IssueForm(base):
            def clean(self):
                cleaned = super().clean()
                user, role = cleaned.get("user"), cleaned.get("role", "")
                if user is not None and (user.is_staff or user.is_superuser):
                    try:
                        device = getattr(request.user, "otp_device", None) if user == request.user else None
                        staff_api_token_check(user=user, role=role, verified_device=device)
                    except ApiClientRefused as exc:
                        raise forms.ValidationError(exc.detail) from exc
                elif role:
                    raise forms.ValidationError("Partner (customer) tokens have no staff role.")
                return cleaned

        if "role" in IssueForm.base_fields:
            IssueForm.base_fields["role"] = forms.ChoiceField(
                choices=[("", "none (partner token)")] + [(role, role) for role in ROLES], required=False
            )
        return IssueForm

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        if obj.user.is_staff:
            client, token = staff_api_token_issue(
                name=obj.name, user=obj.user, role=obj.role, verified_device=request.user.otp_device
            )
        else:
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
