from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from banking.api.serializers import (
    BankAccountSerializer,
    TransferCreateSerializer,
    TransferRefusedSerializer,
    TransferSerializer,
)
from banking.models import BankAccount
from banking.selectors import bank_accounts_visible_to, transfers_visible_to
from banking.services.transfers import transfer_initiate
from fintech.api.pagination import StableCursorPagination
from fintech.models import Customer


class NewestFirst(StableCursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(summary="List linked bank accounts", tags=["banking"]),
    retrieve=extend_schema(summary="A linked bank account", tags=["banking"]),
)
class BankAccountViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's linked accounts (staff with the view permission: all). Masks only."""

    serializer_class = BankAccountSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return bank_accounts_visible_to(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List transfers", tags=["banking"]),
    retrieve=extend_schema(summary="A transfer with its pre-flight checks", tags=["banking"]),
    create=extend_schema(
        summary="Request a transfer",
        tags=["banking"],
        request=TransferCreateSerializer,
        responses={
            201: TransferSerializer,
            400: OpenApiResponse(description="Invalid request"),
            422: OpenApiResponse(
                TransferRefusedSerializer,
                description="A pre-flight check refused the transfer; each failed "
                "check is named (funds, limits, owner name, ...)",
            ),
        },
    ),
)
class TransferViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TransferSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return transfers_visible_to(user=self.request.user)

    def create(self, request, *args, **kwargs):
        customer = Customer.objects.filter(user=request.user).first()
        if customer is None:
            raise PermissionDenied("Only a customer can request a transfer.")
        accounts = BankAccount.objects.filter(item__customer=customer)
        serializer = TransferCreateSerializer(data=request.data, accounts=accounts)
        serializer.is_valid(raise_exception=True)
        transfer = transfer_initiate(customer=customer, actor=request.user, **serializer.validated_data)
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)
