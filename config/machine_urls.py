"""The URLconf of the machine endpoints (config/machine_handler.py).

Only the apps' own URLconfs, where their webhook endpoints are, with the site's error
views: a delivery is resolved against a dozen patterns instead of the whole site's
(admin, API, schema, pages), which was about a twentieth of its CPU in the web process.
A path under a machine prefix that is not a webhook still gets the JSON 404.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("payments.urls")),
    path("", include("banking.urls")),
]

handler400 = "fintech.views.errors.bad_request"
handler403 = "fintech.views.errors.permission_denied"
handler404 = "fintech.views.errors.page_not_found"
handler500 = "fintech.views.errors.server_error"
