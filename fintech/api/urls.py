"""`/api/v1/`: each app adds its routes here (the core imports no app: it includes
each app's `api.urls` module by name, when the app has one)."""

from importlib.util import find_spec

from django.urls import include, path

from fintech.api.views import WhoAmIView

app_name = "api"

urlpatterns = [path("me/", WhoAmIView.as_view(), name="me")]
for app in ("payments", "banking", "compliance"):
    if find_spec(f"{app}.api") and find_spec(f"{app}.api.urls"):
        urlpatterns.append(path("", include(f"{app}.api.urls")))
