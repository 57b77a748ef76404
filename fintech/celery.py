"""The Celery app. Broker and result backend come from settings (Redis, REDIS_URL)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fintech.settings")

app = Celery("fintech")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Imported for their signal receivers: request id propagation into tasks, and pool
# processes apart from a supervisor's process-group signal.
from fintech import celery_context, celery_pool  # noqa: E402,F401
