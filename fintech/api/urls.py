"""The core's routes of `/api/v1/`; the project's URLconf (config/urls.py) includes them
beside each app's `api.urls`, under the one `api` namespace."""

from django.urls import path

from fintech.api.views import WhoAmIView

urlpatterns = [path("me/", WhoAmIView.as_view(), name="me")]
