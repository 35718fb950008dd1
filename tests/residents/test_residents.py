"""The resident's face: a verified phone, limits per number and per address, reports through
intake (source web) stored once, follow without personal data, rate once, complain once, and the
public map of the categories the county opted in."""

from disputes import workflow
from disputes.models import Case, Report
from sms.models import Message
from supervision.models import Complaint
from tests.disputes.conftest import POINT_V1_C2, POINT_V3

from .conftest import PHONE, assert_error, code_sent_to, report_body, verified


def test_report_with_a_verified_phone_is_stored_once_and_told_by_sms(world, resident):
    token = verified(resident)
    body = report_body(world, token)
    response = resident.post("/r/api/reports/", body, format="json")
    assert response.status_code == 201, response.content
    receipt = response.json()
    report = Report.objects.get(pk=body["id"])
    assert report.source == "web" and report.contact_phone == PHONE and report.case.number == receipt["number"]
    assert receipt["code"] == report.case.verification_code
    told = Message.objects.get(phone=PHONE, template="case_received")
    assert told.params == {"number": receipt["number"], "code": receipt["code"]}
    again = resident.post("/r/api/reports/", body, format="json")  # the resend of a lost answer
    assert again.status_code == 200 and again.json()["number"] == receipt["number"]
    assert Report.objects.count() == 1 and Case.objects.count() == 1
    assert Message.objects.filter(template="case_received").count() == 1


def test_a_resend_seconds_later_without_a_time_is_the_same_report_not_a_conflict(world, resident, monkeypatch):
    import datetime

    from django.utils import timezone

    token = verified(resident)
    body = report_body(world, token)
    body.pop("occurred_at", None)  # the page sends no time: the server's "now" is the report's
    first = resident.post("/r/api/reports/", body, format="json")
    assert first.status_code == 201, first.content
    later = timezone.now() + datetime.timedelta(seconds=5)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the answer was lost; the resend comes later
    again = resident.post("/r/api/reports/", body, format="json")
    assert again.status_code == 200, again.content
    assert again.json()["number"] == first.json()["number"] and Report.objects.count() == 1


def test_no_report_without_a_verified_phone(world, resident):
    assert_error(resident.post("/r/api/reports/", report_body(world, "forged"), format="json"), 400, "invalid", "token")
    assert not Report.objects.exists()


def test_wrong_codes_are_refused_and_void_the_code_after_five(world, resident):
    resident.post("/r/api/phone/code/", {"phone": PHONE}, format="json")
    good = code_sent_to(PHONE)
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    for _ in range(5):
        assert_error(
            resident.post("/r/api/phone/verify/", {"phone": PHONE, "code": wrong}, format="json"),
            400,
            "invalid",
            "code",
        )
    assert_error(
        resident.post("/r/api/phone/verify/", {"phone": PHONE, "code": good}, format="json"), 400, "invalid", "code"
    )


def test_bad_input_is_refused_and_nothing_stored(world, resident):
    token = verified(resident)
    assert_error(resident.post("/r/api/phone/code/", {"phone": "12345"}, format="json"), 400, "invalid", "phone")
    outside = report_body(world, token, lon=100.0, lat=30.0)
    assert_error(resident.post("/r/api/reports/", outside, format="json"), 400, "invalid", "lon")
    unknown = report_body(world, token, category="nope")
    assert_error(resident.post("/r/api/reports/", unknown, format="json"), 400, "invalid", "category")
    assert not Report.objects.exists()


# --- flooding ------------------------------------------------------------------------------


def test_flood_from_one_address_is_held(world):
    """1,000 attempts from one address: a few codes go out, no report without a verified phone."""
    client = APIClientAt("10.9.9.9")
    statuses = [
        client.post("/r/api/phone/code/", {"phone": f"139{n:08d}"}, format="json").status_code for n in range(500)
    ]
    assert statuses.count(202) == 20 and statuses.count(429) == 480
    assert Message.objects.count() == 20
    for _ in range(500):
        response = client.post("/r/api/reports/", report_body(world, "no-token"), format="json")
        assert response.status_code == 400
    assert not Report.objects.exists()


def test_flood_of_reports_from_one_number_is_held(world):
    token = verified(APIClientAt("10.0.0.1"))
    statuses = []
    for n in range(1000):  # from many addresses, one verified number
        client = APIClientAt(f"10.{n // 250}.{n % 250}.9")
        statuses.append(client.post("/r/api/reports/", report_body(world, token), format="json").status_code)
    assert statuses.count(201) == 10 and statuses.count(429) == 990
    assert Report.objects.count() == 10


def test_codes_for_one_number_are_limited_whatever_the_address(world):
    statuses = [
        APIClientAt(f"10.7.{n // 250}.{n % 250}")
        .post("/r/api/phone/code/", {"phone": PHONE}, format="json")
        .status_code
        for n in range(1000)
    ]
    assert statuses.count(202) == 5
    assert Message.objects.filter(phone=PHONE).count() == 5


def APIClientAt(address):  # noqa: N802 - reads as a client class
    from rest_framework.test import APIClient

    return APIClient(REMOTE_ADDR=address)


# --- following, rating, complaining ---------------------------------------------------------


def reported(world, resident, **overrides):
    body = report_body(world, verified(resident), **overrides)
    receipt = resident.post("/r/api/reports/", body, format="json").json()
    return receipt["number"], receipt["code"], Case.objects.get(number=receipt["number"])


def close(world, case):
    operator = world.county_operator
    workflow.accept_case(operator, case)
    workflow.dispatch_case(operator, case, unit=world.v1_committee)
    workflow.start_case(world.committee, case)
    workflow.resolve_case(world.committee, case, result="已处理")
    workflow.verify_case(world.gridworker, case, passed=True)
    workflow.close_case(operator, case)


def test_follow_shows_state_timeline_and_deadline_and_nothing_personal(world, resident):
    number, code, case = reported(world, resident)
    workflow.accept_case(world.county_operator, case)
    body = resident.get(f"/r/api/cases/{number}/", {"code": code}).json()
    assert body["state"] == "accepted" and body["due_at"]
    assert [entry["action"] for entry in body["timeline"]] == ["report_received", "accept"]
    assert body["timeline"][1]["unit"] == world.county_centre.name
    text = str(body)
    assert PHONE not in text and "狗" not in text and world.county_operator.username not in text
    assert_error(
        resident.get(f"/r/api/cases/{number}/", {"code": "000000" if code != "000000" else "1"}), 404, "not_found"
    )


def test_rate_once_unsatisfied_needs_a_reason_and_becomes_the_complaint(world, resident):
    number, code, case = reported(world, resident)
    close(world, case)
    url = f"/r/api/cases/{number}/rating/"
    assert_error(
        resident.post(url, {"code": code, "satisfaction": "unsatisfied"}, format="json"), 400, "invalid", "reason"
    )
    assert Case.objects.get(pk=case.pk).resident_rating == ""
    response = resident.post(url, {"code": code, "satisfaction": "unsatisfied", "reason": "狗还在叫"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["rating"] == "unsatisfied" and response.json()["can_rate"] is False
    complaint = Complaint.objects.get(case=case)
    assert complaint.text == "狗还在叫" and complaint.contact_phone == PHONE and complaint.order_id
    assert response.json()["can_complain"] is False
    again = resident.post(url, {"code": code, "satisfaction": "satisfied"}, format="json")
    assert_error(again, 409, "illegal_transition")


def test_complain_once(world, resident):
    number, code, case = reported(world, resident)
    workflow.accept_case(world.county_operator, case)
    workflow.dispatch_case(world.county_operator, case, unit=world.v1_committee)
    url = f"/r/api/cases/{number}/complaint/"
    assert_error(resident.post(url, {"code": code, "text": " "}, format="json"), 400, "invalid", "text")
    response = resident.post(url, {"code": code, "text": "一周了没人来"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["can_complain"] is False
    assert_error(resident.post(url, {"code": code, "text": "还是没人来"}, format="json"), 409, "already_complained")
    assert Complaint.objects.count() == 1
    assert_error(resident.post(url, {"code": "x", "text": "?"}, format="json"), 404, "not_found")


def test_closing_sends_the_result_with_the_link(world, resident):
    number, code, case = reported(world, resident)
    close(world, case)
    told = Message.objects.get(phone=PHONE, template="case_closed")
    assert told.params["link"].endswith(f"/r/#f={number}-{code}")


# --- places and the public map --------------------------------------------------------------


def test_places_by_typed_name(world, resident):
    found = resident.get("/r/api/places/", {"q": "东沟"}).json()
    assert found and found[0]["name"] == "东沟村" and 114 <= found[0]["lon"] <= 115 and 41 <= found[0]["lat"] <= 42
    # The desk's one search: pinyin and initials too, from anywhere in the county.
    assert "东沟村" in [row["name"] for row in resident.get("/r/api/places/", {"q": "donggou"}).json()]
    assert "东沟村" in [row["name"] for row in resident.get("/r/api/places/", {"q": "dgc"}).json()]


def test_public_map_only_opted_in_categories_at_the_cells_centre(world, resident):
    reported(world, resident)
    reported(world, resident, lon=POINT_V1_C2[0] + 0.1, lat=POINT_V1_C2[1] + 0.3)
    reported(world, resident, lon=POINT_V3[0], lat=POINT_V3[1], category=world.hazard.code)
    url = "/r/api/map/"
    assert resident.get(url, {"bbox": "113,40,117,44"}).json() == []
    world.disputes.public = True  # 1101's parent, through save as the admin does (the reference cache follows)
    world.disputes.save()
    dots = resident.get(url, {"bbox": "113,40,117,44"}).json()
    assert len(dots) == 2 and {dot["total"] for dot in dots} == {1}
    c2 = next(dot for dot in dots if dot["lon"] > 114.5)
    assert (
        c2["lon"] != POINT_V1_C2[0] + 0.1 and 114.5 < c2["lon"] < 115 and 41 < c2["lat"] < 42
    )  # the cell, not the point
    assert set(c2) == {"village", "cell", "lon", "lat", "open", "closed", "total"}
    assert len(resident.get(url, {"bbox": "114,41,114.5,42"}).json()) == 1  # only what is in view
    assert_error(resident.get(url, {"bbox": "1,2,3"}), 400, "invalid", "bbox")


def test_the_page_is_chinese_by_default_and_english_works(world, client):
    page = client.get("/r/").content.decode()
    assert "反映和查询事项" in page and '<html lang="zh-hans"' in page
    english = client.get("/r/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Report and follow a matter" in english or "反映和查询事项" in english
