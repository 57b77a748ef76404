from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from fintech.api import idempotency
from fintech.api.pagination import StableCursorPagination
from fintech.api.permissions import OTP_HEADER, FreshSecondFactorForStaff
from fintech.models import Customer
from payments.api.serializers import (
    PaymentCreateSerializer,
    PaymentSerializer,
    RefundRequestSerializer,
    RefundSerializer,
)
from payments.selectors import payment_list_visible_to
from payments.services.payments import payment_request
from payments.services.refunds import payment_refund


class NewestFirst(StableCursorPagination):
    ordering = ("-created_at", "-pk")


class CanRefund(BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("payments.refund_payment")


class PaymentListView(generics.ListAPIView):
    """The caller's payments (all payments for staff who may view them), newest first;
    a customer's client creates payments here."""

    serializer_class = PaymentSerializer
    pagination_class = NewestFirst
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return payment_list_visible_to(user=self.request.user).prefetch_related("refunds")

    @extend_schema(
        request=PaymentCreateSerializer,
        parameters=[
            OpenApiParameter(
                idempotency.HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Yours, 1-100 characters: the same key and body give the same "
                "response; the same key with another body is a 409.",
            )
        ],
        responses={201: PaymentSerializer, 409: OpenApiResponse(description="Key reused with another body.")},
        summary="Create a payment",
    )
    def post(self, request):
        customer = Customer.objects.filter(user=request.user).first()
        if customer is None:
            raise PermissionDenied("Payments are created by the paying customer's own client.")

        def create() -> Response:
            body = PaymentCreateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            payment = payment_request(customer=customer, actor=request.user, **body.validated_data)
            return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

        return idempotency.idempotent(request=request, scope="payments.create", handle=create)


class PaymentDetailView(generics.RetrieveAPIView):
    serializer_class = PaymentSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return payment_list_visible_to(user=self.request.user).prefetch_related("refunds")


class PaymentRefundView(APIView):
    """Refund a payment (Payments Operations, with a fresh one-time code in `X-OTP-Code`).
    Idempotent per `idempotency_key`."""

    permission_classes = [IsAuthenticated, CanRefund, FreshSecondFactorForStaff]

    @extend_schema(
        request=RefundRequestSerializer,
        responses={201: RefundSerializer},
        summary="Refund a payment",
        parameters=[
            OpenApiParameter(
                OTP_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Staff callers: a current code from their TOTP device.",
            )
        ],
    )
    def post(self, request, pk: int):
        payment = generics.get_object_or_404(payment_list_visible_to(user=request.user), pk=pk)
        body = RefundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = payment_refund(
            payment=payment,
            amount=body.validated_data.get("amount"),
            reason=body.validated_data["reason"],
            actor=request.user,
            request_key=body.validated_data["idempotency_key"],
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
