from django.urls import path

from compliance.api.views import ScreeningView

urlpatterns = [path("screenings/", ScreeningView.as_view(), name="screenings")]
