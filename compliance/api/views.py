from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api.permissions import ReadByPost, RoleModelPermissions
from compliance.api.serializers import (
    AlertFilterSerializer,
    AlertSerializer,
    ScreeningRequestSerializer,
    ScreeningResultSerializer,
)
from compliance.models import Alert, SanctionsEntry
from compliance.selectors import alerts_list
from compliance.services.screening import screen_party
from fintech.api.reads import AuditedReadsMixin


class ScreeningView(APIView):
    """Screen a name against the current sanctions lists. Staff who may read the lists
    (`compliance.view_sanctionsentry`, as in the admin); records nothing."""

    permission_classes = [ReadByPost]
    queryset = SanctionsEntry.objects.none()  # what the permission guards; the view reads the name index

    @extend_schema(
        request=ScreeningRequestSerializer,
        responses={200: ScreeningResultSerializer},
        summary="Screen a name against the sanctions lists",
        description="Returns the decision (hit or clear, at the configured threshold) and the ranked, explained "
        "matches. Nothing is recorded: parties are screened and recorded by the apps that hold them.",
    )
    def post(self, request):
        serializer = ScreeningRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = screen_party(
            name=data["name"],
            date_of_birth=data.get("date_of_birth"),
            country=data.get("country") or None,
            entity_type=data.get("entity_type") or None,
        )
        return Response(ScreeningResultSerializer(result.as_dict()).data)


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
