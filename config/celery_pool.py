"""Prefork pool processes in their own process group.

A supervisor that stops the worker by signalling its whole process group (honcho and
foreman on Ctrl-C, supervisord's `killasgroup`) would otherwise SIGTERM the pool
processes directly, in the middle of their tasks, and billiard logs each as an ERROR
("exited with signal 15"). Apart, only the main process gets the signal: its warm
shutdown lets running tasks finish and closes the pool itself. Billiard supports
group-leader pool processes (a hard time limit kills the process's whole group), and a
pool process whose main process dies exits when its task pipe closes.
"""

from __future__ import annotations

import os

from celery.signals import worker_process_init


@worker_process_init.connect(weak=False)
def _own_process_group(**_) -> None:
    os.setpgrp()
