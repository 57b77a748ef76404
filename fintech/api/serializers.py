from rest_framework import serializers

from fintech.models import Customer
from fintech.money import MoneyError, amount_check_maximum


class CustomerProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ("external_id", "legal_name", "email", "entity_type", "country", "status", "created_at")
        read_only_fields = fields


class WhoAmISerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    client = serializers.CharField(allow_null=True)
    customer = CustomerProfileSerializer(allow_null=True)


class AmountWithinMaximum:
    """Serializer mixin: `amount` (minor units) within `currency`'s business maximum
    (fintech.money.BUSINESS_MAXIMUM_MAJOR), a 400 on the amount otherwise."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        try:
            amount_check_maximum(attrs["amount"], attrs["currency"])
        except MoneyError as exc:
            raise serializers.ValidationError({"amount": [str(exc)]}) from exc
        return attrs
