from django.urls import path

from compliance.api.views import ScreeningView
from compliance.monitoring.api import AlertListView

urlpatterns = [
    path("screenings/", ScreeningView.as_view(), name="screenings"),
    path("alerts/", AlertListView.as_view(), name="alerts"),
]
