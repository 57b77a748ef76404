"""The container's liveness probe: GET /healthz on the local web process.

Sends the first allowed host as Host, so the probe also works if the request ever goes
through the full stack; any answer but 200, or none within the timeout, is unhealthy.
Standard library only: it runs in the image's own interpreter, with nothing to install.
"""

import http.client
import os
import sys

port = os.environ.get("WEB_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".") or "localhost"
connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=4)
try:
    connection.request("GET", "/healthz", headers={"Host": host})
    sys.exit(0 if connection.getresponse().status == 200 else 1)
except OSError:
    sys.exit(1)
