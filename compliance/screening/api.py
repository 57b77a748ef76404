"""The partner API's name screening (`POST /api/v1/screenings/`): its serializers and view."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api.permissions import ReadByPost
from compliance.lists.models import SanctionsEntry
from compliance.screening.names import ENTITY_TYPE_SPELLINGS
from compliance.screening.services import screen_party


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
