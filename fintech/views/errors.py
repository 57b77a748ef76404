"""Error pages: JSON with the API's error shape under /api/ (and /webhooks/), Django's
pages elsewhere. URL-level errors (no route matched) never reach DRF's handler."""

from django.http import JsonResponse
from django.views import defaults

_MACHINE_PREFIXES = ("/api/", "/webhooks/")


def _wants_json(request) -> bool:
    return request.path.startswith(_MACHINE_PREFIXES)


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"error": "bad_request", "detail": "Malformed request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"error": "permission_denied", "detail": "Not allowed."}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"error": "not_found", "detail": "No such resource."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"error": "server_error", "detail": "Internal error; it has been logged."}, status=500)
    return defaults.server_error(request)
