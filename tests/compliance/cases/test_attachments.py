"""Evidence attachments: stored encrypted, opened only for those who may read case evidence."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from compliance.cases.models import CaseAttachment
from fintech.models import AuditEvent

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n" + b"secret evidence " * 50


def _upload(client, case, name="statement.pdf", data=PDF, content_type="application/pdf"):
    return client.post(
        f"/admin/compliance/case/{case.pk}/case/attach/",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        follow=True,
    )


def test_an_upload_is_stored_encrypted_and_downloads_as_plaintext(alerted_case, staff, login):
    client = login(staff, "analyst")
    _upload(client, alerted_case)
    attachment = CaseAttachment.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM compliance_caseattachment WHERE id = %s", [attachment.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1:") and b"secret evidence" not in stored.encode() and "secret" not in stored
    assert (attachment.size, attachment.content_type, attachment.uploaded_by) == (
        len(PDF),
        "application/pdf",
        staff.analyst,
    )
    response = client.get(f"/admin/compliance/case/{alerted_case.pk}/case/attachments/{attachment.pk}/")
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="compliance.case.attachment_added").exists()
    assert AuditEvent.objects.filter(action="compliance.case.attachment_downloaded", actor=staff.analyst).exists()


def test_the_auditor_downloads_but_cannot_upload_and_payments_operations_get_nothing(
    alerted_case, staff, login, client
):
    login(staff, "analyst")
    _upload(client, alerted_case)
    attachment = CaseAttachment.objects.get()
    url = f"/admin/compliance/case/{alerted_case.pk}/case/attachments/{attachment.pk}/"
    client.logout()
    login(staff, "auditor")
    assert client.get(url).content == PDF
    assert _upload(client, alerted_case).status_code == 403
    client.logout()
    login(staff, "payops")
    assert client.get(url).status_code == 403
    assert CaseAttachment.objects.count() == 1


def test_a_ciphertext_moved_to_another_case_does_not_open(alerted_case, staff, login):
    from compliance.cases.attachments import case_attachment_open
    from fintech.crypto import DecryptionError
    from tests.compliance.cases.conftest import suspicious_events
    from tests.compliance.monitoring.helpers import run
    from tests.factories import CustomerFactory

    client = login(staff, "analyst")
    _upload(client, alerted_case)
    other = CustomerFactory()
    run(suspicious_events(other), "batch")
    attachment = CaseAttachment.objects.get()
    CaseAttachment.objects.filter(pk=attachment.pk).update(case=other.cases.get())
    attachment.refresh_from_db()
    with pytest.raises(DecryptionError):
        case_attachment_open(attachment, actor=staff.analyst)


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("x.exe", b"MZ\x90\x00binary", "application/octet-stream"),  # type not accepted
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),  # declared type does not match the content
        ("empty.txt", b"", "text/plain"),
    ],
)
def test_files_of_the_wrong_type_are_refused(alerted_case, staff, login, name, data, content_type):
    client = login(staff, "analyst")
    response = _upload(client, alerted_case, name=name, data=data, content_type=content_type)
    assert response.status_code == 200
    assert not CaseAttachment.objects.exists()


def test_files_over_the_size_limit_are_refused(alerted_case, staff, login, settings):
    settings.COMPLIANCE_ATTACHMENT_MAX_BYTES = 100
    client = login(staff, "analyst")
    response = _upload(client, alerted_case)
    assert "larger than 100 bytes" in response.content.decode()
    assert not CaseAttachment.objects.exists()
