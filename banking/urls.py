from django.urls import path

from banking import views
from banking.webhooks import plaid_webhook

app_name = "banking"

urlpatterns = [
    path("webhooks/plaid/", plaid_webhook, name="plaid-webhook"),
    path("bank/", views.bank_page, name="bank"),
    path("bank/link/complete/", views.link_complete, name="link-complete"),
]
