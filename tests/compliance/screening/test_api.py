"""`POST /api/v1/screenings/`: staff whose role reads the lists, validated, decision with ranked matches."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from compliance.screening.models import ScreeningHit
from fintech import roles
from fintech.services.api_clients import api_client_create
from tests.factories import UserFactory, make_staff
from tests.helpers import api_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/screenings/"


@pytest.fixture
def staff_api():
    analyst, _ = make_staff("screener", roles.ANALYST)
    return api_client_for(analyst)


def test_a_listed_name_is_a_hit_with_ranked_explained_matches(staff_api, sdn_subset):
    response = staff_api.post(
        URL, {"name": "Chapo Guzman", "country": "mx", "entity_type": "individual"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == "hit"
    top = body["matches"][0]
    assert (top["list"], top["entry_id"], top["matched_name"]) == ("ofac_sdn", "6861", "GUZMAN, Chapo")
    assert top["score"] >= body["threshold"]
    assert {"alignment", "name_score", "alignment_explained"} <= set(top["score_parts"])  # #19: logic-v2 parts
    scores = [m["score"] for m in body["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert not ScreeningHit.objects.exists()


def test_a_clear_name(staff_api, sdn_subset):
    body = staff_api.post(URL, {"name": "Maria Garcia", "date_of_birth": "1980-01-02"}, format="json").json()
    assert body == {"decision": "clear", "threshold": body["threshold"], "matches": []}


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": ""},
        {"name": "X", "date_of_birth": "02/01/1980"},
        {"name": "X", "country": "GBR"},
        {"name": "X", "entity_type": "robot"},
    ],
)
def test_bad_bodies_are_400(staff_api, payload):
    response = staff_api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_non_staff_are_refused():
    client, token = api_client_create(name="partner", user=UserFactory())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post(URL, {"name": "X"}, format="json").status_code == 403
    assert APIClient().post(URL, {"name": "X"}, format="json").status_code == 401


def test_the_schema_documents_the_endpoint():
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/v1/screenings/"]["post"]
    assert operation["summary"] == "Screen a name against the sanctions lists"
    assert "200" in operation["responses"]
