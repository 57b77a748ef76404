from django.urls import path

from payments import views
from payments.webhooks import stripe_webhook

app_name = "payments"

urlpatterns = [
    path("webhooks/stripe/", stripe_webhook, name="stripe-webhook"),
    path("payments/<int:pk>/receipt/", views.receipt, name="receipt"),
]
