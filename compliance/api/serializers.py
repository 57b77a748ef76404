from rest_framework import serializers

from compliance.screening.names import ENTITY_TYPE_SPELLINGS


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
