"""Secrets scan of every tracked file against the reviewed `.secrets.baseline`.

  python .ci/secrets_baseline.py --check    exit 1 naming every finding not in the baseline (CI)
  python .ci/secrets_baseline.py --accept   after reviewing each new finding by hand, record the
                                            current findings as reviewed non-secrets

Findings are compared by (file, hashed secret), so moving a line does not fail the check.
"""

import json
import subprocess
import sys
from pathlib import Path

BASELINE = Path(".secrets.baseline")


def scan() -> dict:
    listed = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split()  # noqa: S607
    files = [name for name in listed if name != str(BASELINE)]
    result = subprocess.run(  # noqa: S603  (our own tool, our own tracked file names)
        [str(Path(sys.executable).parent / "detect-secrets"), "scan", *files],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def keys(baseline: dict) -> set[tuple[str, str]]:
    return {(name, f["hashed_secret"]) for name, found in baseline["results"].items() for f in found}


def main() -> int:
    current = scan()
    if "--accept" in sys.argv:
        for findings in current["results"].values():
            for finding in findings:
                finding["is_secret"] = False
        BASELINE.write_text(json.dumps(current, indent=2) + "\n")
        print(len(keys(current)), "findings recorded in", BASELINE)
        return 0
    reviewed = keys(json.loads(BASELINE.read_text()))
    new = sorted(keys(current) - reviewed)
    for name, _ in new:
        lines = [f["line_number"] for f in current["results"][name]]
        print(f"possible secret in {name} (lines {lines}): not in {BASELINE}")
    print(f"secrets scan: {len(new)} new finding(s)")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
