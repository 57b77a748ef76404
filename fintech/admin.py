from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from fintech.admin_reads import AuditedReadsAdmin
from fintech.models import ApiClient, AuditEvent, Customer, StaffTOTPDevice
from fintech.models.customers import customer_email_index
from fintech.money import format_money
from fintech.roles import CUSTOMER_RISK_PERM, ROLES
from fintech.services.api_clients import (
    ApiClientRefused,
    api_client_create,
    api_client_revoke,
    staff_api_token_issue,
)
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
    return [
        f"{f.name}_money" if f.name in amount_fields else f.name
        for f in model._meta.fields
        if f.name != currency_field and f.name not in exclude
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "action", "actor_label", "target_type", "target_id", "outcome", "ip", "shard", "seq")
    list_filter = ("outcome", "action")
    search_fields = ("action", "actor_label", "target_id", "request_id")
    date_hierarchy = "occurred_at"
    # Shards have no order between them: the trail reads in time order.
    ordering = ("-occurred_at", "-id")
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
    # The email is encrypted: a search term that is an email also matches it exactly
    # through its blind index (get_search_results); it is never a substring search.
    search_fields = ("external_id", "legal_name")
    search_help_text = "Reference or name (partial), or an email address (exact)."
    readonly_fields = ("external_id", "user", "risk_score", "created_at", "updated_at")
    fields = (
        "external_id",
        "user",
        "legal_name",
        "email",
        "entity_type",
        "country",
        "date_of_birth",
        "national_id",
        "risk_rating",
        "risk_score",
        "status",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if "@" in term:
            results |= queryset.filter(email_index=customer_email_index(term))
        return results, may_have_duplicates

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


class StaffTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. the script that uses it.")
    role = forms.ChoiceField(help_text="The token acts with this role's permissions only.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        held = user.groups.filter(name__in=ROLES).values_list("name", flat=True)
        self.fields["role"].choices = [(role, role) for role in held]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Partners' tokens (for a customer user) are added here by who may add clients.
    Staff tokens are never made for someone else: each staff member issues their own
    on `issue-my-token/`, in one of their roles, for a few hours; the admin session has
    passed TOTP, and its device is the second factor the token is issued under."""

    list_display = ("name", "user", "role", "token_prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    search_fields = ("name", "user__username")
    fields = ("name", "user", "role", "token_prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("role", "token_prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    autocomplete_fields = ("user",)
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)

        class PartnerTokenForm(base):
            def clean_user(self):
                user = self.cleaned_data["user"]
                if user.is_staff or user.is_superuser:
                    raise forms.ValidationError(
                        "Staff API tokens are issued by the staff member themselves (Issue my API token)."
                    )
                return user

        return PartnerTokenForm

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        client, token = api_client_create(name=obj.name, user=obj.user, actor=request.user)
        obj.pk = client.pk
        messages.warning(request, f"Token for {client.name} (shown once, copy it now): {token}")

    def get_urls(self):
        issue = self.admin_site.admin_view(self.issue_my_token_view)
        return [path("issue-my-token/", issue, name="fintech_apiclient_issue_my_token"), *super().get_urls()]

    def issue_my_token_view(self, request):
        """Any signed-in (so TOTP-verified) staff member, for themselves only: issue a
        token, or revoke one of their own."""
        own = ApiClient.objects.filter(user=request.user, revoked_at__isnull=True, expires_at__gt=timezone.now())
        if request.method == "POST" and "revoke" in request.POST:
            client = own.filter(pk=request.POST["revoke"]).first() if request.POST["revoke"].isdigit() else None
            if client is not None:
                api_client_revoke(client=client, actor=request.user)
                self.message_user(request, f"{client.name} revoked.", messages.SUCCESS)
            return redirect("admin:fintech_apiclient_issue_my_token")
        form = StaffTokenForm(request.POST or None, user=request.user)
        token = None
        if request.method == "POST" and form.is_valid():
            try:
                client, token = staff_api_token_issue(
                    name=form.cleaned_data["name"],
                    user=request.user,
                    role=form.cleaned_data["role"],
                    verified_device=getattr(request.user, "otp_device", None),
                )
            except ApiClientRefused as exc:
                form.add_error(None, exc.detail)
        return TemplateResponse(
            request,
            "admin/fintech/apiclient/issue_my_token.html",
            {
                **self.admin_site.each_context(request),
                "title": "Issue my API token",
                "form": form,
                "token": token,
                "hours": settings.STAFF_API_TOKEN_HOURS,
                "opts": self.model._meta,
                "active": own.order_by("expires_at"),
            },
        )

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


@admin.register(StaffTOTPDevice)
class StaffTOTPDeviceAdmin(admin.ModelAdmin):
    """Staff authenticators: listed, confirmed or deleted (a lost phone), never shown.

    The secret is never displayed nor typed here: `create_staff_user` makes a device and
    prints its secret once, to the person enrolling it.
    """

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "name")
    fields = (
        "user",
        "name",
        "confirmed",
        "step",
        "digits",
        "created_at",
        "last_used_at",
        "throttling_failure_count",
        "throttling_failure_timestamp",
    )
    readonly_fields = ("user", "step", "digits", "created_at", "last_used_at", "throttling_failure_timestamp")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False


from fintech import admin_outbox  # noqa: E402, F401  (registers the outbox's read-only page)
