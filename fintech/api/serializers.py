from rest_framework import serializers

from fintech.models import Customer


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
