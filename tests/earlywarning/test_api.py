"""The warnings API: scoped lists, detail with evidence, the acts and their errors in the one
error shape (changing nothing), the hot-cell layer by box."""

import pytest

from earlywarning import services
from earlywarning.models import HotCell, Warning, WarningEntry, WarningKind
from realtime.models import Event
from tests import factories as f

from .conftest import POINT_V3, case_at


def raise_trend(world, cell=None, region=None, n=3, level="yellow", cases=()):
    cell = cell if cell is not None else world.c1
    region = region or cell.village
    finding = {
        "kind": WarningKind.TREND,
        "place_key": f"cell:{cell.code}",
        "place_name": cell.name,
        "region": region,
        "cell": cell,
        "area_code": cell.code,
        "level": level,
        "score": 4.2,
        "evidence": {"count": n, "expected": 0.5, "p_value": 1e-4, "case_ids": [c.pk for c in cases]},
    }
    return services.raise_or_update(finding)[0]


@pytest.fixture
def warning(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return raise_trend(world, cases=[case_at(world, 1), case_at(world, 2)])


def test_the_list_is_scoped_to_the_jurisdiction(world, warning, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        other = raise_trend(world, cell=world.c4)
    ids = lambda user: {w["id"] for w in f.client_for(user).get("/api/warnings/").json()["results"]}  # noqa: E731
    assert ids(world.county_operator) == {warning.pk, other.pk}
    assert ids(world.operator) == {warning.pk}  # T1's centre
    assert ids(world.operator_t2) == {other.pk}
    assert ids(world.mediator) == {warning.pk}  # V1's mediation committee: the layer of its village
    assert ids(world.gridworker) == {warning.pk}  # c1's gridworker
    assert ids(world.outsider) == set()
    assert f.client_for().get("/api/warnings/").status_code == 401


def test_filters_and_their_errors(world, warning):
    client = f.client_for(world.county_operator)
    assert client.get("/api/warnings/?kind=trend&open=true&level=yellow").json()["count"] == 1
    assert client.get("/api/warnings/?kind=hotspot").json()["count"] == 0
    assert client.get(f"/api/warnings/?region={world.v3.code}").json()["count"] == 0
    response = client.get("/api/warnings/?kind=nonsense")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "kind" in body["fields"] and body["message"]
    assert client.get("/api/warnings/?region=").status_code == 400
    response = client.get("/api/warnings/?open=maybe")  # not "no filter": a malformed flag
    assert response.status_code == 400 and "open" in response.json()["fields"]


def test_detail_has_the_evidence_and_the_cases_the_reader_may_see(world, warning):
    body = f.client_for(world.operator).get(f"/api/warnings/{warning.pk}/").json()
    assert body["evidence"]["count"] == 3 and len(body["cases"]) == 2
    assert body["allowed_actions"] == ["study", "act", "dismiss"]
    assert [entry["action"] for entry in body["trail"]] == ["raised"]
    mediator = f.client_for(world.mediator).get(f"/api/warnings/{warning.pk}/").json()
    assert mediator["allowed_actions"] == []
    assert f.client_for(world.operator_t2).get(f"/api/warnings/{warning.pk}/").status_code == 404


def test_study_then_act_on_with_a_case(world, warning, django_capture_on_commit_callbacks):
    client = f.client_for(world.operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/warnings/{warning.pk}/study/", {"note": "土地承包到期引发", "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "studied" and response.json()["version"] == 2
    case = case_at(world, 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/warnings/{warning.pk}/act/", {"act": "case", "case": case.number, "note": "立案调处", "version": 2}
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "acted" and body["linked_case"]["number"] == case.number
    assert [e["action"] for e in body["trail"]] == ["raised", "studied", "acted"]
    kinds = list(Event.objects.filter(case_id__isnull=True).values_list("kind", flat=True))
    assert kinds == ["warning_raised", "warning_changed", "warning_changed"]
    assert "立案调处" not in str(Event.objects.values_list("payload", flat=True))  # no notes on the wall


def test_a_new_warning_may_be_raised_once_the_old_is_closed(world, warning, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.dismiss(world.operator, warning, reason="已排查，系重复上报")
        again = raise_trend(world)
    assert again.pk != warning.pk and Warning.objects.filter(kind="trend").count() == 2


def assert_unchanged(warning):
    fresh = Warning.objects.get(pk=warning.pk)
    assert (fresh.state, fresh.version) == (warning.state, warning.version)
    assert WarningEntry.objects.filter(warning=warning).count() == 1


@pytest.mark.parametrize(
    "who, path, body, status, code",
    [
        ("operator", "study", {"note": "", "version": 1}, 400, "invalid"),
        ("operator", "study", {"note": "看过"}, 400, "invalid"),
        ("operator", "study", {"note": "看过", "version": 7}, 409, "stale"),
        ("operator", "act", {"act": "case", "version": 1}, 400, "invalid"),
        ("operator", "act", {"act": "case", "case": "NO-SUCH", "version": 1}, 400, "invalid"),
        ("operator", "act", {"act": "pray", "version": 1}, 400, "invalid"),
        ("operator", "dismiss", {"reason": "  ", "version": 1}, 400, "invalid"),
        ("mediator", "dismiss", {"reason": "不是风险", "version": 1}, 403, "not_allowed"),
        ("operator_t2", "dismiss", {"reason": "不是风险", "version": 1}, 404, "not_found"),
        ("outsider", "study", {"note": "看过", "version": 1}, 404, "not_found"),
    ],
)
def test_bad_acts_answer_in_the_one_error_shape_and_change_nothing(world, warning, who, path, body, status, code):
    response = f.client_for(getattr(world, who)).post(f"/api/warnings/{warning.pk}/{path}/", body, format="json")
    assert response.status_code == status, response.content
    error = response.json()
    assert set(error) == {"code", "message", "fields"} and error["code"] == code and error["message"]
    assert_unchanged(warning)


def test_a_closed_warning_cannot_be_acted_on_again(world, warning):
    services.dismiss(world.operator, warning, reason="已排查")
    response = f.client_for(world.operator).post(
        f"/api/warnings/{warning.pk}/study/", {"note": "再看", "version": 2}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"


def test_the_hot_cell_layer_is_limited_by_box_and_jurisdiction(world, django_assert_max_num_queries):
    from django.utils import timezone

    now = timezone.now()
    for cell, z in [(world.c1, 3.2), (world.c4, 2.1)]:
        HotCell.objects.create(cell=cell, area_code=cell.code, z=z, p=0.001, count=5, computed_at=now)
    client = f.client_for(world.county_operator)
    body = client.get("/api/warnings/hot-cells/?bbox=114,41,116,43").json()
    assert {feature["properties"]["code"]: feature["properties"]["z"] for feature in body["features"]} == {
        world.c1.code: 3.2,
        world.c4.code: 2.1,
    }
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    west = client.get("/api/warnings/hot-cells/?bbox=114,41,114.4,41.9").json()
    assert [feature["properties"]["code"] for feature in west["features"]] == [world.c1.code]
    mine = f.client_for(world.operator_t2).get("/api/warnings/hot-cells/?bbox=114,41,116,43").json()
    assert [feature["properties"]["code"] for feature in mine["features"]] == [world.c4.code]
    bad = client.get("/api/warnings/hot-cells/?bbox=1,2,3")
    assert bad.status_code == 400 and "bbox" in bad.json()["fields"]
    assert client.get("/api/warnings/hot-cells/").status_code == 400
    with django_assert_max_num_queries(6):
        client.get("/api/warnings/hot-cells/?bbox=114,41,116,43")


def test_the_list_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for cell in (world.c1, world.c2, world.c3, world.c4):
        raise_trend(world, cell=cell)
    case_at(world, 1, point=POINT_V3)
    with django_assert_max_num_queries(8):
        assert f.client_for(world.county_operator).get("/api/warnings/").json()["count"] == 4


def test_the_schema_documents_the_warnings(world):
    response = f.client_for(world.admin).get("/api/schema/?format=json")
    paths = response.json()["paths"]
    assert "/api/warnings/{id}/study/" in paths and "/api/warnings/hot-cells/" in paths


def test_warning_events_reach_only_the_groups_of_their_place(world, warning):
    from realtime.access import groups_for
    from realtime.publish import catch_up

    def kinds(user):
        return [event["kind"] for event in catch_up(groups_for(user), 0) if event["case_id"] is None]

    assert kinds(world.county_operator) == ["warning_raised"]
    assert kinds(world.operator) == ["warning_raised"]  # T1's centre: the warning is in its township
    assert kinds(world.operator_t2) == []  # T2's centre hears nothing of T1's warnings
    assert kinds(world.gridworker) == ["warning_raised"]  # c1's gridworker: their own cell
    assert kinds(world.gridworker_v3) == []


def test_the_hourly_update_does_not_make_an_operators_form_stale(world, warning, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        updated = raise_trend(world, n=5, level="orange", cases=[case_at(world, 0)])
    assert updated.pk == warning.pk and updated.version == 1 and updated.level == "orange"
    assert Event.objects.filter(kind="warning_changed").count() == 1  # the level rose
    response = f.client_for(world.operator).post(
        f"/api/warnings/{warning.pk}/study/", {"note": "看过", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    # Only the statistics moved (a case elsewhere shifts the q-values): no trail entry, no event.
    warning.refresh_from_db()
    entries, events = WarningEntry.objects.count(), Event.objects.count()
    finding = {
        "kind": warning.kind,
        "place_key": warning.place_key,
        "place_name": warning.place_name,
        "region": warning.region,
        "cell": warning.cell,
        "area_code": warning.area_code,
        "level": "yellow",
        "score": 4.0,
        "evidence": {**warning.evidence, "q_value": 0.002},
    }
    again, outcome = services.raise_or_update(finding)
    assert outcome == "refreshed" and again.level == "orange" and again.evidence["q_value"] == 0.002
    assert (WarningEntry.objects.count(), Event.objects.count()) == (entries, events)
