"""A consumer of the `transactions` stream in the `aml` group. Run more processes to scale."""

from __future__ import annotations

import gc
import os
import signal
import socket

from django.conf import settings
from django.core.management.base import BaseCommand

from compliance.monitoring.stream import EventStream


class Command(BaseCommand):
    help = "Consume monitoring events from the Redis stream until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--name", default=f"{socket.gethostname()}-{os.getpid()}")
        parser.add_argument("--count", type=int, default=500)
        parser.add_argument("--block-ms", type=int, default=2000)

    def handle(self, *args, name: str, count: int, block_ms: int, **options):
        stream = EventStream.from_url(settings.REDIS_URL)
        stream.ensure_group()
        running = True

        def stop(signum, frame):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"consumer {name} on {stream.stream}/{stream.group}")
        # The objects of start-up (Django, numpy, pandas) live as long as the process: taking them out of
        # the cyclic collector keeps its full passes short while batches allocate (about 15% of the CPU).
        gc.freeze()
        while running:
            stream.consume_once(name, count=count, block_ms=block_ms)
