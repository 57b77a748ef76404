"""Sanctions screening: a party's name against the current lists, and the hits it raises.

- The matcher, pure computation over names (no writes): `names.py` (analysis on `rigour`),
  `index.py` (the in-memory index of the current snapshots), `matcher.py` (explainable scores).
- `services.py`: THE ONE DOOR for every other app — `screen_party` (screen a name; given a
  party, record new matches as pending hits), `party_is_blocked`, `customer_screen`.
- `models.py` (`ScreeningHit`), `review.py` (an officer confirms or dismisses a hit),
  `rescreen.py` (every customer after a list import), `selectors.py` (the name index, a
  party's hits).
- `signals.py` (`screening_hit_confirmed`, which cases listen to, so screening never imports
  cases), `receivers.py` (screening at sign-up and profile change), `admin.py`, `api.py`
  (the partner API's name screening).

It reads the lists (compliance.lists) and writes only hits and the customers' freeze. It
imports neither monitoring nor cases (an import-linter contract): monitoring screens the
parties of imported transactions through the door like any other caller.
"""
