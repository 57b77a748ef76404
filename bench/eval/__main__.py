"""`python -m bench.eval [--tune] [SECTION ...]`: run the evaluations, write var/eval/report.{json,md}.

`--tune` refits the screening name model on the tuning half of name_bench and prints
the constants to paste into `compliance/screening/matcher.py` (nothing is written).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from bench.eval import SECTIONS, report_write


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    arguments = sys.argv[1:]
    if "--tune" in arguments:
        from bench.eval.name_bench import tune

        print(tune())
        return 0
    sections = []
    for name in SECTIONS:
        if arguments and name.rsplit(".", 1)[-1] not in arguments:
            continue
        section = importlib.import_module(name).section()
        sections.append(section)
        print("\n".join([f"## {section.title}", *section.markdown, ""]))
    out_dir = Path(settings.VAR_DIR) / "eval"
    report_write(sections, out_dir)
    print(f"written {out_dir / 'report.json'} and report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
