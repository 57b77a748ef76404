"""The Celery app. Broker and result backend come from settings (Redis, REDIS_URL)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fintech.settings")

app = Celery("fintech")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from fintech import celery_context  # noqa: E402,F401  (request id propagation into tasks)
