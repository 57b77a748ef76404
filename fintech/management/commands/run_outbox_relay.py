"""The outbox relay (docs/outbox.md). Run several to scale: they share the queue through
SKIP LOCKED and never send a row twice while both are alive."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from fintech.outbox.relay import BATCH_SIZE, IDLE_SECONDS, OutboxRelay


class Command(BaseCommand):
    help = "Send committed outbox messages to Celery and the Redis streams until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument(
            "--idle-ms", type=int, default=int(IDLE_SECONDS * 1000), help="how often an empty outbox is looked at again"
        )

    def handle(self, *args, batch_size: int, idle_ms: int, **options):
        stop = threading.Event()
        # A stop lets the batch in hand commit (or roll back) first: nothing is half-marked.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write(f"outbox relay: batches of {batch_size}, idle poll {idle_ms} ms")
        OutboxRelay(batch_size=batch_size).run(stop, idle_seconds=idle_ms / 1000)
