"""Forms of the case page. Every mutating form asks for a reason (except comment and upload)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from compliance.cases.models import Case, CaseDecision

REASON = {
    "widget": forms.Textarea(attrs={"rows": 2, "cols": 60}),
    "max_length": 2000,
    "help_text": "Required: it goes into the case history and the audit trail.",
}


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(choices=Case.State.choices, label="Move to")
    reason = forms.CharField(**REASON)

    def __init__(self, *args, allowed: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed is not None:
            self.fields["to_state"].choices = [(s, Case.State(s).label) for s in allowed]


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="(unassigned)"
    )
    reason = forms.CharField(**REASON)

    def __init__(self, *args, assignees=None, **kwargs):
        super().__init__(*args, **kwargs)
        if assignees is not None:
            self.fields["assignee"].queryset = assignees


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=10_000, label="Comment")


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Evidence file")


class ProposeForm(forms.Form):
    kind = forms.ChoiceField(choices=CaseDecision.Kind.choices, label="Propose")
    reason = forms.CharField(**REASON)


class DecideForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = forms.CharField(**REASON)

    def __init__(self, *args, withdraw_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if withdraw_only:  # the proposer may withdraw, never approve (four eyes)
            self.fields["verdict"].choices = [("reject", "Withdraw")]


class SarEditForm(forms.Form):
    amount_total = forms.IntegerField(min_value=0, help_text="Minor units (cents).")
    currency = forms.CharField(max_length=3, min_length=3)
    activity_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    activity_to = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    narrative = forms.CharField(widget=forms.Textarea(attrs={"rows": 24, "cols": 100}), max_length=20_000)

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()


class SarFileForm(forms.Form):
    bsa_id = forms.CharField(max_length=32, label="BSA ID", help_text="The BSA ID FinCEN returned for the filing.")
    filed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Filing date")
    reason = forms.CharField(**REASON)
