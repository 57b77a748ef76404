from importlib.util import find_spec

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from fintech.views import accounts, customers, health

accounts_patterns = (
    [
        path("signup/", accounts.sign_up, name="signup"),
        path("signup/done/", accounts.sign_up_done, name="signup_done"),
        path("confirm/<uidb64>/<token>/", accounts.confirm_address, name="confirm"),
        path("password-reset/", accounts.CustomerPasswordResetView.as_view(), name="password_reset"),
        path("password-reset/done/", accounts.CustomerPasswordResetDoneView.as_view(), name="password_reset_done"),
        path(
            "reset/<uidb64>/<token>/",
            accounts.CustomerPasswordResetConfirmView.as_view(),
            name="password_reset_confirm",
        ),
        path("login/", accounts.CustomerLoginView.as_view(), name="login"),
        path("logout/", accounts.CustomerLogoutView.as_view(), name="logout"),
    ],
    "accounts",
)
customer_patterns = ([path("", customers.dashboard, name="dashboard")], "customers")

urlpatterns = [
    path("", customers.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include(accounts_patterns)),
    path("dashboard/", include(customer_patterns)),
    path("api/v1/", include("fintech.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script, so the CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

# Each app's customer pages and webhook endpoints, included by name so that the core
# imports no app module.
for app in ("payments", "banking", "compliance"):
    if find_spec(f"{app}.urls"):
        urlpatterns.append(path("", include(f"{app}.urls")))

handler400 = "fintech.views.errors.bad_request"
handler403 = "fintech.views.errors.permission_denied"
handler404 = "fintech.views.errors.page_not_found"
handler500 = "fintech.views.errors.server_error"
