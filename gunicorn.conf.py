"""gunicorn settings of the web process (used by the Procfile and by `make bench`).

The master loads the name-analysis data before it forks the workers (`when_ready`); each worker
freezes its imported heap out of the garbage collector (`post_worker_init`).

WEB_BIND           address to listen on (default 127.0.0.1:8000)
WEB_CONCURRENCY    worker processes (default: 2)
WEB_THREADS        threads per worker (default 4)
WEB_ACCESS_LOG     where access log lines go: "-" (stdout, the default) or a path; empty: none

Access lines are written by fintech.access_log.AccessLogger: the combined format plus
the time taken and the request id.
"""

import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = 30
graceful_timeout = 5
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
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
