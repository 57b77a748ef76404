"""gunicorn settings of the web process (used by the Procfile and by `make bench`).

The master loads the name-analysis data before it forks the workers (`when_ready`); each worker
freezes its imported heap out of the garbage collector (`post_worker_init`).

WEB_BIND, WEB_CONCURRENCY, WEB_THREADS and WEB_ACCESS_LOG are defined, with their defaults,
in config/setting_definitions.py (docs/configuration.md lists them).

Access lines are written by fintech.access_log.AccessLogger: the combined format plus
the time taken and the request id.
"""

import os

from config.setting_definitions import settings_from_environment

_web = settings_from_environment(os.environ, names=["WEB_BIND", "WEB_CONCURRENCY", "WEB_THREADS", "WEB_ACCESS_LOG"])

bind = _web["WEB_BIND"]
workers = _web["WEB_CONCURRENCY"]
worker_class = "gthread"
threads = _web["WEB_THREADS"]
keepalive = 30
graceful_timeout = 5
accesslog = _web["WEB_ACCESS_LOG"] or None
logger_class = "fintech.access_log.AccessLogger"


def when_ready(server):
    """Sign-up screens the customer's name in its request, and the first name analysed in a process
    loads rigour's reference data: seconds on an idle machine, over 30 on a busy one, where gunicorn's
    worker timeout then kills the first customer's sign-up. Loaded here, in the master, once the
    port is bound and before any worker forks, every worker starts with it in memory."""
    from compliance.screening.names import INDIVIDUAL, analyse

    analyse("Warm Up", INDIVIDUAL, is_query=True)


def post_worker_init(worker):
    """Move everything the worker loaded (Django, the apps, their libraries: a few
    hundred thousand objects) out of the cyclic garbage collector's generations, once
    the application is imported. The collector then walks only what requests allocate,
    instead of the whole heap on every full collection.
    The objects stay alive as before; this is what `gc.freeze` exists for.
    The sanctions name index (hundreds of thousands of long-lived objects) is built
    first, so it is frozen with them; library code never touches the collector."""
    import gc
    import logging

    try:
        from compliance.screening.selectors import current_name_index

        current_name_index()
    except Exception:  # noqa: BLE001 - no database yet (migrations pending): the first screening builds it
        logging.getLogger(__name__).warning("screening index not built at start-up", exc_info=True)
    finally:
        from django.db import connections

        connections.close_all()  # the worker's threads open their own
    gc.freeze()
