"""Where the public reference data lives: `../shared/external/` beside the checkout
(override with SHARED_DIR)."""

import os
from pathlib import Path

SHARED_DIR = Path(os.environ.get("SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
EXTERNAL = SHARED_DIR / "external"
