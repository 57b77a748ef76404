"""Refresh .secrets.baseline, keeping earlier verdicts (is_secret) and marking nothing new.

Run after reviewing every new finding by hand: `python .ci/secrets_baseline.py --accept`
marks the current findings as reviewed non-secrets (development keys, test passwords).
"""

import json
import subprocess
import sys
from pathlib import Path

BASELINE = Path(".secrets.baseline")
files = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split()  # noqa: S607
scan = subprocess.run(  # noqa: S603  (our own tool, our own tracked file names)
    [".venv/bin/detect-secrets", "scan", *files], capture_output=True, text=True, check=True
)
baseline = json.loads(scan.stdout)
if "--accept" in sys.argv:
    for findings in baseline["results"].values():
        for finding in findings:
            finding["is_secret"] = False
BASELINE.write_text(json.dumps(baseline, indent=2) + "\n")
print(sum(len(v) for v in baseline["results"].values()), "findings in", BASELINE)
