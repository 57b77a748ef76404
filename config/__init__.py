"""The project package: settings, URLs, the WSGI/ASGI entries and the Celery app, nothing
else. Domain code lives in the apps (`fintech` the core, `ledger`, `payments`, `banking`,
`compliance`); this package may import any of them and none of them imports it
(pyproject.toml, import-linter).

The Celery app is created here, on import of the settings' package, so `@shared_task`
binds every app's tasks to it in every process (web, worker, beat, relay, tests).
"""

from config.celery import app as celery_app

__all__ = ["celery_app"]
