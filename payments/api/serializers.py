from __future__ import annotations

from rest_framework import serializers

from fintech.api.serializers import AmountWithinMaximum
from fintech.money import AMOUNT_CEILING, CURRENCY_CHOICES
from payments.models import Payment, Refund


class MinorUnitsField(serializers.IntegerField):
    """A JSON integer of minor units, nothing else: no strings, no floats, no booleans;
    never above the ceiling of any currency (the currency's own maximum is checked by
    the serializer that knows the currency)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", AMOUNT_CEILING)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ("id", "payment", "amount", "currency", "status", "gateway_reference", "reason", "created_at")
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = (
            "id",
            "amount",
            "currency",
            "amount_refunded",
            "status",
            "gateway",
            "gateway_reference",
            "created_at",
            "updated_at",
            "refunds",
        )
        read_only_fields = fields


class RefundRequestSerializer(serializers.Serializer):
    amount = MinorUnitsField(min_value=1, required=False, help_text="Minor units; all that is left if omitted.")
    reason = serializers.CharField(max_length=200, allow_blank=True, default="")
    idempotency_key = serializers.CharField(
        max_length=100, help_text="Yours: the same key on the same payment is the same refund."
    )


class PaymentCreateSerializer(AmountWithinMaximum, serializers.Serializer):
    amount = MinorUnitsField(
        min_value=1,
        help_text="Minor units (1250 is 12.50 USD); at most the currency's "
        "business maximum (1,000,000.00 EUR, GBP or USD).",
    )
    currency = serializers.ChoiceField(choices=[code for code, _ in CURRENCY_CHOICES], help_text="ISO 4217.")
