"""A SAR draft as structured JSON, printable HTML and PDF (reportlab: pure Python, no system libs)."""

from __future__ import annotations

import io
import json
from xml.sax.saxutils import escape  # nosec B406 - escapes text we write into reportlab markup; parses nothing

from django.template.loader import render_to_string
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from compliance.cases.models import SarDraft
from fintech.money import format_money

SCHEMA = "fintech.sar-draft/1"


def sar_as_dict(draft: SarDraft) -> dict:
    case = draft.case
    return {
        "schema": SCHEMA,
        "case": {"reference": case.reference, "state": case.state, "opened_at": case.opened_at.isoformat()},
        "filing": {
            "type": "initial",
            "filed_on": draft.filed_on.isoformat() if draft.filed_on else None,
            "bsa_id": draft.bsa_id or None,
        },
        "subject": json.loads(draft.subject),
        "suspicious_activity": {
            "amount_total": {
                "minor_units": draft.amount_total,
                "currency": draft.currency,
                "display": format_money(draft.amount_total, draft.currency),
            },
            "date_from": draft.activity_from.isoformat(),
            "date_to": draft.activity_to.isoformat(),
            "categories": draft.categories,
        },
        "narrative": draft.narrative,
        "prepared": {"created_at": draft.created_at.isoformat(), "updated_at": draft.updated_at.isoformat()},
    }


def sar_as_html(draft: SarDraft) -> str:
    return render_to_string("admin/compliance/case/sar_print.html", {"sar": sar_as_dict(draft), "draft": draft})


def sar_as_pdf(draft: SarDraft) -> bytes:
    data = sar_as_dict(draft)
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=f"SAR draft {data['case']['reference']}",
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
    )
    activity, subject = data["suspicious_activity"], data["subject"]
    story = [
        Paragraph(f"Suspicious Activity Report (draft) - case {escape(data['case']['reference'])}", styles["Title"]),
        Paragraph(
            f"Filed: {data['filing']['filed_on'] or 'not yet'}; BSA ID: {data['filing']['bsa_id'] or '-'}",
            styles["Normal"],
        ),
        Spacer(1, 12),
        Paragraph("Part I - Subject information", styles["Heading2"]),
        Table(
            [[escape(k.replace("_", " ")), escape(str(v if v is not None else "-"))] for k, v in subject.items()],
            colWidths=[1.8 * inch, 4.6 * inch],
            hAlign="LEFT",
        ),
        Spacer(1, 12),
        Paragraph("Part II - Suspicious activity information", styles["Heading2"]),
        Paragraph(f"Amount involved: {escape(activity['amount_total']['display'])}", styles["Normal"]),
        Paragraph(f"Date or date range: {activity['date_from']} to {activity['date_to']}", styles["Normal"]),
        *[
            Paragraph(
                f"- {escape(c['category'])}: {escape(c['subtype'])} ({escape(', '.join(c['typologies']))})",
                styles["Normal"],
            )
            for c in activity["categories"]
        ],
        Spacer(1, 12),
        Paragraph("Part V - Narrative", styles["Heading2"]),
        *[
            Paragraph(escape(block).replace("\n", "<br/>"), styles["BodyText"])
            for block in data["narrative"].split("\n\n")
        ],
    ]
    doc.build(story)
    return buffer.getvalue()
