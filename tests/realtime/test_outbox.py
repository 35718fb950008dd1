"""The event outbox: recorded in the writer's transaction, fanned out only after commit,
numbered in commit order, replayed for catch-up within the reader's jurisdiction.

    county 化德县 150922000000
      township 长顺镇 T1 150922100000          township 朝阳镇 T2 150922101000
        village 东沟村 V1 …100201                  village 王家营村 V3 …101201
          cell c1 …100201001                         cell c4 …101201001
"""

import asyncio
import contextlib
import json
import logging
import threading
import time
import uuid

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, connections, transaction

from realtime import events
from realtime.access import groups_for
from realtime.models import Event, EventGroup, StreamCounter
from realtime.publish import ALL_GROUPS, area_groups, catch_up, event_frame, record, sender, serialise
from tests.realtime.conftest import NEEDS_REDIS, build_world

REDIS = "redis://127.0.0.1:6379/15"
DEAD_REDIS = "redis://127.0.0.1:6399/0"

COUNTY = "region.150922000000"
T1 = "region.150922100000"
T2 = "region.150922101000"
V1 = "region.150922100201"
C1 = "cell.150922100201001"
C4 = "cell.150922101201001"


@pytest.fixture
def world(db):
    return build_world()


_audit = iter(range(1000, 10**9))


def publish(area_code, kind=events.EventKind.STATE_CHANGED, *, case_id=7, units=(), users=()):
    """Record one audience-safe event (the caller provides the transaction)."""
    case = events.case_payload("251122000007", "accepted", "相邻关系纠纷", "yellow", 114.25, 41.5, ["东沟村村委会"])
    payload = events.state_changed(case, action="accept", from_state="reported", to_state="accepted")
    return record(
        kind, case_id=case_id, audit_seq=next(_audit), area_code=area_code, units=units, users=users, payload=payload
    )


def committed(area_code, **kw):
    with transaction.atomic():
        return publish(area_code, **kw)


async def _drain(layer, channel, timeout):
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(layer.receive(channel), timeout))
        except TimeoutError:
            return messages


def listen(groups, *steps, timeout=0.2):
    """Subscribe one fresh channel to each of `groups`; run each step, then note what each group got.

    Steps are synchronous and run in this thread (so inside the test's database transaction);
    the layer is used from one event loop throughout. Returns, per step, {group: [messages]}.
    """
    layer = get_channel_layer()

    async def scenario():
        channels = {}
        for group in groups:
            channels[group] = await layer.new_channel()
            await layer.group_add(group, channels[group])
        arrived = []
        for step in steps:
            await sync_to_async(step)()
            drained = await asyncio.gather(*(_drain(layer, channel, timeout) for channel in channels.values()))
            arrived.append(dict(zip(channels, drained, strict=True)))
        for group, channel in channels.items():
            await layer.group_discard(group, channel)
        return arrived

    return async_to_sync(scenario)()


def seqs(messages):
    assert all(message["type"] == "event.message" for message in messages)
    return [message["event"]["seq"] for message in messages]


# --- group names --------------------------------------------------------------------------


def test_area_groups_are_every_region_above_and_at_the_place():
    assert area_groups("150922100201001") == [COUNTY, T1, V1, C1]
    assert area_groups("150922100201") == [COUNTY, T1, V1]
    assert area_groups("150922100000") == [COUNTY, T1]
    assert area_groups("150922000000") == [COUNTY]
    for bad in ("", "1509221", "15092210020100", "150922000201", "150922100000001", "abcdefabcdef", None):
        with pytest.raises(ValueError):
            area_groups(bad)


def test_payload_with_personal_data_is_refused(world):
    case = events.case_payload("251122000007", "accepted", "相邻关系纠纷", "yellow", 114.25, 41.5)
    for unsafe in ({**case, "description": "两户争吵"}, {**case, "extra": [{"phone": "13812345678"}]}):
        with transaction.atomic(), pytest.raises(events.UnsafePayload):
            record("state_changed", case_id=1, audit_seq=1, area_code=world.c1.code, payload=unsafe)
    with transaction.atomic(), pytest.raises(ValueError):
        record("gossip", case_id=1, audit_seq=1, area_code=world.c1.code, payload=case)
    assert not Event.objects.exists()


# --- outbox on the in-memory layer --------------------------------------------------------


class FanOut:
    """Run against the layer in settings (in-memory by default; Redis in the subclass)."""

    def test_event_is_sent_only_after_commit(self, world, django_capture_on_commit_callbacks):
        stack = contextlib.ExitStack()
        written = {}

        def write():
            callbacks = stack.enter_context(django_capture_on_commit_callbacks(execute=True))
            with transaction.atomic():
                written["event"] = publish(world.c1.code, units=[world.v1_committee])
            written["callbacks"] = callbacks

        before, after = listen([T1, T2], write, stack.close)
        event = written["event"]
        assert Event.objects.filter(seq=event.seq).exists()
        assert len(written["callbacks"]) == 1
        assert before == {T1: [], T2: []}, "nothing may be sent before commit"
        data = serialise(Event.objects.get(seq=event.seq))
        # The frame is encoded once, by the publisher, and is exactly what every socket is sent (its
        # keys in the publisher's order: PostgreSQL's jsonb keeps them in an order of its own, so the
        # frame is compared decoded).
        [message] = after[T1]
        assert message["type"] == "event.message" and message["event"] == data
        assert json.loads(message["frame"]) == json.loads(event_frame(data)) == {"type": "event", "event": data}
        assert after[T2] == [], "another township never receives this township's events"

    def test_rolled_back_transaction_leaves_no_event_and_sends_nothing(self, world, django_capture_on_commit_callbacks):
        def write():
            with (
                django_capture_on_commit_callbacks(execute=True) as callbacks,
                contextlib.suppress(ZeroDivisionError),
                transaction.atomic(),
            ):
                publish(world.c1.code, units=[world.v1_committee])
                1 / 0  # noqa: B018 - the service fails after recording
            assert callbacks == []

        (arrived,) = listen([COUNTY, T1, V1, C1], write)
        assert arrived == {COUNTY: [], T1: [], V1: [], C1: []}
        assert not Event.objects.exists() and not EventGroup.objects.exists()

    def test_event_goes_to_every_region_above_its_cell_and_to_its_units_and_users(
        self, world, django_capture_on_commit_callbacks
    ):
        units = [world.v1_committee, world.t1_justice.pk]
        everyone = [COUNTY, T1, V1, C1, f"unit.{world.v1_committee.pk}", f"unit.{world.t1_justice.pk}"]
        everyone.append(f"user.{world.gridworker.pk}")
        outside = [T2, C4, f"unit.{world.t2_centre.pk}", f"user.{world.operator.pk}"]
        written = {}

        def write():
            with django_capture_on_commit_callbacks(execute=True):
                written["event"] = committed(world.c1.code, units=units, users=[world.gridworker])

        (arrived,) = listen(everyone + outside, write)
        seq = written["event"].seq
        assert set(EventGroup.objects.filter(event=seq).values_list("group", flat=True)) == set(everyone)
        assert {group: seqs(messages) for group, messages in arrived.items()} == {
            **{group: [seq] for group in everyone},
            **{group: [] for group in outside},
        }


class TestFanOutInMemory(FanOut):
    pass


@NEEDS_REDIS
class TestFanOutOnRedis(FanOut):
    @pytest.fixture(autouse=True)
    def redis_layer(self, settings):
        # Changing the setting makes channels.layers.channel_layers drop its cached layers. A prefix of
        # our own keeps test runs sharing this Redis (same group names, same positions) apart.
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [REDIS], "prefix": f"gridgov-test-{uuid.uuid4().hex[:12]}"},
            }
        }
        layer = get_channel_layer()
        assert type(layer).__name__ == "RedisChannelLayer"
        yield layer
        # The process's sender keeps its event loop, and the layer its connections on it, for good:
        # empty the layer from there.
        sender.flush()
        sender.run(layer.flush())


# --- transactions --------------------------------------------------------------------------


def test_record_outside_a_transaction_raises(transactional_db):
    w = build_world()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        publish(w.c1.code)
    assert not Event.objects.exists()


def test_numbering_survives_a_flushed_counter(world):
    first = committed(world.c1.code).seq
    StreamCounter.objects.all().delete()  # what a transactional test's flush does
    assert committed(world.c1.code).seq == first + 1


def test_redis_down_the_write_still_commits_and_catch_up_returns_it(
    world, settings, django_capture_on_commit_callbacks, caplog
):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [DEAD_REDIS]}}
    }
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="realtime.publish"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            event = committed(world.c1.code, units=[world.v1_committee])
        sender.flush()  # a Redis layer's events go through the process's sender
    assert len(callbacks) == 1
    assert time.monotonic() - started < 10
    failures = [r for r in caplog.records if r.name == "realtime.publish" and r.levelno == logging.ERROR]
    assert len(failures) == 1 and str(event.seq) in failures[0].getMessage() and failures[0].exc_info
    assert catch_up([T1], 0) == [serialise(Event.objects.get(seq=event.seq))]


# --- catch-up ------------------------------------------------------------------------------


def test_catch_up_returns_the_events_after_n_in_the_groups_in_order_each_once(world, django_assert_num_queries):
    unit = f"unit.{world.t1_justice.pk}"
    before = committed(world.c1.code)
    other_township = committed(world.c4.code)
    in_three_groups = committed(world.c1.code, units=[world.t1_justice])
    township_level = committed(world.t1.code)
    other_unit = committed(world.v3.code, units=[world.t2_centre])
    only_unit = committed(world.v3.code, units=[world.t1_justice])  # the justice office was summoned to T2
    later = committed(world.v1.code)

    with django_assert_num_queries(1):
        got = catch_up([T1, C1, unit], before.seq)
    assert [e["seq"] for e in got] == [in_three_groups.seq, township_level.seq, only_unit.seq, later.seq]
    assert other_township.seq not in [e["seq"] for e in got] and other_unit.seq not in [e["seq"] for e in got]
    assert got[0] == serialise(Event.objects.get(seq=in_three_groups.seq))

    first_two = catch_up([T1, C1, unit], before.seq, limit=2)
    assert [e["seq"] for e in first_two] == [in_three_groups.seq, township_level.seq]
    assert [e["seq"] for e in catch_up([T2], 0)] == [other_township.seq, other_unit.seq, only_unit.seq]
    assert catch_up([T1], later.seq) == []
    assert catch_up([], 0) == []
    assert [e["seq"] for e in catch_up(ALL_GROUPS, 0)] == sorted(e.seq for e in Event.objects.all())
    assert len(catch_up(ALL_GROUPS, 0)) == 7


def test_positions_follow_commit_order_and_have_no_gaps(world):
    first = committed(world.c1.code).seq
    with contextlib.suppress(ZeroDivisionError), transaction.atomic():
        publish(world.c1.code)
        1 / 0  # noqa: B018
    assert committed(world.c1.code).seq == first + 1, "a rolled-back event's number is given out again"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel connections (PostGIS run)")
def test_concurrent_writers_get_positions_in_commit_order(transactional_db):
    """A takes its number first but commits 0.3 s later; B, which would commit at once, must wait
    for A's lock on the counter: so A's position is lower *and* A's commit is visible to B
    before B can even take its number."""
    w = build_world()
    barrier = threading.Barrier(2)
    a_recorded = threading.Event()
    out = {}

    def thread_a():
        try:
            barrier.wait()
            with transaction.atomic():
                out["a"] = publish(w.c1.code, case_id=1).seq
                a_recorded.set()
                time.sleep(0.3)
                out["a_committing"] = time.monotonic()
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            out["a_error"] = error
            a_recorded.set()
        finally:
            connections.close_all()

    def thread_b():
        try:
            barrier.wait()
            a_recorded.wait(10)
            with transaction.atomic():
                started = time.monotonic()
                out["b"] = publish(w.c4.code, case_id=2).seq
                out["b_waited"] = time.monotonic() - started
                # READ COMMITTED: a new statement sees what had committed when it began.
                out["b_sees_a"] = Event.objects.filter(seq=out.get("a")).exists()
        except Exception as error:  # noqa: BLE001
            out["b_error"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert "a_error" not in out and "b_error" not in out, out
    assert out["a"] < out["b"] and out["b"] == out["a"] + 1
    assert out["b_waited"] >= 0.2, "B's number waited for A's commit"
    assert out["b_sees_a"], "A had committed before B took its number, so before B committed"
    assert [e["seq"] for e in catch_up([COUNTY], 0)] == [out["a"], out["b"]]


# --- REST catch-up -------------------------------------------------------------------------


def assert_error(response, status, code):
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code and body["message"]


@pytest.fixture
def stream(world):
    w = world
    w.e_c1 = committed(w.c1.code, units=[w.v1_committee])
    w.e_t2 = committed(w.c4.code, units=[w.t2_centre])
    w.e_v1 = committed(w.v1.code, units=[w.t1_justice])
    w.e_t1 = committed(w.t1.code, users=[w.operator_t2])
    w.e_county = committed(w.county.code, units=[w.county_centre])
    return w


def get_seqs(client, user, query="after=0"):
    client.force_login(user)
    response = client.get(f"/api/events/?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["last"] == (body["events"][-1]["seq"] if body["events"] else int(dict([query.split("=")])["after"]))
    return [event["seq"] for event in body["events"]]


def test_rest_catch_up_is_scoped_to_the_jurisdiction(client, stream):
    w = stream
    assert get_seqs(client, w.operator) == [w.e_c1.seq, w.e_v1.seq, w.e_t1.seq]
    assert get_seqs(client, w.operator, f"after={w.e_c1.seq}") == [w.e_v1.seq, w.e_t1.seq]
    assert get_seqs(client, w.operator, f"after={w.e_t1.seq}") == []
    assert get_seqs(client, w.operator_t2) == [w.e_t2.seq, w.e_t1.seq]  # e_t1 names them as a user to notify
    assert get_seqs(client, w.gridworker) == [w.e_c1.seq]
    assert get_seqs(client, w.justice) == [w.e_v1.seq]
    all_five = [w.e_c1.seq, w.e_t2.seq, w.e_v1.seq, w.e_t1.seq, w.e_county.seq]
    assert get_seqs(client, w.county_operator) == all_five
    assert get_seqs(client, w.admin) == all_five


def test_rest_catch_up_pages_with_limit(client, stream):
    w = stream
    client.force_login(w.county_operator)
    body = client.get("/api/events/?after=0&limit=2").json()
    assert [e["seq"] for e in body["events"]] == [w.e_c1.seq, w.e_t2.seq]
    assert body["last"] == w.e_t2.seq and body["more"] is True
    body = client.get(f"/api/events/?after={body['last']}&limit=500").json()
    assert [e["seq"] for e in body["events"]] == [w.e_v1.seq, w.e_t1.seq, w.e_county.seq] and body["more"] is False
    event = body["events"][0]
    assert set(event) == {"seq", "audit_seq", "kind", "case_id", "area_code", "at", "payload"}
    assert set(event["payload"]["case"]) == {"number", "state", "category", "grade", "point", "units"}


def test_rest_catch_up_refuses_anonymous_outsiders_and_bad_input(client, stream):
    assert_error(client.get("/api/events/?after=0"), 401, "not_authenticated")
    client.force_login(stream.outsider)
    assert_error(client.get("/api/events/?after=0"), 403, "not_allowed")
    client.force_login(stream.operator)
    for query in ("after=-1", "after=abc", "limit=0", "limit=501"):
        assert_error(client.get(f"/api/events/?{query}"), 400, "invalid")


def test_groups_for_each_role(world):
    w = world
    assert groups_for(w.gridworker) == {C1, f"user.{w.gridworker.pk}"}
    assert groups_for(w.justice) == {f"unit.{w.t1_justice.pk}", f"user.{w.justice.pk}"}
    assert groups_for(w.operator) == {T1, f"user.{w.operator.pk}"}
    assert groups_for(w.county_operator) == {COUNTY, f"user.{w.county_operator.pk}"}
    assert groups_for(w.outsider) == frozenset()
    assert groups_for(w.admin) is ALL_GROUPS
    w.operator.memberships.update(active=False)
    assert groups_for(w.operator) == frozenset()


def test_the_migrations_create_the_counter_row(db):
    assert list(StreamCounter.objects.values_list("pk", flat=True)) == [1]


def test_admin_shows_events_read_only(admin_client, world):
    event = committed(world.c1.code, units=[world.v1_committee])
    assert admin_client.get("/admin/realtime/event/?q=abc").status_code == 200
    assert admin_client.get(f"/admin/realtime/event/?q={event.seq}").status_code == 200
    page = admin_client.get(f"/admin/realtime/event/{event.seq}/change/")
    assert page.status_code == 200 and C1.encode() in page.content
    assert admin_client.get("/admin/realtime/event/add/").status_code == 403
    assert admin_client.post(f"/admin/realtime/event/{event.seq}/delete/").status_code == 403
    assert Event.objects.filter(seq=event.seq).exists()
