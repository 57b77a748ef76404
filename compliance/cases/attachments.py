"""Evidence attachments: checked (size, declared and actual type), encrypted with the project's
AES-256-GCM key ring, and bound to their case and digest so a ciphertext moved to another
case (or altered) does not open. Upload and download are audited."""

from __future__ import annotations

import hashlib

from django.db import transaction

from compliance import conf
from compliance.cases.models import Case, CaseAttachment
from compliance.cases.services import TRIAGE_PERM, CasePermissionError, require_perm
from fintech.crypto import key_ring
from fintech.errors import DomainError
from fintech.services.audit import audit_event_record

VIEW_PERM = "compliance.view_caseattachment"
# Content type -> a check of the file's first bytes: the declared type must match the content.
MAGIC = {
    "application/pdf": lambda head: head.startswith(b"%PDF-"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "text/plain": lambda head: _is_text(head),
    "text/csv": lambda head: _is_text(head),
}


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a multi-byte character cut at the end of the sample
    return True


def _associated_data(case_id: int, sha256: str) -> bytes:
    return f"compliance_caseattachment:{case_id}:{sha256}".encode()


def attachment_check(*, data: bytes, content_type: str) -> None:
    limit = conf.attachment_max_bytes()
    if not data:
        raise DomainError("The file is empty.")
    if len(data) > limit:
        raise DomainError(f"The file is larger than {limit} bytes.")
    content_type = content_type.split(";")[0].strip().lower()
    if content_type not in conf.attachment_types() or content_type not in MAGIC:
        raise DomainError(f"Files of type {content_type or 'unknown'} are not accepted.")
    if not MAGIC[content_type](data[:2048]):
        raise DomainError(f"The file's content is not {content_type}.")


@transaction.atomic
def case_attachment_add(case: Case, *, actor, filename: str, content_type: str, data: bytes) -> CaseAttachment:
    require_perm(actor, TRIAGE_PERM, "attach evidence to cases")
    attachment_check(data=data, content_type=content_type)
    digest = hashlib.sha256(data).hexdigest()
    ciphertext = key_ring().encrypt(data, associated_data=_associated_data(case.pk, digest))
    attachment = CaseAttachment.objects.create(
        case=case,
        uploaded_by=actor,
        filename=(filename or "evidence")[-200:],
        content_type=content_type.split(";")[0].strip().lower(),
        size=len(data),
        sha256=digest,
        content=ciphertext,
    )
    audit_event_record(
        action="compliance.case.attachment_added",
        actor=actor,
        target=case,
        after={
            "attachment_id": attachment.pk,
            "filename": attachment.filename,
            "size": attachment.size,
            "sha256": digest,
        },
    )
    return attachment


@transaction.atomic
def case_attachment_open(attachment: CaseAttachment, *, actor) -> bytes:
    """The plaintext, for someone allowed to read case evidence; the download is audited."""
    if actor is None or not actor.is_active or not actor.has_perm(VIEW_PERM):
        raise CasePermissionError("You may not read case evidence.")
    data = key_ring().decrypt(
        attachment.content, associated_data=_associated_data(attachment.case_id, attachment.sha256)
    )
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise DomainError("The attachment failed its integrity check.")
    audit_event_record(
        action="compliance.case.attachment_downloaded",
        actor=actor,
        target_type="compliance.Case",
        target_id=str(attachment.case_id),
        after={"attachment_id": attachment.pk, "filename": attachment.filename},
    )
    return data
