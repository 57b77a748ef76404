from django.urls import path

from payments.api import views

urlpatterns = [
    path("payments/", views.PaymentListView.as_view(), name="payment-list"),
    path("payments/<int:pk>/", views.PaymentDetailView.as_view(), name="payment-detail"),
    path("payments/<int:pk>/refunds/", views.PaymentRefundView.as_view(), name="payment-refund"),
]
