"""`make bench`: run every benchmark module and write var/bench/report.{json,md}.

Each module in BENCHMARKS has `run() -> list[dict]`, each dict a figure:
`{"name", "value", "unit", "target" (text, optional), "met" (bool or None)}`.
Benchmarks use the PostgreSQL database named by DATABASE_URL, migrated first: `make bench`
hands them a new, empty one of the embedded engine when DATABASE_URL is not set.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

BENCHMARKS = [
    "bench.audit_chain",
    "bench.ledger",
    "bench.screening",
    "bench.monitoring",
    "bench.webhooks",
    "bench.reconciliation",
    "bench.case_queue",
    "bench.outbox_latency",
]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Measured as production runs: without DEBUG, which keeps every SQL statement with its
    # parameters in memory (the development default). The processes a benchmark starts
    # (gunicorn, AML consumers, the reconciling child) inherit it.
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)

    out_dir = Path(settings.VAR_DIR) / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])
    report = {
        "database": f"PostgreSQL {connection.pg_version // 10000}",
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": {},
    }
    for name in BENCHMARKS:
        if only and name.split(".")[-1] not in only:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        started = time.perf_counter()
        figures = module.run()
        report["results"][name] = {"seconds": round(time.perf_counter() - started, 1), "figures": figures}
        for figure in figures:
            verdict = {True: "MET", False: "MISSED", None: ""}[figure.get("met")]
            print(
                f"{name:<24} {figure['name']:<48} {figure['value']!s:>12} {figure.get('unit', '')}"
                f"   target {figure.get('target', '-')}  {verdict}"
            )
    (out_dir / "report.json").write_text(json.dumps(report, indent=2))
    lines = [
        f"# Benchmark report ({report['database']}, {report['machine']}, {report['started']})",
        "",
        "| benchmark | figure | value | unit | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for name, result in report["results"].items():
        for f in result["figures"]:
            met = {True: "yes", False: "**no**", None: ""}[f.get("met")]
            lines.append(
                f"| {name} | {f['name']} | {f['value']} | {f.get('unit', '')} | {f.get('target', '')} | {met} |"
            )
    (out_dir / "report.md").write_text("\n".join(lines) + "\n")
    print(f"report written to {out_dir / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
