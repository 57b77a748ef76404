"""The project's URLconf: every app's pages, webhooks and API routes, included by name
here, where the project is allowed to know every app (the apps do not know each other's
URLs beyond `reverse()`)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# `/api/v1/`: one `api` namespace over the core's routes and each app's.
api_patterns = (
    [
        path("", include("fintech.api.urls")),
        path("", include("payments.api.urls")),
        path("", include("banking.api.urls")),
        path("", include("compliance.api.urls")),
    ],
    "api",
)

urlpatterns = [
    path("", include("fintech.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script, so the CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Customer pages and gateway webhooks.
    path("", include("payments.urls")),
    path("", include("banking.urls")),
]

handler400 = "fintech.views.errors.bad_request"
handler403 = "fintech.views.errors.permission_denied"
handler404 = "fintech.views.errors.page_not_found"
handler500 = "fintech.views.errors.server_error"
