"""Public data the demo (`manage.py seed_demo`), the tests and the benchmarks load.

`ofac_sdn/`: the OFAC SDN list in its legacy CSV format, release of July 2021 (US Treasury,
public domain), gzip-compressed as published. It is the demo's sanctions list, never a
production one: production imports the current list with `import_sanctions_list`.
Source and licence of each file: docs/development.md.
"""

from pathlib import Path

OFAC_SDN_DIR = Path(__file__).resolve().parent / "ofac_sdn"
OFAC_SDN_SOURCE = "OFAC SDN list, July 2021 release (demo data kept in the repository)"
