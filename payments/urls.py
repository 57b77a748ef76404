from django.urls import path

from payments import checkout, views
from payments.webhooks import braintree_webhook, stripe_webhook

app_name = "payments"

urlpatterns = [
    path("webhooks/stripe/", stripe_webhook, name="stripe-webhook"),
    path("webhooks/braintree/", braintree_webhook, name="braintree-webhook"),
    path("payments/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("payments/checkout/", checkout.checkout, name="checkout"),
    path("payments/checkout/braintree/", checkout.pay_braintree, name="pay-braintree"),
    path("payments/<int:pk>/pay/", checkout.pay_stripe, name="pay-stripe"),
]
