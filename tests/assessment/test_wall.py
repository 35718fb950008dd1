"""GET /api/wall/: the governance centre's wall, for operators and for unattended displays.

The scene (every case made through intake and the workflow verbs, all created now):

    T1 长顺镇 / V1 东沟村 (c1)
        A  closed at the village committee, followed up: satisfied; parties and a contact
        B  closed at the township judicial office (category 110102, level 3), breached by
           the deadline sweeper; followed up: unsatisfied
        C  in progress at the judicial office, 30 h past due
        D  in progress at the village mediation committee, 5 h past due
        H  deferred (缓办) at the judicial office, past due but on hold: not overdue
        I  rejected (not a case of the figures)
        R  reported, category 5001 (安全隐患)
    T1 / V2 西滩村 (c3)
        K  reported, category 11 (level 1)
        L  closed at the county centre
    T2 朝阳镇 / V3 王家营村 (c4)
        E  closed at the township centre
        E2 in progress at the township centre, 10 h past due
    T3, T4: townships without cases
"""

import datetime
import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assessment import indicators, wall
from disputes import workflow
from disputes.models import AuditEntry, Category, Report
from realtime.auth import issue_display_token
from tests import factories as f
from tests.disputes.conftest import PARTIES, POINT_V1_C1, POINT_V3
from tests.disputes.stories import closed, handled, new_case, shift
from tests.factories import client_for

HOUR = datetime.timedelta(hours=1)
POINT_V2 = (114.5, 42.5)
URL = "/api/wall/"


@pytest.fixture(autouse=True)
def not_at_midnight():
    """The scene happens "today": do not let local midnight (which also ends weeks, months, years) pass mid-test."""
    local = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    left = 86400 - (local.hour * 3600 + local.minute * 60 + local.second)
    if left < 60:
        time.sleep(left + 1)


@pytest.fixture
def scene(world):
    now = timezone.now()
    w = world
    w.t3 = f.township(w.county, "150922103000", "白音镇", (116, 41, 117, 43))
    w.t4 = f.township(w.county, "150922102000", "七号镇", (117, 41, 118, 43))
    drainage = Category.objects.get(code="110102")
    c = {}
    c["A"] = closed(w, w.v1_committee, w.committee, parties=PARTIES, contact_name="赵四海", contact_phone="13700001111")
    c["B"] = closed(w, w.t1_justice, w.justice, category=drainage)
    c["C"] = handled(w, w.t1_justice, w.justice)
    c["D"] = handled(w, w.v1_mediation, w.mediator)
    c["H"] = handled(w, w.t1_justice, w.justice)
    request = workflow.request_deferral(w.justice, c["H"], reason="当事人外出务工")
    workflow.decide_request(w.operator, request, approve=True)
    c["I"] = new_case(w)
    workflow.reject_case(w.committee, c["I"], reason="不属于受理范围")
    c["R"] = new_case(w, category=w.hazard)
    c["K"] = new_case(w, category=w.disputes, point=POINT_V2)
    c["L"] = closed(w, w.county_centre, w.county_operator, finder=w.operator, point=POINT_V2)
    c["E"] = closed(w, w.t2_centre, w.operator_t2, dispatcher=w.operator_t2, finder=w.gridworker_v3, point=POINT_V3)
    c["E2"] = handled(w, w.t2_centre, w.operator_t2, dispatcher=w.operator_t2, point=POINT_V3)

    AuditEntry.objects.create(case=c["B"], action="escalate", details={"automatic": True}, at=now)
    workflow.record_follow_up(w.county_operator, c["A"], performed=True, satisfaction="satisfied")
    workflow.record_follow_up(w.county_operator, c["B"], performed=True, satisfaction="unsatisfied")
    shift(c["C"], due_at=now - 30 * HOUR)
    shift(c["D"], due_at=now - 5 * HOUR)
    shift(c["H"], due_at=now - 50 * HOUR)
    shift(c["E2"], due_at=now - 10 * HOUR)
    for case in c.values():
        case.refresh_from_db()
    assert c["H"].state == "deferred" and c["I"].state == "rejected" and c["R"].state == "reported"
    return c


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code and body["message"]
    return body


# --- what the wall shows ------------------------------------------------------------------


def test_a_township_wall_counts_today_and_the_period(world, scene):
    body = get(client_for(world.operator))

    assert body["region"] == {"code": world.t1.code, "name": "长顺镇", "level": "township"}
    assert body["period"]["name"] == "month"
    start = datetime.datetime.fromisoformat(body["period"]["start"])
    end = datetime.datetime.fromisoformat(body["period"]["end"])
    generated = datetime.datetime.fromisoformat(body["generated_at"])
    assert start.utcoffset() == datetime.timedelta(hours=8)  # Asia/Shanghai
    assert (start.day, start.hour, start.minute) == (1, 0, 0) and start <= generated < end
    assert (end.day, end.hour) == (1, 0) and 28 <= (end - start).days <= 31

    # Nine reports in T1; six accepted through the workflow; A, B, L closed (I was rejected,
    # which is not closing); C and D past due (H is on hold).
    assert body["today"] == {"reports": 9, "accepted": 6, "closed": 3, "overdue": 2}

    # due: A B C D H R K L (I rejected); H deferred; B breached; follow-ups on A and B.
    # Closed in the period: A at the village, B at the township, L at the county.
    assert body["indicators"] == {
        "closure_rate": pytest.approx(3 / 7),
        "on_time_rate": pytest.approx(2 / 7),
        "satisfaction_rate": 0.5,
        "local_share": pytest.approx(1 / 3),
        "local_rate": pytest.approx(2 / 3),
        "due": 8,
        "deferred": 1,
        "closed": 3,
        "closed_on_time": 2,
        "overdue": 2,
        "follow_ups": 2,
        "satisfied": 1,
        "local": {"closed": 3, "village": 1, "township": 1, "county": 1},
    }

    # V2 closes 1 of 2; V1 2 of 5 (6 less the deferred H): V2 ranks first although V1's code is lower.
    assert body["ranking"] == [
        {
            "code": world.v2.code,
            "name": "西滩村",
            "cases": 2,
            "closed": 1,
            "closure_rate": 0.5,
            "on_time_rate": 0.5,
            "satisfaction_rate": None,
            "local_share": 0.0,
            "overdue": 0,
        },
        {
            "code": world.v1.code,
            "name": "东沟村",
            "cases": 6,
            "closed": 2,
            "closure_rate": pytest.approx(2 / 5),
            "on_time_rate": pytest.approx(1 / 5),
            "satisfaction_rate": 0.5,
            "local_share": 0.5,
            "overdue": 2,
        },
    ]

    # Categories by their top level, whatever level the case's category is at (1, 2 or 3).
    assert body["categories"] == [
        {"code": "11", "name": "邻里纠纷", "count": 7},
        {"code": "50", "name": world.incidents.name, "count": 1},
    ]

    c = scene
    assert [row["id"] for row in body["supervise"]] == [c["C"].pk, c["D"].pk]
    first = body["supervise"][0]
    assert first == {
        "id": c["C"].pk,
        "number": c["C"].number,
        "category_name": "相邻关系纠纷",
        "grade": c["C"].grade,
        "state": "in_progress",
        "area_name": "东沟村",
        "unit_name": "长顺司法所",
        "due_at": first["due_at"],
        "overdue_hours": pytest.approx(30, abs=0.2),
        "lon": POINT_V1_C1[0],
        "lat": POINT_V1_C1[1],
    }
    assert datetime.datetime.fromisoformat(first["due_at"]) == c["C"].due_at

    # Open cases, newest first, with their overdue flag.
    assert [(p["id"], p["overdue"]) for p in body["cases"]] == [
        (c["K"].pk, False),
        (c["R"].pk, False),
        (c["H"].pk, False),
        (c["D"].pk, True),
        (c["C"].pk, True),
    ]
    assert body["cases"][0] == {
        "id": c["K"].pk,
        "number": c["K"].number,
        "lon": POINT_V2[0],
        "lat": POINT_V2[1],
        "grade": c["K"].grade,
        "state": "reported",
        "overdue": False,
        "category_code": "11",
    }
    assert body["labels"]["states"]["in_progress"] and set(body["labels"]["grades"]) == {
        "green",
        "yellow",
        "orange",
        "red",
    }


def test_a_county_wall_ranks_townships_with_empty_ones_last_by_name(world, scene):
    body = get(client_for(world.county_operator))

    assert body["region"]["code"] == world.county.code
    codes = [row["code"] for row in body["ranking"]]
    # T2 closes 1 of 2 (0.5), T1 3 of 7; T3 and T4 have no cases (null), by name.
    empty = sorted([(world.t3.name, world.t3.code), (world.t4.name, world.t4.code)])
    assert codes == [world.t2.code, world.t1.code, *[code for _name, code in empty]]
    assert [row["closure_rate"] for row in body["ranking"]] == [0.5, pytest.approx(3 / 7), None, None]
    assert body["ranking"][2]["cases"] == 0 and body["ranking"][2]["overdue"] == 0
    c = scene
    # Most overdue first across townships: C 30 h, E2 10 h, D 5 h.
    assert [row["id"] for row in body["supervise"]] == [c["C"].pk, c["E2"].pk, c["D"].pk]
    assert body["supervise"][1]["area_name"] == "王家营村" and body["supervise"][1]["unit_name"] == "朝阳镇综治中心"
    assert body["today"]["overdue"] == 3 and body["today"]["closed"] == 4
    assert body["indicators"]["due"] == 10 and body["indicators"]["local"]["township"] == 2


def test_a_village_wall_ranks_its_grid_cells(world, scene):
    body = get(client_for(world.operator), region=world.v1.code)
    assert body["region"] == {"code": world.v1.code, "name": "东沟村", "level": "village"}
    assert [(row["code"], row["cases"]) for row in body["ranking"]] == [(world.c1.code, 6), (world.c2.code, 0)]
    assert body["ranking"][0]["closure_rate"] == pytest.approx(2 / 5)


def test_the_ranking_agrees_with_the_figures_of_each_child(world, scene):
    now = timezone.now()
    board = wall.board(world.county, "month", now=now)
    start = board["period"]["start"]
    by_code = {row["code"]: row for row in board["ranking"]}
    for township in (world.t1, world.t2, world.t3, world.t4):
        found, counts = indicators.compute(township, start, now)
        assert by_code[township.code] == {
            "code": township.code,
            "name": township.name,
            "cases": counts["due"],
            "closed": counts["closed"],
            "closure_rate": found["closure_rate"],
            "on_time_rate": found["on_time_rate"],
            "satisfaction_rate": found["satisfaction_rate"],
            "local_share": found["village_share"],
            "overdue": found["overdue"],
        }
    totals = indicators.counts(world.county, start, now)
    assert sum(row["cases"] for row in board["ranking"]) == totals["due"] == board["indicators"]["due"]


def test_today_counts_only_today(world, scene):
    c = scene
    today_start, _end = wall.period_bounds("today", timezone.now())
    yesterday = today_start - datetime.timedelta(seconds=1)
    shift(c["D"], accepted_at=yesterday)
    shift(c["A"], closed_at=yesterday)
    Report.objects.filter(case=c["K"]).update(received_at=yesterday)

    body = get(client_for(world.operator))
    assert body["today"] == {"reports": 8, "accepted": 5, "closed": 2, "overdue": 2}


def test_periods_choose_the_cases_by_creation(world, scene):
    c = scene
    now = timezone.now()
    today_start, _ = wall.period_bounds("today", now)
    year_start, _ = wall.period_bounds("year", now)
    shift(c["K"], created_at=today_start - datetime.timedelta(seconds=1))  # yesterday
    shift(c["R"], created_at=year_start - datetime.timedelta(days=1))  # last year
    client = client_for(world.operator)

    day = get(client, period="today")
    assert day["period"]["name"] == "today"
    assert datetime.datetime.fromisoformat(day["period"]["start"]) == today_start
    assert day["indicators"]["due"] == 6
    assert {row["code"]: row["count"] for row in day["categories"]} == {"11": 6}

    year = get(client, period="year")
    assert datetime.datetime.fromisoformat(year["period"]["start"]) == year_start
    in_year = 7 if today_start > year_start else 6  # on 1 January, yesterday was last year
    assert year["indicators"]["due"] == in_year
    assert {row["code"]: row["count"] for row in year["categories"]} == {"11": in_year}
    # The map and the supervision list are about now, whatever the period.
    assert len(year["cases"]) == len(day["cases"]) == 5


@pytest.mark.parametrize(
    "moment, name, start, end",
    [
        # 2024-02-29 23:30 UTC is Friday 1 March 07:30 in Shanghai.
        ("2024-02-29T23:30:00+00:00", "today", "2024-03-01", "2024-03-02"),
        ("2024-02-29T23:30:00+00:00", "week", "2024-02-26", "2024-03-04"),
        ("2024-02-29T23:30:00+00:00", "month", "2024-03-01", "2024-04-01"),
        ("2024-02-29T23:30:00+00:00", "year", "2024-01-01", "2025-01-01"),
        ("2024-12-31T15:59:59+00:00", "month", "2024-12-01", "2025-01-01"),
        ("2024-12-31T16:00:00+00:00", "year", "2025-01-01", "2026-01-01"),
        ("2024-12-31T16:00:00+00:00", "week", "2024-12-30", "2025-01-06"),
    ],
)
def test_periods_are_calendar_periods_in_the_server_time_zone(moment, name, start, end):
    zone = timezone.get_default_timezone()
    first, last = wall.period_bounds(name, datetime.datetime.fromisoformat(moment))
    assert first == datetime.datetime.fromisoformat(start).replace(tzinfo=zone)
    assert last == datetime.datetime.fromisoformat(end).replace(tzinfo=zone)


def test_the_lists_are_capped(world, scene):
    c = scene
    now = timezone.now()
    assert [row["id"] for row in wall.supervise(world.county, now, limit=2)] == [c["C"].pk, c["E2"].pk]
    assert [row["id"] for row in wall.map_points(world.county, now, limit=2)] == [c["E2"].pk, c["K"].pk]
    assert wall.SUPERVISE_LIMIT == 20 and wall.MAP_LIMIT == 1000


def test_no_personal_data_leaves_the_wall(world, scene):
    body = get(client_for(world.county_operator))
    # (The labels are the state and grade names, which mention roles, not people.)
    text = json.dumps({name: part for name, part in body.items() if name != "labels"}, ensure_ascii=False)
    people = [
        *(p["name"] for p in PARTIES),
        *(p["phone"] for p in PARTIES),
        PARTIES[0]["id_number"],
        "赵四海",
        "13700001111",
        "两户因宅前排水沟堵塞发生争吵",  # descriptions may name people
    ]
    for user in (world.gridworker, world.committee, world.justice, world.mediator, world.county_operator):
        people += [user.username, f"{user.last_name}{user.first_name}"]
    leaked = [value for value in people if value in text]
    assert not leaked, leaked

    keys = set()

    def walk(value):
        if isinstance(value, dict):
            keys.update(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk({name: part for name, part in body.items() if name != "labels"})
    forbidden = {"parties", "phone", "id_number", "contact_name", "contact_phone", "reporter", "handler"}
    forbidden |= {"description", "verification_code", "address", "actor", "username"}
    assert not keys & forbidden


# --- who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mediator", "justice", "committee", "gridworker", "outsider"])
def test_users_without_a_region_are_refused(world, who):
    assert_error(client_for(getattr(world, who)).get(URL), 403, "not_allowed")


def test_anonymous_callers_are_challenged(world):
    response = APIClient().get(URL)
    assert_error(response, 401, "not_authenticated")
    assert "Display" in response["WWW-Authenticate"] and "Token" in response["WWW-Authenticate"]


def test_each_operator_sees_the_top_region_of_their_memberships(world):
    assert get(client_for(world.operator_t2))["region"]["code"] == world.t2.code
    # An operator at T1 who also administers the county sees the county by default.
    from grid.members import assign_member
    from grid.models import Role

    assign_member(world.operator, Role.ADMINISTRATOR, world.county_centre)
    fresh = type(world.operator).objects.get(pk=world.operator.pk)  # memberships are cached on the user
    assert get(client_for(fresh))["region"]["code"] == world.county.code


def test_a_superuser_sees_the_county(world):
    assert get(client_for(world.admin))["region"]["code"] == world.county.code


def test_session_and_api_token_both_work(world, scene):
    session = APIClient()
    session.force_login(world.operator)
    assert get(session)["region"]["code"] == world.t1.code

    key = Token.objects.create(user=world.operator).key
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert get(token)["today"]["reports"] == 9


def test_narrowing_stays_inside_the_jurisdiction(world, scene):
    client = client_for(world.operator)
    assert get(client, region=world.v2.code)["region"]["name"] == "西滩村"
    assert get(client, region=world.t1.code)["region"]["code"] == world.t1.code
    assert_error(client.get(URL, {"region": world.t2.code}), 403, "not_allowed")
    assert_error(client.get(URL, {"region": world.county.code}), 403, "not_allowed")  # above, not inside
    assert_error(client.get(URL, {"region": "150922100299"}), 404, "not_found")  # inside, but no such village
    body = assert_error(client.get(URL, {"region": "15092210"}), 400, "invalid")
    assert "region" in body["fields"]
    body = assert_error(client.get(URL, {"period": "decade"}), 400, "invalid")
    assert "period" in body["fields"]
    county = client_for(world.county_operator)
    assert get(county, region=world.v3.code)["ranking"][0]["code"] == world.c4.code


# --- unattended walls -----------------------------------------------------------------------


def test_a_display_token_opens_the_wall_of_its_region(world, scene):
    token, _display_id = issue_display_token(world.t1.code)
    by_header = APIClient()
    by_header.credentials(HTTP_AUTHORIZATION=f"Display {token}")
    body = get(by_header)
    assert body["region"]["code"] == world.t1.code and body["today"]["reports"] == 9

    by_query = APIClient()
    assert get(by_query, display=token)["region"]["code"] == world.t1.code
    assert get(by_query, display=token, region=world.v1.code)["region"]["code"] == world.v1.code
    assert_error(by_query.get(URL, {"display": token, "region": world.t2.code}), 403, "not_allowed")


def test_a_display_token_wins_over_the_session(world, scene):
    token, _display_id = issue_display_token(world.t2.code)
    client = APIClient()
    client.force_login(world.county_operator)
    assert get(client, display=token)["region"]["code"] == world.t2.code
    # A bad token is refused, never read as the session's user.
    assert_error(client.get(URL, {"display": token + "x"}), 401, "not_authenticated")


def test_forged_expired_revoked_and_orphaned_display_tokens_are_refused(world, settings):
    token, display_id = issue_display_token(world.t1.code)
    forged = token.replace(world.t1.code, world.county.code)
    assert forged != token
    client = APIClient()
    for bad in (forged, token[:-2], "display:150922100000:abc", ""):
        assert_error(client.get(URL, {"display": bad}), 401, "not_authenticated")
    header = APIClient()
    header.credentials(HTTP_AUTHORIZATION=f"Display {forged}")
    assert_error(header.get(URL), 401, "not_authenticated")
    header.credentials(HTTP_AUTHORIZATION="Display")
    assert_error(header.get(URL), 401, "not_authenticated")

    settings.REALTIME_REVOKED_DISPLAY_TOKENS = [display_id]
    assert_error(client.get(URL, {"display": token}), 401, "not_authenticated")
    settings.REALTIME_REVOKED_DISPLAY_TOKENS = []
    assert client.get(URL, {"display": token}).status_code == 200

    settings.REALTIME_DISPLAY_TOKEN_MAX_AGE = -1  # every token is older than that
    assert_error(client.get(URL, {"display": token}), 401, "not_authenticated")
    settings.REALTIME_DISPLAY_TOKEN_MAX_AGE = None

    orphan, _display_id = issue_display_token("150922199000")  # a well-formed code of no region
    assert_error(client.get(URL, {"display": orphan}), 401, "not_authenticated")


def test_a_display_token_opens_nothing_else(world, scene):
    token, _display_id = issue_display_token(world.county.code)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Display {token}")
    for url in ("/api/cases/", "/api/cases/geojson/", f"/api/cases/{scene['A'].pk}/", "/api/reports/"):
        assert client.get(url).status_code == 401, url
    assert APIClient().get("/api/cases/", {"display": token}).status_code == 401


# --- cost -----------------------------------------------------------------------------------


def test_the_wall_costs_a_fixed_number_of_queries(world, scene, django_assert_max_num_queries):
    fresh = type(world.county_operator).objects.get(pk=world.county_operator.pk)
    # 2 for the memberships, 14 for the figures, 1 for the supervision orders awaiting a reply (督办令)
    with django_assert_max_num_queries(17):
        get(client_for(fresh))
    with CaptureQueriesContext(connection) as few:
        get(client_for(world.county_operator))

    # Many more townships and cases: the same queries.
    for index in range(5):
        f.township(world.county, f"1509221{10 + index}000", f"新镇{index}", (118 + index, 41, 119 + index, 43))
    for point in (POINT_V1_C1, POINT_V2, POINT_V3):
        new_case(world, point=point)
        handled(world, world.t1_justice, world.justice)
    with CaptureQueriesContext(connection) as many:
        body = get(client_for(world.county_operator))
    assert len(body["ranking"]) == 9 and body["today"]["reports"] == 17
    assert len(many) == len(few)


def test_the_schema_describes_the_wall(world):
    response = client_for(world.operator).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/wall/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Wall"
    }
    assert {"displayToken": []} in operation["security"]
    wall_schema = schema["components"]["schemas"]["Wall"]
    assert set(wall_schema["properties"]) == {
        "region",
        "generated_at",
        "period",
        "today",
        "indicators",
        "ranking",
        "categories",
        "supervise",
        "orders",
        "cases",
        "notices",
        "labels",
    }
