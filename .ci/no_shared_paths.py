"""Fails when code, tests, the Makefile or CI refer to `../shared` (or SHARED_DIR, or `shared/external`).

A clone of the project has no `../shared` beside it: whatever the product, its tests and its
benchmarks read must be in the repository (tests/data/, compliance/demo_data/). Markdown is not
checked (the docs may say where data came from). Scans every file git tracks or would track.

    python .ci/no_shared_paths.py
"""

import re
import subprocess  # nosec B404 - runs git with fixed arguments
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATTERN = re.compile(rb"\.\./shared|SHARED_DIR|shared/external")


def main() -> int:
    listing = subprocess.run(  # noqa: S603  # nosec B603 B607 - fixed arguments
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    found = []
    for name in sorted({n.decode() for n in listing.split(b"\0") if n}):
        path = ROOT / name
        if path.suffix == ".md" or path == Path(__file__).resolve() or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8000]:
            continue  # binary (compressed data)
        for number, line in enumerate(data.splitlines(), start=1):
            if PATTERN.search(line):
                found.append(f"{name}:{number}: {line.decode('utf-8', 'replace').strip()}")
    if found:
        print("These lines read outside the repository (../shared is not there in a clone):", *found, sep="\n  ")
        return 1
    print("no reference to ../shared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
