"""Liveness answered before anything reads the Host header.

A load balancer or an orchestrator probes each web task at its own private address
(`Host: 10.0.3.17:8000`), which is not, and should not be, in ALLOWED_HOSTS: through the
full stack that probe would get a 400 and the task would be killed as unhealthy. This
middleware answers `GET /healthz` itself, checking nothing and naming nothing, so the
probe says only "this process serves requests". `/readyz` still goes through the full
stack (it touches the database and the broker, so it keeps the host check).
"""

from __future__ import annotations

from django.http import JsonResponse

LIVENESS_PATH = "/healthz"


class LivenessProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == LIVENESS_PATH and request.method in ("GET", "HEAD"):
            return JsonResponse({"status": "ok"})
        return self.get_response(request)
