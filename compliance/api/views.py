from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api.permissions import ReadByPost
from compliance.api.serializers import (
    ScreeningRequestSerializer,
    ScreeningResultSerializer,
)
from compliance.lists.models import SanctionsEntry
from compliance.services.screening import screen_party


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
