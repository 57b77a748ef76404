"""The partner API's alert list (`GET /api/v1/alerts/`): its serializers and view."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from compliance.api.permissions import RoleModelPermissions
from compliance.monitoring.models import Alert
from compliance.monitoring.selectors import alerts_evidence_source_ids, alerts_list
from fintech.api.reads import AuditedReadsMixin


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


@extend_schema_view(
    get=extend_schema(
        summary="Monitoring alerts, newest first",
        description="Staff whose role may view alerts (`compliance.view_alert`, as in the admin). "
        "Filter with `status`, `rule` (rule code) and `customer` (external id).",
        parameters=[
            OpenApiParameter("status", str, enum=list(Alert.Status.values)),
            OpenApiParameter("rule", str),
            OpenApiParameter("customer", str),
        ],
    )
)
class AlertListView(AuditedReadsMixin, ListAPIView):
    """Each page returned is an audit event naming the alerts in it (fintech.api.reads)."""

    permission_classes = [RoleModelPermissions]
    serializer_class = AlertSerializer

    def get_queryset(self):
        filters = AlertFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        return alerts_list(
            status=params.get("status"), rule_code=params.get("rule"), customer_external_id=params.get("customer")
        )
