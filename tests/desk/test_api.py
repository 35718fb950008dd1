"""The desk's API and page: thin over the services, errors in the project's one shape."""

import uuid

from django.urls import reverse
from django.utils import timezone

from desk.models import Call
from disputes import intake
from disputes.models import Report
from tests import factories as f
from tests.disputes.conftest import report_data
from tests.worlds import POINT_V1_C1

from .conftest import PHONE


def body(world, **overrides):
    data = {
        "id": str(uuid.uuid4()),
        "source": "window",
        "contact_name": "钱师傅",
        "contact_phone": PHONE,
        "caller_id_number": "11010519491231002X",
        "description": "窗口来访：邻居违建挡光",
        "category": world.disputes.code,
        "lon": POINT_V1_C1[0],
        "lat": POINT_V1_C1[1],
        "parties": [{"name": "孙某", "role": "respondent"}],
        "occurred_at": timezone.now().isoformat(),
    }
    data.update(overrides)
    return data


def test_take_a_call_and_see_the_history(world):
    client = f.client_for(world.operator)
    sent = body(world)
    response = client.post(reverse("desk-calls"), sent, format="json")
    assert response.status_code == 201, response.json()
    receipt = response.json()
    assert receipt["caller_id_number"] == "110***********002X"
    assert receipt["case"]["state"] == "reported" and len(receipt["verification_code"]) == 6
    again = client.post(reverse("desk-calls"), sent, format="json")
    assert again.status_code == 200 and Report.objects.count() == 1
    history = client.get(reverse("desk-callers"), {"phone": PHONE}).json()
    assert history["repeat"] and history["cases"][0]["number"] == receipt["case"]["number"]


def test_bad_input_answers_in_the_one_error_shape(world):
    client = f.client_for(world.operator)
    response = client.post(reverse("desk-calls"), body(world, caller_id_number="110105194912310021"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "caller_id_number" in response.json()["fields"]
    response = client.post(
        reverse("desk-calls"), body(world, outcome="assigned", unit="nope", reason="x"), format="json"
    )
    assert response.status_code == 400 and "unit" in response.json()["fields"]
    assert not Report.objects.exists() and not Call.objects.exists()


def test_attach_names_only_a_case_the_clerk_sees(world):
    hidden = intake.submit_report(world.gridworker_v3, report_data(world.disputes, point=(115.5, 42.0))).case
    client = f.client_for(world.operator)
    response = client.post(reverse("desk-calls"), body(world, outcome="attached", into=hidden.pk), format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Report.objects.count() == 1


def test_places_and_similar(world):
    client = f.client_for(world.operator)
    names = [hit["name"] for hit in client.get(reverse("desk-places"), {"q": "dgc"}).json()]
    assert "东沟村" in names
    earlier = intake.submit_report(world.gridworker, report_data(world.disputes)).case
    query = {"category": world.disputes.code, "lon": POINT_V1_C1[0], "lat": POINT_V1_C1[1]}
    assert [c["id"] for c in client.get(reverse("desk-similar"), query).json()] == [earlier.pk]
    bad = client.get(reverse("desk-similar"), {**query, "lon": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert client.get(reverse("desk-similar"), {**query, "category": "zz"}).json()["fields"]["category"]


def test_anonymous_is_refused(world):
    assert f.client_for(None).get(reverse("desk-callers"), {"phone": PHONE}).status_code == 401


def test_the_page(world, client):
    client.force_login(world.operator)
    response = client.get("/desk/")
    assert response.status_code == 200
    assert b"desk-config" in response.content and world.v1_committee.code.encode() in response.content
    client.force_login(world.outsider)
    assert b"desk-config" not in client.get("/desk/").content
