"""`make eval`: accuracy evaluations on public labelled data, written to var/eval/report.{json,md}.

A report is a list of sections. Each module in SECTIONS has `section() -> Section`;
a new evaluation (AML monitoring, say) adds its module to SECTIONS and nothing else.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = ["bench.eval.name_bench", "bench.eval.monitoring"]


@dataclass
class Section:
    """One evaluation: its figures (JSON-ready) and the same told in Markdown."""

    key: str
    title: str
    figures: dict
    markdown: list[str] = field(default_factory=list)


def report_write(sections: list[Section], out_dir: Path) -> dict:
    """Write report.json and report.md for these sections; return the JSON document."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sections": {section.key: {"title": section.title, **section.figures} for section in sections},
    }
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    lines = [f"# Evaluation report ({report['machine']}, {report['started']})", ""]
    for section in sections:
        lines += [f"## {section.title}", "", *section.markdown, ""]
    (out_dir / "report.md").write_text("\n".join(lines))
    return report


def markdown_table(header: list[str], rows: list[list]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
    ]
