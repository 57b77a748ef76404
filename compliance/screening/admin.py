"""Screening hits in the admin: read-only, audited reads; an officer confirms or dismisses a
hit through an intermediate page that asks why (the review services)."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from compliance.screening.models import ScreeningHit
from compliance.screening.review import screening_hit_confirm, screening_hit_dismiss
from fintech.admin import ReadOnlyAdmin
from fintech.admin_reads import AuditedReadsAdmin
from fintech.errors import DomainError


class ReviewReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=2000,
        help_text="Why: this goes into the decision record and the audit trail.",
    )


@admin.register(ScreeningHit)
class ScreeningHitAdmin(AuditedReadsAdmin, ReadOnlyAdmin):
    list_display = (
        "created_at",
        "party_name",
        "party_type",
        "party_id",
        "list_code",
        "entry_uid",
        "matched_name",
        "score",
        "status",
        "reviewed_by",
    )
    list_filter = ("status", "list_code", "party_type")
    search_fields = ("party_name", "matched_name", "entry_uid", "party_id")
    list_select_related = ("reviewed_by",)
    show_full_result_count = False
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ScreeningHit._meta.fields]
    actions = ["confirm_true_match", "mark_false_positive"]

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("compliance.review_screeninghit")

    def _review(self, request, queryset, *, service, title: str, done: str):
        """An intermediate page asks for the reason; each hit then goes through the service."""
        form = ReviewReasonForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            decided = 0
            for hit in queryset.filter(status=ScreeningHit.Status.PENDING):
                try:
                    service(hit=hit, actor=request.user, reason=form.cleaned_data["reason"])
                    decided += 1
                except DomainError as exc:
                    self.message_user(request, f"Hit {hit.pk}: {exc.detail}", messages.WARNING)
            self.message_user(request, f"{decided} hit(s) {done}.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "hits": queryset,
            "action": request.POST.get("action"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/compliance/screeninghit/review.html", context)

    @admin.action(description="Confirm true match (freezes the customer)", permissions=["review"])
    def confirm_true_match(self, request, queryset):
        return self._review(
            request, queryset, service=screening_hit_confirm, title="Confirm true match", done="confirmed"
        )

    @admin.action(description="Mark as false positive", permissions=["review"])
    def mark_false_positive(self, request, queryset):
        return self._review(
            request,
            queryset,
            service=screening_hit_dismiss,
            title="Mark as false positive",
            done="marked as false positive",
        )
