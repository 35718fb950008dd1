"""GeoReport v2 over gridgov: services, posting through the intake, the public view, and the spec's errors."""

import datetime
import json
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.models import AuditEntry, Case, Category, Report
from open311 import services
from open311.models import Client
from tests.disputes import stories
from tests.open311.helpers import BASE, body, post, request_fields

pytestmark = pytest.mark.django_db

INSIDE_C1 = (114.1, 41.2)  # in cell c1, whose centre is (114.25, 41.5)


def numbers(response):
    return [item["service_request_id"] for item in body(response)]


def incident(world, code="5201", point=INSIDE_C1, **overrides):
    return stories.new_case(world, category=Category.objects.get(code=code), point=point, **overrides)


# --- services ---------------------------------------------------------------------------


def test_services_are_the_active_leaf_categories(client, world):
    Category.objects.filter(code="5302").update(active=False)
    listed = {item["service_code"]: item for item in body(client.get(f"{BASE}/services.json"))}
    leaves = {c.code for c in Category.objects.filter(active=True) if not c.children.filter(active=True).exists()}
    assert set(listed) == leaves - {"5302"}
    assert "52" not in listed and "5201" in listed and "100101" in listed
    rubbish = listed["5201"]
    assert rubbish["service_name"] == "垃圾堆放" and rubbish["group"] == "环境卫生"
    assert rubbish["keywords"] == "垃圾, 脏乱, 乱堆"
    assert listed["100101"]["keywords"].startswith("离婚, 彩礼")  # a minor category has its parent's words
    assert body(client.get(f"{BASE}/services/5302.json"))[0]["code"] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_404_in_the_spec_form(client, world, fmt):
    response = client.get(f"{BASE}/services/nope.{fmt}")
    assert response.status_code == 404
    answer = body(response)
    if fmt == "json":
        assert answer[0]["code"] == 404 and "nope" in answer[0]["description"]
    else:
        assert answer.tag == "errors" and answer.find("error/code").text == "404"


# --- posting ----------------------------------------------------------------------------


def test_a_post_becomes_a_report_of_the_clients_service_user(client, world, key):
    response = post(client, **request_fields(key, lat=INSIDE_C1[1], long=INSIDE_C1[0]))
    assert response.status_code == 201
    report = Report.objects.get()
    case = report.case
    assert report.source == "open311" and report.reporter == key.client.user
    assert report.point.equals_exact(Point(*INSIDE_C1), 1e-9) and report.cell == world.c1
    answer = body(response)[0]
    assert answer["service_request_id"] == case.number
    assert case.verification_code in answer["service_notice"]
    assert AuditEntry.objects.filter(case=case, action="report_received").count() == 1
    assert not key.client.user.has_usable_password() and not key.client.user.is_active


def test_a_resend_with_the_clients_own_id_stores_once(client, world, key):
    fields = request_fields(key, client_request_id="crm-2026-0001")
    first = post(client, **fields)
    again = post(client, "xml", **fields)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Report.objects.count() == 1 and Case.objects.count() == 1
    assert body(again).find("request/service_request_id").text == body(first)[0]["service_request_id"]
    other = post(client, **{**fields, "description": "另一件事"})
    assert other.status_code == 409 and Report.objects.count() == 1
    # Another client may use the same id for its own request.
    _, other_key = services.create_client("12345平台")
    assert post(client, **request_fields(other_key, client_request_id="crm-2026-0001")).status_code == 201
    assert Report.objects.count() == 2


def test_without_an_own_id_each_post_is_a_new_request(client, world, key):
    post(client, **request_fields(key))
    post(client, **request_fields(key))
    assert Report.objects.count() == 2


@pytest.mark.parametrize(
    "api_key",
    [None, "", "o311_not-a-key", "x" * 500],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_keys_get_403_and_store_nothing(client, world, key, api_key, fmt):
    response = post(client, fmt, **request_fields(api_key))
    assert response.status_code == 403
    answer = body(response)
    code = answer[0]["code"] if fmt == "json" else int(answer.find("error/code").text)
    assert code == 403
    assert not Report.objects.exists() and not Case.objects.exists()


def test_an_inactive_or_renewed_key_is_refused(client, world, key):
    Client.objects.filter(pk=key.client.pk).update(active=False)
    assert post(client, **request_fields(key)).status_code == 403
    Client.objects.filter(pk=key.client.pk).update(active=True)
    new = services.renew_key(key.client)
    assert post(client, **request_fields(key)).status_code == 403
    assert post(client, **request_fields(new)).status_code == 201
    stored = Client.objects.get()
    assert new not in json.dumps(list(Client.objects.values()), default=str) and stored.key_prefix == new[:11]


@pytest.mark.parametrize(
    ("overrides", "status", "says"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "4242"}, 404, "4242"),
        ({"service_code": "52"}, 404, "52"),  # a group, not a service
        ({"lat": None, "long": None}, 400, "lat"),
        ({"lat": None, "long": None, "address_string": "东沟村村口"}, 400, "lat"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "NaN"}, 400, "lat"),
        ({"lat": "50", "long": "10"}, 400, "lat"),  # outside every boundary
        ({"lat": "91", "long": "114"}, 400, "lat"),
        ({"description": None}, 400, "description"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"client_request_id": "x" * 101}, 400, "client_request_id"),
    ],
)
def test_bad_input_gets_the_spec_error_and_stores_nothing(client, world, key, overrides, status, says):
    response = post(client, **request_fields(key, **overrides))
    assert response.status_code == status, response.content
    answer = body(response)
    assert all(entry["code"] == status for entry in answer)
    assert any(says in entry["description"] for entry in answer)
    assert not Report.objects.exists() and not Case.objects.exists() and not AuditEntry.objects.exists()


def test_other_methods_are_refused(client, world):
    assert client.put(f"{BASE}/requests.json").status_code == 405
    assert client.post(f"{BASE}/services.json").status_code == 405


# --- the public view --------------------------------------------------------------------


def test_only_public_incidents_are_shown_never_disputes(client, world, publish):
    publish("52", "11")  # even a published dispute category is never shown
    shown = incident(world)
    hidden = incident(world, code="5001")  # an incident of a category the county did not publish
    dispute = stories.new_case(world)  # 邻里纠纷
    listed = numbers(client.get(f"{BASE}/requests.json"))
    assert listed == [shown.number]
    for case in (hidden, dispute):
        assert client.get(f"{BASE}/requests/{case.number}.json").status_code == 404
        assert numbers(client.get(f"{BASE}/requests.json", {"service_request_id": case.number})) == []
    assert numbers(client.get(f"{BASE}/requests/{shown.number}.json")) == [shown.number]


def test_nothing_is_public_until_the_county_says_so(client, world):
    case = incident(world)
    assert numbers(client.get(f"{BASE}/requests.json")) == []
    assert client.get(f"{BASE}/requests/{case.number}.json").status_code == 404


def test_no_personal_data_and_the_place_is_the_cells_centre(client, world, publish):
    publish("52")
    case = incident(world, contact_name="王建国", contact_phone="13812345678", description="王建国家门口垃圾")
    for fmt in ("json", "xml"):
        text = client.get(f"{BASE}/requests/{case.number}.{fmt}").content.decode()
        for secret in ("王建国", "13812345678", "门口", case.verification_code, "114.1", "41.2", world.c1.code):
            assert secret not in text
    item = body(client.get(f"{BASE}/requests/{case.number}.json"))[0]
    assert (item["long"], item["lat"]) == (114.25, 41.5)
    assert item["status"] == "open" and item["service_code"] == "5201" and item["service_name"] == "垃圾堆放"
    assert item["description"] == item["agency_responsible"] == item["address"] == ""


def test_status_and_times_follow_the_case(client, world, publish):
    publish("52")
    case = stories.closed(world, world.v1_committee, world.committee, category=Category.objects.get(code="5201"))
    item = body(client.get(f"{BASE}/requests/{case.number}.json", HTTP_ACCEPT_LANGUAGE="zh-hans"))[0]
    assert item["status"] == "closed" and item["status_notes"] == "已结案"
    last = AuditEntry.objects.filter(case=case).latest("at").at
    assert item["updated_datetime"] == services.w3(last) and item["requested_datetime"] == services.w3(case.created_at)
    assert item["requested_datetime"].endswith("+08:00")
    english = body(client.get(f"{BASE}/requests/{case.number}.json", HTTP_ACCEPT_LANGUAGE="en"))[0]
    assert english["status_notes"] == "closed"


def test_filters(client, world, publish):
    publish("52", "53")
    rubbish = incident(world, code="5201")
    road = incident(world, code="5302")
    closed = stories.closed(world, world.v1_committee, world.committee, category=Category.objects.get(code="5202"))
    old = incident(world, code="5201")
    stories.shift(old, created_at=timezone.now() - datetime.timedelta(days=100))

    def get(**params):
        return numbers(client.get(f"{BASE}/requests.json", params))

    assert get() == [closed.number, road.number, rubbish.number]  # newest first, the last 90 days
    assert get(service_code="5201") == [rubbish.number]
    assert get(service_code="5201,5302") == [road.number, rubbish.number]
    assert get(status="closed") == [closed.number]
    assert get(status="open") == [road.number, rubbish.number]
    assert get(status="open,closed") == get()
    start = (timezone.now() - datetime.timedelta(days=120)).isoformat()
    end = (timezone.now() - datetime.timedelta(days=95)).isoformat()
    assert get(start_date=start, end_date=end) == [old.number]
    assert get(start_date=start) == [old.number]  # 90 days from the start
    assert get(end_date=end) == [old.number]  # 90 days up to the end
    # The ids override every other parameter.
    assert get(service_request_id=f"{old.number},{rubbish.number}", service_code="5302") == [
        rubbish.number,
        old.number,
    ]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start_date": "yesterday"}, 400),
        ({"end_date": "2026-13-01T00:00:00Z"}, 400),
        ({"start_date": "2026-01-01T00:00:00+15:00"}, 400),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),  # over 90 days
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400),
        ({"status": "pending"}, 400),
        ({"service_code": "4242"}, 404),
    ],
)
def test_bad_filters_get_the_spec_error(client, world, params, status):
    response = client.get(f"{BASE}/requests.xml", params)
    assert response.status_code == status
    assert body(response).find("error/code").text == str(status)


def data_queries(run):
    """The queries `run` makes, less the throttle's (the cache is a database table without Redis)."""
    with CaptureQueriesContext(connection) as captured:
        result = run()
    queries = [query["sql"].upper() for query in captured.captured_queries]
    return result, [sql for sql in queries if "CACHE" not in sql and "SAVEPOINT" not in sql]


def test_the_list_is_capped_and_costs_the_same_whatever_its_length(client, world, publish, monkeypatch):
    publish("52")
    cases = [incident(world, point=point) for point in (INSIDE_C1, (114.75, 41.5), (115.5, 42.0), (114.5, 42.5))]
    monkeypatch.setattr(services, "LIMIT", 3)
    # The version tokens of the reference caches, the cases, their last audit entries, the cells' centres.
    listed, queries = data_queries(lambda: numbers(client.get(f"{BASE}/requests.json")))
    assert listed == [case.number for case in reversed(cases)][:3] and len(queries) <= 4
    _, queries = data_queries(lambda: client.get(f"{BASE}/requests.json", {"service_code": "5201", "status": "open"}))
    sql = " ".join(queries)
    assert len(queries) <= 4 and "COUNT(" not in sql and "OFFSET" not in sql and "LIMIT 3" in sql


def test_a_request_number_is_read_as_text(client, world):
    assert client.get(f"{BASE}/requests/{uuid.uuid4()}.json").status_code == 404
    assert client.get(f"{BASE}/requests/'%20OR%201=1.json").status_code == 404


def test_errors_speak_the_clients_language(client, world, key):
    chinese = body(post(client, HTTP_ACCEPT_LANGUAGE="zh-hans", **request_fields("o311_wrong")))
    assert chinese[0]["description"] == "api_key 无效，无法提交诉求（create_request）。"
    english = body(post(client, HTTP_ACCEPT_LANGUAGE="en", **request_fields("o311_wrong")))
    assert english[0]["description"].startswith("Invalid api_key")
    notice = body(post(client, HTTP_ACCEPT_LANGUAGE="zh-hans", **request_fields(key)))[0]["service_notice"]
    assert notice.startswith("已受理，案件编号")


# --- limits and addresses ---------------------------------------------------------------


def limit(settings, **rates):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_reads_and_wrong_keys_are_limited_per_address(client, world, key, settings):
    limit(settings, open311="3/hour", open311_client="100/hour")
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert post(client, **request_fields("o311_guess")).status_code == 403
    assert client.get(f"{BASE}/requests.json").status_code == 200
    refused = client.get(f"{BASE}/services.xml")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert body(refused).find("error/code").text == "429"
    assert post(client, **request_fields("o311_guess")).status_code == 429
    # A client with its key posts on its own allowance, and nothing refused was stored.
    assert post(client, **request_fields(key)).status_code == 201
    assert Report.objects.count() == 1


def test_posts_are_limited_per_client(client, world, key, settings):
    limit(settings, open311="100/hour", open311_client="2/hour")
    assert [post(client, **request_fields(key)).status_code for _ in range(3)] == [201, 201, 429]
    assert Report.objects.count() == 2
    _, other = services.create_client("12345平台")
    assert post(client, **request_fields(other)).status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_paths_and_methods_answer_in_the_spec_form(client, world, fmt):
    missing = client.get(f"{BASE}/tokens/123.{fmt}")
    assert missing.status_code == 404
    refused = client.delete(f"{BASE}/requests.{fmt}")
    assert refused.status_code == 405 and refused["Allow"] == "GET, POST, HEAD"
    assert client.head(f"{BASE}/services.{fmt}").status_code == 200
    for response in (missing, refused):
        answer = body(response)
        code = answer[0]["code"] if fmt == "json" else int(answer.find("error/code").text)
        assert code == response.status_code


def test_a_request_says_what_the_residents_look_up_says(client, world, publish):
    """Field by field, derived from the resident's own look-up (GET /api/public/cases/{number}/?code=…)."""
    publish("52")
    case = stories.closed(world, world.v1_committee, world.committee, category=Category.objects.get(code="5201"))
    look_up = client.get(f"/api/public/cases/{case.number}/", {"code": case.verification_code}).json()
    item = body(client.get(f"{BASE}/requests/{case.number}.json"))[0]
    assert item["service_request_id"] == look_up["number"]
    assert item["status_notes"] == look_up["state_display"] and item["service_name"] == look_up["category"]
    parse = datetime.datetime.fromisoformat
    assert parse(item["requested_datetime"]) == parse(look_up["created_at"]).replace(microsecond=0)
    last = max(parse(entry["at"]) for entry in look_up["timeline"])
    assert parse(item["updated_datetime"]) == last.replace(microsecond=0)
