"""Who sees and does what through the API: every named user against a case in T1 and a case in T2.

Case A is reported by the gridworker in cell c1 (village V1, township T1); case B by
gridworker_v3 in cell c4 (village V3, township T2). Both are disputes with the same two parties.
"""

import json

import pytest
from rest_framework.test import APIClient

from disputes import intake, workflow
from disputes.models import AuditEntry, Case
from grid.models import display_name
from tests.disputes.conftest import PARTIES, POINT_V1_C1, POINT_V3, report_data

USERS = [
    "gridworker",
    "gridworker_v3",
    "committee",
    "mediator",
    "justice",
    "operator",
    "operator_t2",
    "county_operator",
    "outsider",
    "anonymous",
]

# user: (case A in the list, case B in the list, GET A, GET B, accept A, accept B, A's parties unmasked)
EXPECTED = {
    "gridworker": (True, False, 200, 404, 403, 404, False),
    "gridworker_v3": (False, True, 404, 200, 404, 403, None),
    "committee": (True, False, 200, 404, 200, 404, True),
    "mediator": (False, False, 404, 404, 404, 404, None),
    "justice": (False, False, 404, 404, 404, 404, None),
    "operator": (True, False, 200, 404, 200, 404, True),
    "operator_t2": (False, True, 404, 200, 404, 200, None),
    "county_operator": (True, True, 200, 200, 200, 200, True),
    "outsider": (False, False, 404, 404, 404, 404, None),
    "anonymous": (None, None, 401, 401, 401, 401, None),
}

MASKED_ID, MASKED_PHONE = "110***********002X", "138****5678"


@pytest.fixture
def cases(world):
    a = intake.submit_report(world.gridworker, report_data(world.neighbours, POINT_V1_C1, parties=PARTIES)).case
    b = intake.submit_report(world.gridworker_v3, report_data(world.neighbours, POINT_V3, parties=PARTIES)).case
    return a, b


def client_for(world, name):
    client = APIClient()
    if name != "anonymous":
        client.force_authenticate(getattr(world, name))
    return client


def assert_error(response, status, code):
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code and body["message"]


ERROR_CODES = {401: "not_authenticated", 403: "not_allowed", 404: "not_found"}


def state_of(case):
    case = Case.objects.get(pk=case.pk)
    return case.state, case.version, AuditEntry.objects.filter(case=case).count()


@pytest.mark.parametrize("name", USERS)
def test_jurisdiction_matrix(world, cases, name):
    a, b = cases
    in_list_a, in_list_b, get_a, get_b, accept_a, accept_b, unmasked = EXPECTED[name]
    client = client_for(world, name)

    response = client.get("/api/cases/")
    if name == "anonymous":
        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"
    else:
        listed = {row["id"] for row in response.json()["results"]}
        assert (a.pk in listed, b.pk in listed) == (in_list_a, in_list_b)
        geo = {feature["id"] for feature in client.get("/api/cases/geojson/").json()["features"]}
        assert geo == listed

    for case, expected in ((a, get_a), (b, get_b)):
        response = client.get(f"/api/cases/{case.pk}/")
        if expected == 200:
            assert response.status_code == 200
            assert response.json()["number"] == case.number
        else:
            assert_error(response, expected, ERROR_CODES[expected])

    for case, expected in ((a, accept_a), (b, accept_b)):
        before = state_of(case)
        response = client.post(f"/api/cases/{case.pk}/accept/", {"version": 1}, format="json")
        if expected == 200:
            assert response.status_code == 200 and response.json()["state"] == "accepted"
            assert Case.objects.get(pk=case.pk).state == "accepted"
        else:
            assert_error(response, expected, ERROR_CODES[expected])
            assert state_of(case) == before

    if unmasked is not None:
        parties = client.get(f"/api/cases/{a.pk}/").json()["parties"]
        first = parties[0]
        if unmasked:
            assert (first["id_number"], first["phone"]) == (PARTIES[0]["id_number"], PARTIES[0]["phone"])
        else:
            assert (first["id_number"], first["phone"]) == (MASKED_ID, MASKED_PHONE)
            assert parties[1]["phone"] == "139****4321"


def test_parties_follow_the_case_to_its_handlers(world, cases):
    """Once dispatched to the mediation committee, its mediators handle it and see parties in full."""
    a, _ = cases
    workflow.accept_case(world.committee, a)
    workflow.dispatch_case(world.committee, a, unit=world.v1_mediation)
    mediator = client_for(world, "mediator")
    parties = mediator.get(f"/api/cases/{a.pk}/").json()["parties"]
    assert parties[0]["id_number"] == PARTIES[0]["id_number"]
    # The committee received it first (首问负责) and still sees it in full; the gridworker masked.
    assert client_for(world, "committee").get(f"/api/cases/{a.pk}/").json()["parties"][0]["phone"] == "13812345678"
    assert client_for(world, "gridworker").get(f"/api/cases/{a.pk}/").json()["parties"][0]["phone"] == MASKED_PHONE
    assert_error(client_for(world, "justice").get(f"/api/cases/{a.pk}/"), 404, "not_found")


def test_reports_mask_contact_phones_for_non_handlers(world):
    data = report_data(world.neighbours, contact_name="王建国", contact_phone="13812345678")
    intake.submit_report(world.gridworker, data)
    [own] = client_for(world, "gridworker").get("/api/reports/").json()["results"]
    assert own["contact_phone"] == MASKED_PHONE
    [seen] = client_for(world, "operator").get("/api/reports/").json()["results"]
    assert seen["contact_phone"] == "13812345678"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/reports/"),
        ("post", "/api/reports/"),
        ("get", "/api/cases/"),
        ("get", "/api/cases/geojson/"),
        ("get", "/api/cases/{a}/"),
        ("post", "/api/cases/{a}/accept/"),
        ("post", "/api/cases/{a}/parties/"),
        ("post", "/api/requests/1/decide/"),
        ("get", "/api/categories/"),
        ("post", "/api/photos/"),
        ("get", "/api/cases/{a}/agreement/print/"),
        ("get", "/api/cases/{a}/agreement/pdf/"),
    ],
)
def test_anonymous_gets_401_with_the_error_shape_on_private_endpoints(world, cases, method, url):
    response = getattr(APIClient(), method)(url.format(a=cases[0].pk), {}, format="json")
    assert_error(response, 401, "not_authenticated")


def test_a_visible_case_the_user_may_not_act_on_is_403_for_every_act(world, cases):
    a, _ = cases
    other = intake.submit_report(world.gridworker, report_data(world.neighbours, POINT_V1_C1)).case
    gridworker = client_for(world, "gridworker")
    for action, body in [
        ("reject", {"reason": "x"}),
        ("dispatch", {"unit": world.v1_mediation.code}),
        ("parties", {"name": "张三", "role": "third"}),
        ("merge", {"into": other.pk}),
        ("start", {}),
        ("close", {}),
    ]:
        before = state_of(a)
        response = gridworker.post(f"/api/cases/{a.pk}/{action}/", {"version": 1, **body}, format="json")
        assert_error(response, 403, "not_allowed")
        assert state_of(a) == before


def test_the_public_look_up_holds_no_personal_data(world, cases):
    a, _ = cases
    workflow.accept_case(world.committee, a, note="由王建国申请")
    resident = APIClient()
    response = resident.get(f"/api/public/cases/{a.number}/", {"code": a.verification_code})
    assert response.status_code == 200
    body = response.json()
    text = json.dumps(body, ensure_ascii=False)
    personal = [
        value for party in PARTIES for value in party.values() if value and value not in ("applicant", "respondent")
    ]
    personal += [display_name(world.gridworker), display_name(world.committee), "gridworker", "committee"]
    personal += [a.description, world.v1_committee.name, "由王建国申请"]
    for value in personal:
        assert value not in text, value
    assert set(body) == {"number", "state", "state_display", "category", "created_at", "closed_at", "rated", "timeline"}
    assert all(set(entry) == {"action", "at", "from_state", "to_state"} for entry in body["timeline"])

    # The same answer for a wrong code and for a number that does not exist: nothing to learn from it.
    wrong = resident.get(f"/api/public/cases/{a.number}/", {"code": "abcdef"})
    nowhere = resident.get("/api/public/cases/000000000000/", {"code": a.verification_code})
    assert_error(wrong, 404, "not_found")
    assert wrong.json() == nowhere.json()


def test_the_public_look_up_ignores_a_logged_in_user(world, cases):
    """Residents need no account; being logged in shows nothing more."""
    a, _ = cases
    client = client_for(world, "county_operator")
    body = client.get(f"/api/public/cases/{a.number}/", {"code": a.verification_code}).json()
    assert "parties" not in body and "description" not in body
