"""The REST API end to end: intake, the closed loop and mediation, residents, errors, filters, queries."""

import datetime
import importlib.util
import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from disputes import intake, workflow
from disputes.models import Agreement, AuditEntry, Case, CaseState, Photo, Report
from tests.disputes.conftest import PARTIES, POINT_V1_C1, POINT_V1_C2, POINT_V3, report_data
from tests.factories import client_for

S = CaseState


def submit(world, user=None, category=None, point=POINT_V1_C1, **overrides):
    """A case made through the service, for tests about what comes after intake."""
    user = user or (world.gridworker_v3 if point == POINT_V3 else world.gridworker)
    return intake.submit_report(user, report_data(category or world.neighbours, point=point, **overrides)).case


def act(client, case_id, action, version, **body):
    return client.post(f"/api/cases/{case_id}/{action}/", {"version": version, **body}, format="json")


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert field in body["fields"], body
        assert all(isinstance(message, str) for message in body["fields"][field])
    return body


def snapshot(case_id):
    """Everything a refused request must leave unchanged."""
    case = Case.objects.get(pk=case_id)
    return (
        case.state,
        case.version,
        case.current_unit_id,
        case.due_at,
        case.parties.count(),
        AuditEntry.objects.filter(case=case).count(),
    )


class TestLifecycle:
    def test_a_dispute_goes_round_the_whole_loop_through_the_api(self, world):
        gridworker, committee = client_for(world.gridworker), client_for(world.committee)
        mediator, operator = client_for(world.mediator), client_for(world.operator)
        photo = "b" * 64

        # Intake by the gridworker: a receipt with the number and the resident's code.
        data = report_data(world.neighbours, parties=PARTIES, photos=[{"sha256": photo, "purpose": "evidence"}])
        response = gridworker.post("/api/reports/", data, format="json")
        assert response.status_code == 201, response.content
        receipt = response.json()
        case_id, number, code = receipt["case"]["id"], receipt["case"]["number"], receipt["case"]["verification_code"]
        assert receipt["report"]["id"] == str(data["id"])
        assert receipt["report"]["category"] == {"code": world.neighbours.code, "name": world.neighbours.name}
        assert receipt["report"]["cell"] == world.c1.code
        assert receipt["case"]["state"] == "reported" and receipt["case"]["version"] == 1
        assert len(code) == 6 and code.isdigit()
        assert receipt["duplicates"] == []
        case = Case.objects.get(pk=case_id)
        assert (case.number, case.verification_code, case.state) == (number, code, S.REPORTED)
        assert sorted(case.parties.values_list("name", flat=True)) == sorted(p["name"] for p in PARTIES)

        detail = gridworker.get(f"/api/cases/{case_id}/").json()
        assert detail["photos"]["missing"] == [photo]
        assert detail["photos"]["expected"][0]["received"] is False
        assert detail["allowed_actions"] == []  # a gridworker finds and verifies; accepting is the committee's

        # Accept (受理) and dispatch to the village mediation committee (派遣).
        detail = committee.get(f"/api/cases/{case_id}/").json()
        assert {"accept", "reject", "merge", "add_party"} <= set(detail["allowed_actions"])
        response = act(committee, case_id, "accept", detail["version"], note="属调解范围")
        assert response.status_code == 200, response.content
        detail = response.json()
        assert detail["state"] == "accepted" and detail["version"] == 2
        assert response["ETag"] == '"2"'
        assert Case.objects.get(pk=case_id).state == S.ACCEPTED

        detail = act(committee, case_id, "dispatch", 2, unit=world.v1_mediation.code).json()
        assert detail["state"] == "dispatched"
        assert detail["current_unit"] == {"code": world.v1_mediation.code, "name": world.v1_mediation.name}
        assert detail["first_unit"]["code"] == world.v1_committee.code  # 首问负责 stays
        assert Case.objects.get(pk=case_id).current_unit == world.v1_mediation

        # The mediator takes it up, adds a party and registers the mediation with the rights notice.
        detail = act(mediator, case_id, "start", detail["version"]).json()
        assert detail["state"] == "in_progress" and detail["handler"] == "刘芳"
        response = act(mediator, case_id, "parties", detail["version"], name="张三", role="third", phone="13700001111")
        assert response.status_code == 200, response.content
        detail = response.json()
        assert [p["name"] for p in detail["parties"]] == ["王建国", "李卫东", "张三"]
        assert detail["parties"][0]["id_number"] == PARTIES[0]["id_number"]  # the handler sees it in full

        response = act(mediator, case_id, "register-mediation", detail["version"], source="application")
        assert_error(response, 400, "invalid", "rights_notice_acknowledged")
        detail = act(
            mediator,
            case_id,
            "register-mediation",
            detail["version"],
            source="application",
            rights_notice_acknowledged=True,
        ).json()
        assert detail["mediation_source"] == "application" and detail["rights_notice_at"]
        assert detail["mediation_due_on"] == (timezone.localdate() + datetime.timedelta(days=30)).isoformat()

        # A session, the agreement, and the signatures of every party.
        response = act(
            mediator,
            case_id,
            "sessions",
            detail["version"],
            held_at=timezone.now().isoformat(),
            place="东沟村调解室",
            attendees="王建国、李卫东、张三",
            record="双方同意共同疏通排水沟",
        )
        assert response.status_code == 200, response.content
        detail = response.json()
        assert len(detail["sessions"]) == 1 and detail["sessions"][0]["mediators"] == ["刘芳"]

        agreement = {
            "facts": "排水沟堵塞致积水",
            "issues": "疏通责任",
            "responsibilities": "双方共同负责",
            "terms": "三日内共同疏通，费用均摊",
            "performance": "当面履行",
            "perform_by": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        }
        # A written agreement names every party with an ID number and an address (人民调解法 第二十九条):
        # 张三 has neither yet, so it is refused, naming him, and nothing is recorded.
        response = act(mediator, case_id, "agreement", detail["version"], **agreement)
        assert_error(response, 400, "invalid", "parties")
        assert "张三" in str(response.json()) and not Agreement.objects.filter(case_id=case_id).exists()
        third = detail["parties"][2]["id"]
        response = act(
            mediator,
            case_id,
            "edit-party",
            detail["version"],
            party=third,
            id_number="150922196507200317",
            address="东沟村三组16号",
        )
        assert response.status_code == 200, response.content
        detail = response.json()
        assert detail["parties"][2]["address"] == "东沟村三组16号"
        assert detail["timeline"][-1]["details"] == {"party": third, "fields": ["id_number", "address"]}
        detail = act(mediator, case_id, "agreement", detail["version"], **agreement).json()
        assert detail["agreement"]["terms"] == agreement["terms"] and detail["agreement"]["effective"] is False
        party_ids = [p["id"] for p in detail["parties"]]

        detail = act(mediator, case_id, "sign-agreement", detail["version"], party_ids=party_ids[:2]).json()
        assert detail["agreement"]["effective"] is False
        before = snapshot(case_id)
        response = act(mediator, case_id, "resolve", detail["version"], result="达成协议")
        assert_error(response, 409, "illegal_transition")  # not every party has signed
        assert snapshot(case_id) == before
        detail = act(mediator, case_id, "sign-agreement", detail["version"], party_ids=party_ids[2:]).json()
        assert detail["agreement"]["effective"] is True
        assert sorted(detail["agreement"]["signed_parties"]) == sorted(party_ids)

        # Resolve; the gridworker finds the ditch still blocked (rework), then it passes.
        detail = act(mediator, case_id, "resolve", detail["version"], result="达成协议并履行").json()
        assert detail["state"] == "resolved"
        assert "verify" in gridworker.get(f"/api/cases/{case_id}/").json()["allowed_actions"]
        response = act(gridworker, case_id, "verify", detail["version"], passed=False)
        assert_error(response, 400, "invalid", "note")
        detail = act(gridworker, case_id, "verify", detail["version"], passed=False, note="排水沟仍未疏通").json()
        assert detail["state"] == "in_progress" and detail["rework_count"] == 1

        detail = act(mediator, case_id, "resolve", detail["version"], result="已疏通").json()
        assert detail["state"] == "resolved"
        detail = act(gridworker, case_id, "verify", detail["version"], passed=True).json()
        assert detail["state"] == "verified"

        # Close (结案) by the township centre, then the follow-up (回访) and judicial confirmation.
        detail = act(operator, case_id, "close", detail["version"]).json()
        assert detail["state"] == "closed" and detail["closed_at"] and detail["due_at"] is None
        detail = act(
            mediator, case_id, "follow-ups", detail["version"], performed=True, satisfaction="satisfied"
        ).json()
        assert detail["follow_ups"][0]["performed"] is True and detail["follow_ups"][0]["visited_by"] == "刘芳"

        late = (timezone.localdate() + datetime.timedelta(days=31)).isoformat()
        assert_error(
            act(mediator, case_id, "confirmation", detail["version"], applied_on=late), 400, "invalid", "applied_on"
        )
        today = timezone.localdate().isoformat()
        detail = act(mediator, case_id, "confirmation", detail["version"], applied_on=today).json()
        assert detail["agreement"]["confirmation_applied_on"] == today
        assert detail["agreement"]["confirmation_outcome"] == "pending"

        case = Case.objects.get(pk=case_id)
        assert case.state == S.CLOSED and case.version == detail["version"] == 18
        assert [entry["action"] for entry in detail["timeline"]] == [
            "report_received",
            "accept",
            "dispatch",
            "start",
            "add_party",
            "register_mediation",
            "record_session",
            "edit_party",
            "record_agreement",
            "sign_agreement",
            "sign_agreement",
            "resolve",
            "verify_failed",
            "resolve",
            "verify",
            "close",
            "record_follow_up",
            "record_confirmation",
        ]
        entry = detail["timeline"][1]
        assert (entry["actor"], entry["unit"], entry["from_state"], entry["to_state"]) == (
            "张红",
            world.v1_committee.name,
            "reported",
            "accepted",
        )
        assert entry["details"] == {"note": "属调解范围"}

        # The resident looks it up with the number and code, and rates it once.
        resident = APIClient()
        response = resident.get(f"/api/public/cases/{number}/", {"code": code})
        assert response.status_code == 200, response.content
        public = response.json()
        assert public["state"] == "closed" and public["category"] == world.neighbours.name
        assert public["rated"] is False and public["timeline"][-1]["action"] == "record_confirmation"
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        assert_error(resident.get(f"/api/public/cases/{number}/", {"code": wrong}), 404, "not_found")

        response = resident.post(
            f"/api/public/cases/{number}/rating/", {"code": code, "satisfaction": "satisfied"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["rated"] is True
        again = resident.post(
            f"/api/public/cases/{number}/rating/", {"code": code, "satisfaction": "unsatisfied"}, format="json"
        )
        assert_error(again, 409, "illegal_transition")
        assert Case.objects.get(pk=case_id).resident_rating == "satisfied"

    def test_the_version_may_come_as_if_match(self, world):
        case = submit(world)
        committee = client_for(world.committee)
        response = committee.post(f"/api/cases/{case.pk}/accept/", {}, format="json", HTTP_IF_MATCH='"1"')
        assert response.status_code == 200 and response.json()["version"] == 2
        before = snapshot(case.pk)
        response = committee.post(f"/api/cases/{case.pk}/dispatch/", {"unit": world.v1_mediation.code}, format="json")
        assert_error(response, 400, "invalid", "version")
        stale = committee.post(
            f"/api/cases/{case.pk}/dispatch/", {"unit": world.v1_mediation.code}, format="json", HTTP_IF_MATCH='W/"1"'
        )
        assert_error(stale, 409, "stale")
        assert snapshot(case.pk) == before

    def test_a_return_that_takes_the_case_out_of_sight_answers_204(self, world):
        case = submit(world, category=world.hazard)
        workflow.accept_case(world.committee, case)
        workflow.dispatch_case(world.operator, case, unit=world.t1_justice)
        justice = client_for(world.justice)
        response = act(justice, case.pk, "return", 3, reason="不属于司法所职责")
        assert response.status_code == 204
        case.refresh_from_db()
        assert case.state == S.ACCEPTED and case.current_unit == world.t1_centre
        assert_error(justice.get(f"/api/cases/{case.pk}/"), 404, "not_found")

    def test_extension_requested_and_decided(self, world):
        case = submit(world, category=world.hazard)
        workflow.accept_case(world.committee, case)
        workflow.dispatch_case(world.committee, case, unit=world.v1_committee)
        workflow.start_case(world.committee, case)
        committee, operator = client_for(world.committee), client_for(world.operator)
        due = Case.objects.get(pk=case.pk).due_at

        detail = act(committee, case.pk, "request-extension", 4, days=5, reason="需等待鉴定结果").json()
        [request] = detail["pending_requests"]
        assert (request["kind"], request["days"], request["requested_by"]) == ("extension", 5, "张红")

        url = f"/api/requests/{request['id']}/decide/"
        assert_error(client_for(world.operator_t2).post(url, {"approve": True, "version": 5}), 404, "not_found")
        assert_error(committee.post(url, {"approve": True, "version": 5}, format="json"), 403, "not_allowed")
        response = operator.post(url, {"approve": True, "version": 5}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["pending_requests"] == []
        assert Case.objects.get(pk=case.pk).due_at > due

    def test_materials_and_deferral(self, world):
        case = submit(world, category=world.hazard)
        workflow.accept_case(world.committee, case)
        committee, operator = client_for(world.committee), client_for(world.operator)
        assert_error(act(committee, case.pk, "request-materials", 2, items=[]), 400, "invalid", "items")
        detail = act(committee, case.pk, "request-materials", 2, items=["身份证复印件", "现场照片"]).json()
        assert detail["state"] == "awaiting_materials"
        detail = act(committee, case.pk, "materials-received", 3).json()
        assert detail["state"] == "accepted"
        detail = act(committee, case.pk, "dispatch", 4, unit=world.v1_committee.code).json()
        detail = act(committee, case.pk, "start", detail["version"]).json()
        detail = act(committee, case.pk, "request-deferral", detail["version"], reason="当事人外出务工").json()
        [request] = detail["pending_requests"]
        response = operator.post(
            f"/api/requests/{request['id']}/decide/",
            {"approve": True},
            format="json",
            HTTP_IF_MATCH=f'"{detail["version"]}"',
        )
        assert response.json()["state"] == "deferred"
        detail = act(committee, case.pk, "resume", response.json()["version"], note="当事人已返回").json()
        assert detail["state"] == "in_progress"

    def test_reject_and_merge(self, world):
        first, second, third = submit(world), submit(world, lon=POINT_V1_C1[0] + 0.001), submit(world)
        committee = client_for(world.committee)
        assert_error(act(committee, third.pk, "reject", 1, reason=""), 400, "invalid", "reason")
        assert act(committee, third.pk, "reject", 1, reason="不属于受理范围").json()["state"] == "rejected"

        v3_case = submit(world, point=POINT_V3)
        # A case the user cannot see is refused like one that does not exist.
        hidden = assert_error(act(committee, second.pk, "merge", 1, into=v3_case.pk), 400, "invalid", "into")
        missing = assert_error(act(committee, second.pk, "merge", 1, into=10**9), 400, "invalid", "into")
        assert hidden["fields"] == missing["fields"]

        detail = act(committee, second.pk, "merge", 1, into=first.pk).json()
        assert detail["state"] == "merged" and detail["merged_into"] == first.number
        assert Case.objects.get(pk=first.pk).reports.count() == 2


class TestIntake:
    def test_the_same_report_twice_is_stored_once_and_answered_alike(self, world):
        client = client_for(world.gridworker)
        data = report_data(world.neighbours, parties=PARTIES)
        first = client.post("/api/reports/", data, format="json")
        again = client.post("/api/reports/", data, format="json")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert Report.objects.count() == Case.objects.count() == 1

    def test_the_same_id_with_other_content_is_a_conflict(self, world):
        client = client_for(world.gridworker)
        data = report_data(world.neighbours)
        assert client.post("/api/reports/", data, format="json").status_code == 201
        response = client.post("/api/reports/", {**data, "description": "另一件事"}, format="json")
        assert_error(response, 409, "report_conflict")
        assert Report.objects.count() == Case.objects.count() == 1
        assert Report.objects.get().description == data["description"]

    def test_someone_elses_report_id_is_a_conflict_not_a_receipt(self, world):
        data = report_data(world.neighbours)
        assert client_for(world.gridworker).post("/api/reports/", data, format="json").status_code == 201
        response = client_for(world.committee).post("/api/reports/", data, format="json")
        body = assert_error(response, 409, "report_conflict")
        assert Case.objects.get().verification_code not in str(body)

    def test_nearby_open_cases_are_suggested(self, world):
        first = submit(world)
        client = client_for(world.gridworker)
        data = report_data(world.neighbours, lon=POINT_V1_C1[0] + 0.001)
        receipt = client.post("/api/reports/", data, format="json").json()
        [duplicate] = receipt["duplicates"]
        assert (duplicate["id"], duplicate["number"]) == (first.pk, first.number)
        assert 70 < duplicate["distance_m"] < 90

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"lon": 100.0, "lat": 30.0}, "lon"),  # outside every boundary
            ({"lon": 200.0}, "lon"),
            ({"lat": "north"}, "lat"),
            ({"category": "9999"}, "category"),
            ({"description": "  "}, "description"),
            ({"severity": 9}, "severity"),
            ({"source": "pigeon"}, "source"),
            ({"id": "not-a-uuid"}, "id"),
            ({"occurred_at": "yesterday"}, "occurred_at"),
            # Times relative to now are made when the test runs (a parallel run may start minutes later).
            ({"occurred_at": lambda: (timezone.now() + datetime.timedelta(days=1)).isoformat()}, "occurred_at"),
            ({"occurred_at": lambda: (timezone.now() + datetime.timedelta(minutes=11)).isoformat()}, "occurred_at"),
            ({"occurred_at": "0001-01-01T00:00:00Z"}, "occurred_at"),
            ({"occurred_at": "1999-12-31T23:59:59+08:00"}, "occurred_at"),
            ({"occurred_at": "0001-01-01T00:00:00+08:00"}, "occurred_at"),
            ({"photos": [{"sha256": "not-a-hash"}]}, "photos"),
            ({"parties": [{"name": "王五", "id_number": "110105194912310021"}]}, "parties[0].id_number"),
            ({"parties": [{"role": "judge"}]}, "parties[0].role"),
        ],
    )
    def test_bad_input_is_refused_with_field_errors_and_nothing_stored(self, world, overrides, field):
        overrides = {name: value() if callable(value) else value for name, value in overrides.items()}
        data = {**report_data(world.neighbours), **overrides}
        response = client_for(world.gridworker).post("/api/reports/", data, format="json")
        assert_error(response, 400, "invalid", field)
        assert not Report.objects.exists() and not Case.objects.exists() and not AuditEntry.objects.exists()

    @pytest.mark.parametrize("missing", ["id", "source", "category", "description", "lon", "lat", "occurred_at"])
    def test_missing_fields_are_named(self, world, missing):
        data = report_data(world.neighbours)
        del data[missing]
        response = client_for(world.gridworker).post("/api/reports/", data, format="json")
        assert_error(response, 400, "invalid", missing)
        assert not Report.objects.exists()

    def test_malformed_json_gets_the_error_shape(self, world):
        response = client_for(world.gridworker).post("/api/reports/", "{not json", content_type="application/json")
        assert_error(response, 400, "invalid")

    def test_reports_list_shows_own_reports_and_those_of_visible_cases(self, world):
        own = submit(world)
        other = submit(world, point=POINT_V3)
        ids = {r["id"] for r in client_for(world.gridworker).get("/api/reports/").json()["results"]}
        assert ids == {str(own.reports.get().pk)}
        ids = {r["id"] for r in client_for(world.operator_t2).get("/api/reports/").json()["results"]}
        assert ids == {str(other.reports.get().pk)}
        assert client_for(world.outsider).get("/api/reports/").json()["results"] == []

    def test_reports_list_narrows_to_my_own_reports_with_mine(self, world):
        own = submit(world)
        # Another report in a case the operator sees: listed for the operator, but not as theirs.
        client = client_for(world.operator_t2)
        other = submit(world, point=POINT_V3)
        assert {r["id"] for r in client.get("/api/reports/").json()["results"]} == {str(other.reports.get().pk)}
        assert client.get("/api/reports/?mine=true").json()["results"] == []
        mine = client_for(world.gridworker).get("/api/reports/?mine=1").json()["results"]
        assert [r["id"] for r in mine] == [str(own.reports.get().pk)]

    def test_reports_list_refuses_a_malformed_mine(self, world):
        response = client_for(world.gridworker).get("/api/reports/?mine=perhaps")
        assert_error(response, 400, "invalid", "mine")


# From a given state, acts refused as illegal by someone who could make them in another state.
ILLEGAL = [
    (S.REPORTED, "operator", "dispatch", {"unit": "v1_mediation"}),
    (S.REPORTED, "committee", "start", {}),
    (S.REPORTED, "operator", "close", {}),
    (S.REPORTED, "committee", "request-deferral", {"reason": "x"}),
    (S.ACCEPTED, "committee", "accept", {}),
    (S.ACCEPTED, "operator", "reject", {"reason": "x"}),
    (S.ACCEPTED, "committee", "resolve", {"result": "x"}),
    (S.ACCEPTED, "operator", "resume", {}),
    (S.DISPATCHED, "operator", "dispatch", {"unit": "v1_mediation"}),
    (S.DISPATCHED, "mediator", "resolve", {"result": "x"}),
    (
        S.DISPATCHED,
        "mediator",
        "sessions",
        {"held_at": "2026-01-01T10:00:00+08:00", "place": "x", "attendees": "x", "record": "x"},
    ),
    (S.IN_PROGRESS, "mediator", "start", {}),
    (S.IN_PROGRESS, "operator", "close", {}),
    (S.IN_PROGRESS, "mediator", "register-mediation", {"source": "application", "rights_notice_acknowledged": True}),
    (S.CLOSED, "operator", "reject", {"reason": "x"}),
    (S.CLOSED, "operator", "close", {}),
    (S.CLOSED, "operator", "dispatch", {"unit": "v1_mediation"}),
]


def drive(world, case, state):
    """Take a dispute with parties to `state`, through the mediation committee."""
    steps = [
        (S.ACCEPTED, lambda: workflow.accept_case(world.committee, case)),
        (S.DISPATCHED, lambda: workflow.dispatch_case(world.committee, case, unit=world.v1_mediation)),
        (S.IN_PROGRESS, lambda: workflow.start_case(world.mediator, case)),
        (
            S.IN_PROGRESS,
            lambda: workflow.register_mediation(
                world.mediator, case, source="initiative", rights_notice_acknowledged=True
            ),
        ),
        (S.RESOLVED, lambda: workflow.resolve_case(world.mediator, case, result="ok")),
        (S.VERIFIED, lambda: workflow.verify_case(world.operator, case, passed=True)),
        (S.CLOSED, lambda: workflow.close_case(world.operator, case)),
    ]
    order = [S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RESOLVED, S.VERIFIED, S.CLOSED]
    for reached, step in steps:
        if order.index(reached) > order.index(state):
            break
        step()


@pytest.mark.parametrize(("state", "user", "action", "body"), ILLEGAL, ids=lambda v: v if isinstance(v, str) else None)
def test_illegal_transitions_are_409_and_change_nothing(world, state, user, action, body):
    case = submit(world, parties=PARTIES)
    drive(world, case, state)
    assert Case.objects.get(pk=case.pk).state == state
    if "unit" in body:
        body = {**body, "unit": getattr(world, body["unit"]).code}
    before = snapshot(case.pk)
    response = act(client_for(getattr(world, user)), case.pk, action, before[1], **body)
    assert_error(response, 409, "illegal_transition")
    assert snapshot(case.pk) == before


def test_a_stale_version_is_409_and_changes_nothing(world):
    case = submit(world)
    committee = client_for(world.committee)
    before = snapshot(case.pk)
    body = assert_error(act(committee, case.pk, "accept", 7), 409, "stale")
    assert "7" in body["message"]
    assert snapshot(case.pk) == before
    assert act(committee, case.pk, "accept", 1).status_code == 200


class TestCaseList:
    def test_filters(self, world):
        reported = submit(world)
        hazard = submit(world, category=world.hazard, point=POINT_V1_C2, description="变压器旁堆放柴草")
        closed = submit(world, category=world.hazard)
        for step in (
            lambda: workflow.accept_case(world.committee, closed),
            lambda: workflow.dispatch_case(world.committee, closed, unit=world.v1_committee),
            lambda: workflow.start_case(world.committee, closed),
            lambda: workflow.resolve_case(world.committee, closed, result="ok"),
            lambda: workflow.verify_case(world.operator, closed, passed=True),
            lambda: workflow.close_case(world.operator, closed),
        ):
            step()
        t2 = submit(world, point=POINT_V3)
        Case.objects.filter(pk=hazard.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
        client = client_for(world.county_operator)

        def ids(**params):
            response = client.get("/api/cases/", params)
            assert response.status_code == 200, response.content
            return {row["id"] for row in response.json()["results"]}

        assert ids() == {reported.pk, hazard.pk, closed.pk, t2.pk}
        assert ids(state=["reported"]) == {reported.pk, hazard.pk, t2.pk}
        assert ids(state=["closed", "accepted"]) == {closed.pk}
        assert ids(category=world.incidents.code) == {hazard.pk, closed.pk}  # with its subcategories
        assert ids(category=world.hazard.code) == {hazard.pk, closed.pk}
        assert ids(grade="orange") == {hazard.pk, closed.pk}
        assert ids(region=world.t1.code) == {reported.pk, hazard.pk, closed.pk}
        assert ids(region=world.t2.code) == {t2.pk}
        assert ids(region=world.c2.code) == {hazard.pk}
        assert ids(unit=world.v3_committee.code) == {t2.pk}
        assert ids(overdue="true") == {hazard.pk}
        assert ids(overdue="false") == {reported.pk, closed.pk, t2.pk}
        assert ids(bbox="114.4,41.0,115.0,42.0") == {hazard.pk}
        assert ids(q="柴草") == {hazard.pk}
        assert ids(q=reported.number) == {reported.pk}
        assert ids(created_after=(timezone.now() - datetime.timedelta(minutes=5)).isoformat()) == ids()
        assert ids(created_before=(timezone.now() - datetime.timedelta(minutes=5)).isoformat()) == set()
        assert ids(due_before=timezone.now().isoformat()) == {hazard.pk}

        rows = {row["id"]: row for row in client.get("/api/cases/").json()["results"]}
        assert rows[hazard.pk]["overdue"] is True and rows[reported.pk]["overdue"] is False
        assert rows[hazard.pk]["category"]["code"] == world.hazard.code

        assert_error(client.get("/api/cases/", {"bbox": "1,2,3"}), 400, "invalid", "bbox")
        assert_error(client.get("/api/cases/", {"bbox": "115,41,114,42"}), 400, "invalid", "bbox")
        assert_error(client.get("/api/cases/", {"state": "lost"}), 400, "invalid", "state")

    def test_geojson_has_the_same_filters(self, world):
        near = submit(world)
        submit(world, point=POINT_V3)
        client = client_for(world.county_operator)
        response = client.get("/api/cases/geojson/", {"region": world.t1.code})
        assert response.status_code == 200
        body = response.json()
        assert body["type"] == "FeatureCollection" and body["count"] == 1
        [feature] = body["features"]
        assert feature["geometry"] == {"type": "Point", "coordinates": list(POINT_V1_C1)}
        assert feature["properties"]["number"] == near.number and feature["id"] == near.pk
        assert "description" not in feature["properties"]
        assert client_for(world.operator_t2).get("/api/cases/geojson/", {"region": world.t1.code}).json()["count"] == 0

    def test_list_detail_and_map_make_a_fixed_number_of_queries(self, world, django_assert_max_num_queries):
        for index in range(12):
            photos = [{"sha256": f"{index:x}" * 64, "purpose": "evidence"}]
            submit(world, parties=PARTIES, photos=photos, lon=POINT_V1_C1[0] + index * 0.01)
        case = Case.objects.order_by("pk").first()
        drive(world, case, S.IN_PROGRESS)
        workflow.record_session(
            world.mediator, case, held_at=timezone.now(), place="调解室", mediators=[], attendees="双方", record="记录"
        )
        workflow.record_agreement(
            world.mediator,
            case,
            facts="事实",
            issues="争议",
            responsibilities="责任",
            terms="条款",
            performance="当面",
            perform_by=timezone.localdate(),
        )
        workflow.request_extension(world.mediator, case, days=3, reason="等待鉴定")
        client = client_for(world.county_operator)
        client.get("/api/cases/")  # the user's memberships are read once and kept on the request's user
        # However many cases: one page (with its joins), and no count (keyset pages); then the rows'
        # possible duplicates take five (the categories' version check, the cases nearby, the page's
        # parties, the same parties elsewhere, the ones visible).
        with django_assert_max_num_queries(6):
            response = client.get("/api/cases/")
        assert len(response.json()["results"]) == 12 and "count" not in response.json()
        with django_assert_max_num_queries(2):
            assert client.get("/api/cases/geojson/").json()["count"] == 12
        with django_assert_max_num_queries(3):  # + the reports' photos
            assert len(client.get("/api/reports/").json()["results"]) == 12
        # The detail: the case, then one query per kind of record, however many records; the
        # duplicates take four (the categories' version check, the cases nearby, the same parties,
        # the ones offered).
        with django_assert_max_num_queries(16):
            detail = client.get(f"/api/cases/{case.pk}/").json()
        assert len(detail["parties"]) == 2 and len(detail["sessions"]) == 1 and detail["agreement"]["terms"] == "条款"
        assert len(detail["pending_requests"]) == 1 and len(detail["photos"]["missing"]) == 1


def test_categories_are_a_tree(world):
    response = client_for(world.gridworker).get("/api/categories/")
    assert response.status_code == 200
    roots = {node["code"]: node for node in response.json()}
    neighbours = roots[world.disputes.code]
    assert neighbours["level"] == 1 and neighbours["kind"] == "dispute"
    middle = {node["code"]: node for node in neighbours["children"]}
    assert middle[world.neighbours.code]["children"][0]["level"] == 3


def test_token_for_the_phone(world):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "gridworker", "password": "x-test-password-1"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert_error(client.post("/api/auth/token/", {"username": "gridworker", "password": "wrong"}), 400, "invalid")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/cases/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert_error(client.get("/api/cases/"), 401, "token_invalid")
    client.credentials()
    assert_error(client.get("/api/cases/"), 401, "not_authenticated")


def test_resident_look_ups_are_throttled(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"resident_case": "3/hour"}}
    case = submit(world)
    resident = APIClient()
    for _ in range(3):
        assert resident.get(f"/api/public/cases/{case.number}/", {"code": "000000"}).status_code in (200, 404)
    response = resident.get(f"/api/public/cases/{case.number}/", {"code": case.verification_code})
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    # Another case number is counted on its own.
    other = submit(world)
    assert resident.get(f"/api/public/cases/{other.number}/", {"code": other.verification_code}).status_code == 200


def test_the_schema_generates(world):
    response = client_for(world.operator).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/cases/{id}/accept/" in response.content


def _jpeg():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "photo.jpg"
    return buffer


def test_photos_are_uploaded_once_and_fill_the_case(world, settings, tmp_path):
    import hashlib

    settings.MEDIA_ROOT = tmp_path
    image = _jpeg()
    digest = hashlib.sha256(image.getvalue()).hexdigest()
    case = submit(world, photos=[{"sha256": digest, "purpose": "evidence"}])
    client = client_for(world.gridworker)

    response = client.post("/api/photos/", {"file": image}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["sha256"] == digest and response.json()["width"] == 40
    response = client.post("/api/photos/", {"file": _jpeg()}, format="multipart")
    assert response.status_code == 200 and Photo.objects.count() == 1

    fake = io.BytesIO(b"GIF89a not really")
    fake.name = "fake.jpg"
    assert_error(client.post("/api/photos/", {"file": fake}, format="multipart"), 400, "invalid", "file")
    assert_error(client.post("/api/photos/", {}, format="multipart"), 400, "invalid", "file")
    assert Photo.objects.count() == 1

    photos = client.get(f"/api/cases/{case.pk}/").json()["photos"]
    assert photos["missing"] == [] and photos["expected"][0]["received"] is True


@pytest.mark.skipif(
    importlib.util.find_spec("disputes.documents") is None, reason="disputes/documents.py not there yet"
)
def test_the_agreement_prints_as_html_and_pdf(world):
    case = submit(world, parties=PARTIES)
    drive(world, case, S.IN_PROGRESS)
    workflow.record_session(
        world.mediator, case, held_at=timezone.now(), place="调解室", mediators=[], attendees="双方", record="记录"
    )
    assert_error(client_for(world.mediator).get(f"/api/cases/{case.pk}/agreement/print/"), 404, "not_found")
    workflow.record_agreement(
        world.mediator,
        case,
        facts="事实",
        issues="争议",
        responsibilities="责任",
        terms="条款",
        performance="当面",
        perform_by=timezone.localdate(),
    )
    mediator = client_for(world.mediator)
    html = mediator.get(f"/api/cases/{case.pk}/agreement/print/")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    pdf = mediator.get(f"/api/cases/{case.pk}/agreement/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # The document holds ID numbers in full: only handlers print it; others do not learn it exists.
    assert_error(client_for(world.gridworker).get(f"/api/cases/{case.pk}/agreement/pdf/"), 403, "not_allowed")
    assert_error(client_for(world.operator_t2).get(f"/api/cases/{case.pk}/agreement/pdf/"), 404, "not_found")


def test_an_unknown_case_is_404_with_the_error_shape(world):
    client = client_for(world.county_operator)
    assert_error(client.get("/api/cases/999999/"), 404, "not_found")
    assert_error(act(client, 999999, "accept", 1), 404, "not_found")
    assert_error(client.get("/api/requests/1/decide/"), 405, "method_not_allowed")
