"""The sandbox keeps its state across restarts (var/sandbox/*.pickle), so the payments
`seed_demo` made still exist at the fakes when `make run` serves them: a refund, a
reconciliation run or a sync finds the objects it refers to."""

from __future__ import annotations

import pickle  # nosec B403 - our own files under var/, written by this module only
from pathlib import Path

KEPT = {
    "FakeStripeServer": ("objects", "payout_members", "pricing"),
    "FakeBraintreeServer": ("transactions", "customers", "payment_methods", "disputes", "_nonces", "_used"),
    "FakePlaidServer": ("items", "public_tokens", "transfers", "transfer_events"),
}


def state_save(server, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with server._lock:
        data = {name: getattr(server, name) for name in KEPT[type(server).__name__]}
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps(data))
    temporary.replace(path)


def state_load(server, path: Path) -> None:
    if not path.exists():
        return
    data = pickle.loads(path.read_bytes())  # noqa: S301  # nosec B301 - written by state_save
    with server._lock:
        for name in KEPT[type(server).__name__]:
            if name in data:
                setattr(server, name, data[name])
