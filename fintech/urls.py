"""The core's pages: customer accounts (sign-up, sign-in, password reset), the customer
dashboard and the health probes. The project's URLconf (config/urls.py) includes them."""

from django.urls import include, path

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
    path("accounts/", include(accounts_patterns)),
    path("dashboard/", include(customer_patterns)),
]
