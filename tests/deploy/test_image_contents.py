"""The image's allow-list (.dockerignore) holds every package of the project that the
product imports when it starts, and none of the development-only trees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter, as a process of the image starts: settings, every app, the
# URLs (which import the views) and the Celery app (which imports every tasks module).
_LOADED_PACKAGES = """
import json, sys, django
from pathlib import Path
django.setup()
import config.urls, config.celery
config.celery.app.loader.import_default_modules()
root = Path.cwd().resolve()
# The virtualenv may live inside the checkout (make's .venv): installed packages are not ours.
environment = Path(sys.prefix).resolve()
names = set()
for module in list(sys.modules.values()):
    path = getattr(module, "__file__", None)
    if path and Path(path).resolve().is_relative_to(root) and not Path(path).resolve().is_relative_to(environment):
        names.add(Path(path).resolve().relative_to(root).parts[0])
print(json.dumps(sorted(names)))
"""


def _allowed() -> set[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return {line[1:].rstrip("/") for line in lines if line.startswith("!")}


def test_every_package_the_product_loads_is_in_the_image():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "VAR_DIR": str(ROOT / "var"),
    }
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", _LOADED_PACKAGES],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    )

    assert {"config", "fintech", "ledger", "payments", "banking", "compliance", "sandbox"} <= set(loaded)
    assert set(loaded) - _allowed() == set()


def test_the_image_leaves_out_tests_tools_and_local_state():
    assert _allowed().isdisjoint({"tests", "tools", "bench", "loadtest", "docs", "var", ".venv", ".git", ".env"})
    assert "*" in (ROOT / ".dockerignore").read_text().splitlines()  # everything not allowed is left out
