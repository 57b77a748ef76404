from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from fintech.api.pagination import StableCursorPagination
from payments.api.serializers import PaymentSerializer, RefundRequestSerializer, RefundSerializer
from payments.selectors import payment_list_visible_to
from payments.services.refunds import payment_refund


class NewestFirst(StableCursorPagination):
    ordering = ("-created_at", "-pk")


class CanRefund(BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("payments.refund_payment")


class PaymentListView(generics.ListAPIView):
    """The caller's payments (all payments for staff who may view them), newest first."""

    serializer_class = PaymentSerializer
    pagination_class = NewestFirst
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return payment_list_visible_to(user=self.request.user).prefetch_related("refunds")


class PaymentDetailView(generics.RetrieveAPIView):
    serializer_class = PaymentSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return payment_list_visible_to(user=self.request.user).prefetch_related("refunds")


class PaymentRefundView(APIView):
    """Refund a payment (Payments Operations). Idempotent per `idempotency_key`."""

    permission_classes = [IsAuthenticated, CanRefund]

    @extend_schema(request=RefundRequestSerializer, responses={201: RefundSerializer}, summary="Refund a payment")
    def post(self, request, pk: int):
        payment = generics.get_object_or_404(payment_list_visible_to(user=request.user), pk=pk)
        body = RefundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = payment_refund(
            payment=payment, amount=body.validated_data.get("amount"), reason=body.validated_data["reason"],
            actor=request.user, request_key=body.validated_data["idempotency_key"],
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
