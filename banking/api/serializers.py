from __future__ import annotations

from rest_framework import serializers

from banking.models import BankAccount, Transfer, TransferCheck
from fintech.api.serializers import AmountWithinMaximum
from fintech.money import AMOUNT_CEILING, MoneyError, normalise_currency


class BankAccountSerializer(serializers.ModelSerializer):
    """An account as the API shows it: the mask, never the account or routing number."""

    institution_name = serializers.CharField(source="item.institution_name", read_only=True)
    item_status = serializers.CharField(source="item.status", read_only=True)

    class Meta:
        model = BankAccount
        fields = (
            "id",
            "name",
            "official_name",
            "mask",
            "type",
            "subtype",
            "currency",
            "current_balance",
            "available_balance",
            "balances_updated_at",
            "institution_name",
            "item_status",
            "created_at",
        )
        read_only_fields = fields


class TransferCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = TransferCheck
        fields = ("name", "passed", "detail", "checked_at")
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    account_mask = serializers.CharField(source="account.mask", read_only=True)
    checks = TransferCheckSerializer(many=True, read_only=True)

    class Meta:
        model = Transfer
        fields = (
            "id",
            "reference",
            "account",
            "account_mask",
            "direction",
            "amount",
            "currency",
            "description",
            "status",
            "failure_reason",
            "idempotency_key",
            "checks",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class TransferCreateSerializer(AmountWithinMaximum, serializers.Serializer):
    account = serializers.PrimaryKeyRelatedField(queryset=BankAccount.objects.none())
    direction = serializers.ChoiceField(choices=Transfer.Direction.choices)
    amount = serializers.IntegerField(
        min_value=1, max_value=AMOUNT_CEILING, help_text="Minor units (cents); at most the currency's business maximum."
    )
    currency = serializers.CharField(max_length=3)
    idempotency_key = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=15, required=False, allow_blank=True, default="")

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"].queryset = accounts

    def validate_currency(self, value: str) -> str:
        try:
            return normalise_currency(value)
        except MoneyError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class FailedCheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    detail = serializers.CharField()


class TransferRefusedSerializer(serializers.Serializer):
    """The 422 answer when a pre-flight check refuses a transfer (schema only)."""

    error = serializers.CharField(help_text="transfer_refused")
    detail = serializers.CharField()
    transfer = serializers.IntegerField(allow_null=True, help_text="The refused transfer, kept as evidence.")
    failed_checks = FailedCheckSerializer(many=True)
