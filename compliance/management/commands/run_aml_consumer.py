"""A consumer of the `transactions` stream in the `aml` group. Run more processes to scale."""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import time

import redis
from django.conf import settings
from django.core.management.base import BaseCommand

from compliance.monitoring.stream import EventStream

logger = logging.getLogger(__name__)

# Redis unreachable: wait this long before trying again, doubling up to the cap. The events
# wait on the stream (or in the outbox, while the relay cannot send), so nothing is lost.
RETRY_FIRST_S, RETRY_CAP_S = 0.2, 5.0


class Command(BaseCommand):
    help = "Consume monitoring events from the Redis stream until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--name", default=f"{socket.gethostname()}-{os.getpid()}")
        parser.add_argument("--count", type=int, default=500)
        parser.add_argument("--block-ms", type=int, default=2000)

    def handle(self, *args, name: str, count: int, block_ms: int, **options):
        stream = EventStream.from_url(settings.REDIS_URL)
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
        group_ready, wait = False, RETRY_FIRST_S
        while running:
            try:
                if not group_ready:  # at start, and after an outage (a restarted Redis may have lost it)
                    stream.ensure_group()
                    group_ready, wait = True, RETRY_FIRST_S
                stream.consume_once(name, count=count, block_ms=block_ms)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                logger.warning("Redis unreachable, consumer %s retries in %.1f s: %s", name, wait, exc)
                group_ready = False
                time.sleep(wait)
                wait = min(wait * 2, RETRY_CAP_S)
