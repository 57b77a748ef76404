"""The Celery app. Broker and result backend come from settings (Redis, REDIS_URL).

The app keeps the product's name, "fintech": it would prefix the name of a task declared
without `name=`. Every task names itself (`payments.submit_payment`...), and outbox rows
store those names, so moving this module changed no task's name.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("fintech")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Imported for their signal receivers: request id propagation into tasks (the core's
# request context), and pool processes apart from a supervisor's process-group signal.
from config import celery_pool  # noqa: E402,F401
from fintech import celery_context  # noqa: E402,F401
