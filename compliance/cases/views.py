"""The case page and its actions: thin views over the case services, mounted by CaseAdmin.get_urls
(so they sit behind the OTP admin site).

Reading needs `view_case` (Analysts, Officers, Auditors); anyone else gets 403. Every POST goes
through a service that checks the actor's permission itself; a refusal for lack of permission is
a 403, any other refusal a message on the case page. Opening the page or an export is audited.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from compliance import conf
from compliance.cases import forms
from compliance.cases.attachments import case_attachment_add, case_attachment_open
from compliance.cases.decisions import (
    approved_sar_decision,
    case_decision_approve,
    case_decision_propose,
    case_decision_reject,
)
from compliance.cases.models import Case, CaseAttachment, CaseDecision, SarDraft
from compliance.cases.page import assignable_staff, case_load, case_page_data
from compliance.cases.sar import sar_draft_generate, sar_draft_update, sar_file
from compliance.cases.sar_export import sar_as_dict, sar_as_html, sar_as_pdf
from compliance.cases.services import (
    DECIDE_PERM,
    TRIAGE_PERM,
    CasePermissionError,
    allowed_transitions,
    case_assign,
    case_comment_add,
    case_transition,
    case_viewed,
    case_was_escalated,
)
from fintech.errors import DomainError

VIEW_PERM = "compliance.view_case"


def _case_or_403(request, pk: int) -> Case:
    if not request.user.has_perm(VIEW_PERM):
        raise PermissionDenied("You may not see case data.")
    try:
        return case_load(pk)
    except Case.DoesNotExist:
        get_object_or_404(Case, pk=pk)
        raise


def _run(request, case: Case, action, done: str):
    """Call a service; permission refusals are 403, other refusals a message. Back to the case page."""
    try:
        action()
    except CasePermissionError as exc:
        raise PermissionDenied(exc.detail) from exc
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    return redirect("admin:compliance_case_page", case.pk)


def _invalid(request, case: Case, form):
    errors = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
    messages.error(request, f"Not done: {errors}")
    return redirect("admin:compliance_case_page", case.pk)


@require_GET
def case_page(request, pk: int, *, admin):
    case = _case_or_403(request, pk)
    data = case_page_data(case)
    case_viewed(case, actor=request.user)
    user = request.user
    can_triage, can_decide = user.has_perm(TRIAGE_PERM), user.has_perm(DECIDE_PERM)
    pending = next((d for d in data.decisions if d.status == CaseDecision.Status.PENDING), None)
    allowed = allowed_transitions(case, user) if can_triage or can_decide else []
    sar_approved = bool(data.sar_draft and case.state == Case.State.ESCALATED and approved_sar_decision(case))
    context = {
        **admin.admin_site.each_context(request),
        "opts": Case._meta,
        "title": f"Case {case.reference}",
        "case": case,
        "data": data,
        "customer": case.customer,
        "can_triage": can_triage,
        "can_decide": can_decide,
        "pending": pending,
        "sar": data.sar_draft,
        "was_escalated": case.is_open and case_was_escalated(case),
        "sar_approved": sar_approved and can_decide,
        "transition_form": forms.TransitionForm(allowed=allowed) if allowed else None,
        "assign_form": forms.AssignForm(assignees=assignable_staff(), initial={"assignee": case.assignee_id})
        if can_triage and case.is_open
        else None,
        "comment_form": forms.CommentForm() if can_triage else None,
        "attachment_form": forms.AttachmentForm() if can_triage else None,
        "propose_form": forms.ProposeForm()
        if can_decide and case.state == Case.State.ESCALATED and pending is None and not sar_approved
        else None,
        "decide_form": forms.DecideForm() if can_decide and pending and pending.proposed_by_id != user.pk else None,
        "withdraw_form": forms.DecideForm(withdraw_only=True)
        if can_decide and pending and pending.proposed_by_id == user.pk
        else None,
        "sar_file_form": forms.SarFileForm(),
    }
    return TemplateResponse(request, "admin/compliance/case/page.html", context)


@require_POST
def case_transition_view(request, pk: int, *, admin):
    case = _case_or_403(request, pk)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    to = form.cleaned_data["to_state"]
    return _run(
        request,
        case,
        lambda: case_transition(case, to, actor=request.user, reason=form.cleaned_data["reason"]),
        f"Case moved to {Case.State(to).label}.",
    )


@require_POST
def case_assign_view(request, pk: int, *, admin):
    case = _case_or_403(request, pk)
    form = forms.AssignForm(request.POST, assignees=assignable_staff())
    if not form.is_valid():
        return _invalid(request, case, form)
    return _run(
        request,
        case,
        lambda: case_assign(
            [case], assignee=form.cleaned_data["assignee"], actor=request.user, reason=form.cleaned_data["reason"]
        ),
        "Case assigned.",
    )


@require_POST
def case_comment_view(request, pk: int, *, admin):
    case = _case_or_403(request, pk)
    form = forms.CommentForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    return _run(
        request,
        case,
        lambda: case_comment_add(case, actor=request.user, body=form.cleaned_data["body"]),
        "Comment added.",
    )


@require_POST
def case_attach_view(request, pk: int, *, admin):
    case = _case_or_403(request, pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, case, form)
    upload = form.cleaned_data["file"]
    if upload.size > conf.attachment_max_bytes():  # refuse before reading it into memory
        messages.error(request, f"The file is larger than {conf.attachment_max_bytes()} bytes.")
        return redirect("admin:compliance_case_page", case.pk)
    return _run(
        request,
        case,
        lambda: case_attachment_add(
            case, actor=request.user, filename=upload.name, content_type=upload.content_type or "", data=upload.read()
        ),
        f"{upload.name} attached (encrypted).",
    )


@require_GET
def case_attachment_download(request, pk: int, attachment_id: int, *, admin):
    case = _case_or_403(request, pk)
    attachment = get_object_or_404(CaseAttachment, pk=attachment_id, case=case)
    try:
        data = case_attachment_open(attachment, actor=request.user)
    except CasePermissionError as exc:
        raise PermissionDenied(exc.detail) from exc
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{slugify(attachment.filename) or "evidence"}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def case_propose_view(request, pk: int, *, admin):
    case = _case_or_403(request, pk)
    form = forms.ProposeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    return _run(
        request,
        case,
        lambda: case_decision_propose(
            case, kind=form.cleaned_data["kind"], actor=request.user, reason=form.cleaned_data["reason"]
        ),
        "Proposed: a second Compliance Officer must approve.",
    )


@require_POST
def case_decide_view(request, pk: int, decision_id: int, *, admin):
    case = _case_or_403(request, pk)
    decision = get_object_or_404(CaseDecision, pk=decision_id, case=case)
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    service = case_decision_approve if form.cleaned_data["verdict"] == "approve" else case_decision_reject
    return _run(
        request,
        case,
        lambda: service(decision, actor=request.user, reason=form.cleaned_data["reason"]),
        f"Decision {form.cleaned_data['verdict']}d.",
    )


@require_POST
def sar_generate_view(request, pk: int, *, admin):
    case = _case_or_403(request, pk)
    return _run(request, case, lambda: sar_draft_generate(case, actor=request.user), "SAR draft generated.")


def sar_edit_view(request, pk: int, *, admin):
    case = _case_or_403(request, pk)
    draft = get_object_or_404(SarDraft, case=case)
    if not request.user.has_perm(DECIDE_PERM):
        raise PermissionDenied("Only a Compliance Officer edits a SAR.")
    fields = ("amount_total", "currency", "activity_from", "activity_to", "narrative")
    form = forms.SarEditForm(request.POST or None, initial={f: getattr(draft, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        return _run(
            request,
            case,
            lambda: sar_draft_update(draft, actor=request.user, changes=form.cleaned_data),
            "SAR draft saved.",
        )
    context = {
        **admin.admin_site.each_context(request),
        "opts": Case._meta,
        "case": case,
        "form": form,
        "title": f"Edit SAR draft of {case.reference}",
    }
    return TemplateResponse(request, "admin/compliance/case/sar_edit.html", context)


@require_POST
def sar_file_view(request, pk: int, *, admin):
    case = _case_or_403(request, pk)
    draft = get_object_or_404(SarDraft, case=case)
    form = forms.SarFileForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    return _run(
        request,
        case,
        lambda: sar_file(
            draft,
            actor=request.user,
            bsa_id=form.cleaned_data["bsa_id"],
            filed_on=form.cleaned_data["filed_on"],
            reason=form.cleaned_data["reason"],
        ),
        "SAR filed: the case is closed as SAR filed.",
    )


@require_GET
def sar_export_view(request, pk: int, fmt: str, *, admin):
    case = _case_or_403(request, pk)
    if not request.user.has_perm("compliance.view_sardraft"):
        raise PermissionDenied("You may not read SARs.")
    draft = get_object_or_404(SarDraft.objects.select_related("case"), case=case)
    name = f"sar-{case.reference.lower()}"
    if fmt == "json":
        response = JsonResponse(sar_as_dict(draft), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    elif fmt == "html":
        response = HttpResponse(sar_as_html(draft), content_type="text/html; charset=utf-8")
    elif fmt == "pdf":
        response = FileResponse(
            io.BytesIO(sar_as_pdf(draft)), content_type="application/pdf", as_attachment=True, filename=f"{name}.pdf"
        )
    else:
        raise Http404("Unknown export format.")
    case_viewed(case, actor=request.user, what=f"SAR export ({fmt})")
    return response
