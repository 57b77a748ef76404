"""gunicorn settings of the web process (used by the Procfile and by `make bench`).

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
