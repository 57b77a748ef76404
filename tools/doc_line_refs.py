"""Line references in the docs: `path:LINE` (`text`) says that `text` is on line LINE of
`path`. Files change under the docs, so this checks every such reference and, with
--fix, moves each to the line where its text now is (the occurrence nearest the old line).

    python -m tools.doc_line_refs docs/deploy.md          # report stale references
    python -m tools.doc_line_refs --fix docs/deploy.md    # rewrite their line numbers
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"`(?P<path>[\w./-]+):(?P<line>\d+)` \(`(?P<text>[^`]+)`\)")


def stale_references(document: str, root: Path = ROOT) -> list[str]:
    """Each reference whose file is missing, or whose line does not hold its text."""
    problems = []
    for match in REFERENCE.finditer(document):
        path, line, text = root / match["path"], int(match["line"]), match["text"]
        if not path.is_file():
            problems.append(f"{match['path']} does not exist")
            continue
        lines = path.read_text().splitlines()
        if not (1 <= line <= len(lines) and text in lines[line - 1]):
            problems.append(f"{match['path']}:{line} does not hold {text!r}")
    return problems


def fixed(document: str, root: Path = ROOT) -> str:
    def move(match: re.Match) -> str:
        path = root / match["path"]
        if not path.is_file():
            return match[0]
        found = [number for number, line in enumerate(path.read_text().splitlines(), 1) if match["text"] in line]
        if not found:
            return match[0]
        nearest = min(found, key=lambda number: abs(number - int(match["line"])))
        return f"`{match['path']}:{nearest}` (`{match['text']}`)"

    return REFERENCE.sub(move, document)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true")
    parser.add_argument("documents", nargs="+", type=Path)
    args = parser.parse_args(argv)
    problems = []
    for document in args.documents:
        if args.fix:
            document.write_text(fixed(document.read_text()))
        problems += [f"{document}: {problem}" for problem in stale_references(document.read_text())]
    print("\n".join(problems) or "every line reference holds its text")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
