"""The app's `/api/v1/` routes (the project includes `compliance.api.urls` by name); the views
live with their features (`monitoring/api.py`, `screening/api.py`)."""

from django.urls import path

from compliance.monitoring.api import AlertListView
from compliance.screening.api import ScreeningView

urlpatterns = [
    path("screenings/", ScreeningView.as_view(), name="screenings"),
    path("alerts/", AlertListView.as_view(), name="alerts"),
]
