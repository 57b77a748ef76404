from rest_framework import serializers

from compliance.models import Alert
from compliance.screening.names import ENTITY_TYPE_SPELLINGS
from compliance.selectors import alerts_evidence_source_ids


class ScreeningRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=400, trim_whitespace=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$", required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2 code."
    )
    entity_type = serializers.ChoiceField(
        choices=sorted(ENTITY_TYPE_SPELLINGS),
        required=False,
        allow_blank=True,
        help_text="individual (person...) or organisation (organization, company, entity...), vessel, aircraft.",
    )


class ScreeningMatchSerializer(serializers.Serializer):
    list = serializers.CharField()
    programs = serializers.ListField(child=serializers.CharField(), help_text="The list's sanctions programmes.")
    entry_id = serializers.CharField()
    entity_type = serializers.CharField()
    primary_name = serializers.CharField()
    matched_name = serializers.CharField()
    is_primary_name = serializers.BooleanField()
    score = serializers.FloatField()
    score_parts = serializers.DictField()


class ScreeningResultSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["hit", "clear"])
    threshold = serializers.FloatField()
    matches = ScreeningMatchSerializer(many=True)


class AlertListSerializer(serializers.ListSerializer):
    """Looks up the evidence's source ids for the whole page at once."""

    def to_representation(self, data):
        alerts = list(data.all() if hasattr(data, "all") else data)
        self.child.source_ids = alerts_evidence_source_ids(alerts=alerts)
        return super().to_representation(alerts)


class AlertSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.external_id", read_only=True)
    transaction_ids = serializers.SerializerMethodField(
        help_text="The evidence as the transaction ids the source supplied (an imported file's transaction_id)."
    )
    source_ids: dict[int, list[str]] | None = None

    def get_transaction_ids(self, alert) -> list[str]:
        if self.source_ids is None or alert.pk not in self.source_ids:
            return alerts_evidence_source_ids(alerts=[alert])[alert.pk]
        return self.source_ids[alert.pk]

    class Meta:
        model = Alert
        fields = (
            "id",
            "rule_code",
            "rule_version",
            "customer_id",
            "window_start",
            "window_end",
            "transaction_ids",
            "score",
            "anomaly_score",
            "top_features",
            "status",
            "created_at",
        )
        read_only_fields = fields
        list_serializer_class = AlertListSerializer


class AlertFilterSerializer(serializers.Serializer):
    """The alert list's query parameters, validated like a body (a NUL or an overlong value
    is a 400, not a database error)."""

    status = serializers.ChoiceField(choices=Alert.Status.choices, required=False, allow_blank=True)
    rule = serializers.CharField(max_length=40, required=False, allow_blank=True)
    customer = serializers.CharField(max_length=64, required=False, allow_blank=True)
