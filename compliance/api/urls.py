from django.urls import path

from compliance.api.views import AlertListView, ScreeningView

urlpatterns = [
    path("screenings/", ScreeningView.as_view(), name="screenings"),
    path("alerts/", AlertListView.as_view(), name="alerts"),
]
