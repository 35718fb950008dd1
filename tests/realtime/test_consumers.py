"""The websocket event stream: access decided before accept, groups within the jurisdiction,
catch-up from the database without gaps or duplicates, heartbeats — on the in-memory layer and
on Redis.

    county 化德县 150922000000
      township 长顺镇 T1 150922100000               township 朝阳镇 T2 150922101000
        village 东沟村 V1 …100201                       village 王家营村 V3 …101201
          cells c1 …100201001, c2 …100201002             cell c4 …101201001

The tests are synchronous and drive each scenario with async_to_sync; the consumers reach the
database through database_sync_to_async, and events are committed for real (transactional_db)
so that realtime.publish fans them out on commit.
"""

import asyncio
import contextlib
import time
import uuid

import channels.consumer
import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils import translation
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.authtoken.models import Token

from config.asgi import application
from realtime import consumers, events, hub, publish
from realtime.auth import display_region, issue_display_token
from realtime.models import Event
from realtime.publish import record
from tests.realtime.conftest import NEEDS_REDIS, build_world

REDIS = "redis://127.0.0.1:6379/14"
DEAD_REDIS = "redis://127.0.0.1:6399/0"
ORIGIN = (b"origin", b"http://localhost")
TIMEOUT = 2


def use_layer(settings, layer):
    settings.CHANNEL_LAYERS = layer
    channel_layers.backends = {}


MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Group names are fixed (region.<code> …): a prefix of its own keeps this run apart from any other
# run sharing the Redis database (the SpatiaLite and PostGIS runs side by side, other checkouts).
REDIS_LAYER = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS], "prefix": f"gridgov-test-{uuid.uuid4().hex[:12]}"},
    }
}
DEAD_LAYER = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [DEAD_REDIS]}}}


@pytest.fixture(params=["memory", pytest.param("redis", marks=NEEDS_REDIS)])
def layer(request, settings):
    """Every test that asks for it runs on the in-memory layer and on channels_redis."""
    use_layer(settings, MEMORY_LAYER if request.param == "memory" else REDIS_LAYER)
    settings.REALTIME_HEARTBEAT_SECONDS = 60  # no server pings in the middle of the assertions
    yield request.param
    if request.param == "redis":
        use_layer(settings, REDIS_LAYER)
        async_to_sync(get_channel_layer().flush)()
    channel_layers.backends = {}


@pytest.fixture
def world(transactional_db):
    w = build_world()
    # Phones' API tokens, made here: the scenarios run in an event loop, where the ORM may not.
    w.tokens = {user.username: token_for(user) for user in get_user_model().objects.all()}
    return w


_audit = iter(range(1000, 10**9))


def committed(area_code, *, case_id=7, units=(), users=()):
    """Record one audience-safe event in its own transaction; it is fanned out on commit."""
    case = events.case_payload("251122000007", "accepted", "相邻关系纠纷", "yellow", 114.25, 41.5, ["东沟村村委会"])
    payload = events.state_changed(case, action="accept", from_state="reported", to_state="accepted")
    with transaction.atomic():
        event = record(
            events.EventKind.STATE_CHANGED,
            case_id=case_id,
            audit_seq=next(_audit),
            area_code=area_code,
            units=units,
            users=users,
            payload=payload,
        )
    return event.seq


committed_async = database_sync_to_async(committed)


def token_for(user):
    return Token.objects.get_or_create(user=user)[0].key


def path(after=None, **params):
    if after is not None:
        params = {"after": after, **params}
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"/ws/events/?{query}" if query else "/ws/events/"


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def run(scenario):
    return async_to_sync(scenario)()


async def open_socket(url, headers=(ORIGIN,)):
    socket_ = WebsocketCommunicator(application, url, headers=list(headers))
    connected, detail = await socket_.connect(timeout=5)
    return socket_, connected, detail


async def until_hello(socket_):
    """The catch-up's positions, then the hello's `last`."""
    seqs = []
    while True:
        frame = await socket_.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == "hello":
            return seqs, frame["last"]
        assert frame["type"] == "event", frame
        seqs.append(frame["event"]["seq"])


async def reply(socket_):
    """The next frame that is not one of the server's heartbeat pings."""
    frame = await socket_.receive_json_from(timeout=TIMEOUT)
    while frame == {"type": "ping"}:
        frame = await socket_.receive_json_from(timeout=TIMEOUT)
    return frame


async def live(socket_, quiet=0.3):
    """The positions of the live events that arrive until the socket stays quiet."""
    seqs = []
    while not await socket_.receive_nothing(timeout=quiet):
        frame = await socket_.receive_json_from(timeout=TIMEOUT)
        assert frame["type"] == "event", frame
        seqs.append(frame["event"]["seq"])
    return seqs


# --- deciding access before accept -------------------------------------------------------------


def test_refused_before_accept(world, layer, settings):
    w = world
    wall_token, wall_id = issue_display_token(w.t1.code)
    settings.REALTIME_REVOKED_DISPLAY_TOKENS = [wall_id]
    nowhere_token, _ = issue_display_token("150922199000")  # a region that does not exist
    tampered = issue_display_token(w.t2.code)[0][:-2] + "xx"
    cases = [
        (path(0), [ORIGIN], 4401),  # anonymous
        (path(0, token="not-a-token"), [], 4401),
        (path(0, token="not-a-token"), [ORIGIN, session_cookie(w.operator)], 4401),  # no fallback
        (path(0, display=wall_token), [], 4401),  # revoked
        (path(0, display=tampered), [], 4401),
        (path(0, display=nowhere_token), [], 4403),
        (path(0, token=w.tokens["outsider"]), [], 4403),  # authenticated, but no role
        (path(0), [ORIGIN, session_cookie(w.outsider)], 4403),
        (path("abc", token=w.tokens["operator"]), [], 4400),
        (path(-1, token=w.tokens["operator"]), [], 4400),
    ]
    w.operator_t2.is_active = False
    w.operator_t2.save()
    cases.append((path(0, token=w.tokens["operator_t2"]), [], 4401))
    operator_cookie = session_cookie(w.operator)

    async def scenario():
        for url, headers, code in cases:
            socket_, connected, detail = await open_socket(url, headers)
            assert (connected, detail) == (False, code), url
            assert await socket_.receive_nothing(timeout=0.05), "a refused socket receives nothing"
            await socket_.disconnect()
        # The session needs a matching Origin (cross-site websocket hijacking); a token does not.
        socket_, connected, _detail = await open_socket(path(0), [operator_cookie])
        assert connected is False
        await socket_.disconnect()

    run(scenario)


def test_display_tokens_are_signed_and_revocable(settings):
    token, display_id = issue_display_token("150922100000")
    assert display_region(token) == "150922100000"
    assert display_region(token.replace("150922100000", "150922101000")) is None
    assert display_region("display:150922100000:abc") is None
    assert display_region("") is None and display_region(None) is None
    settings.REALTIME_REVOKED_DISPLAY_TOKENS = [display_id]
    assert display_region(token) is None
    settings.REALTIME_REVOKED_DISPLAY_TOKENS = []
    settings.REALTIME_DISPLAY_TOKEN_MAX_AGE = 60
    assert display_region(token) == "150922100000"
    settings.REALTIME_DISPLAY_TOKEN_MAX_AGE = -1
    assert display_region(token) is None, "expired"


def test_session_phone_and_wall_are_accepted(world, layer):
    w = world
    seq = committed(w.c1.code)
    wall_token, _ = issue_display_token(w.t1.code)
    entries = [
        (path(0), [ORIGIN, session_cookie(w.operator)]),
        (path(0, token=w.tokens["gridworker"]), []),  # phones send no Origin header
        (path(0, display=wall_token), []),
    ]

    async def scenario():
        for url, headers in entries:
            socket_, connected, _detail = await open_socket(url, headers)
            assert connected, url
            assert await until_hello(socket_) == ([seq], seq)
            await socket_.disconnect()

    run(scenario)


# --- nobody receives outside their jurisdiction ------------------------------------------------


def test_each_socket_receives_only_its_jurisdiction(world, layer):
    """A township never receives another township's events; a gridworker only their cells'."""
    w = world
    wall_t2, _ = issue_display_token(w.t2.code)
    audience = {
        "operator": path(token=w.tokens["operator"]),
        "operator_t2": path(token=w.tokens["operator_t2"]),
        "gridworker": path(token=w.tokens["gridworker"]),
        "gridworker_c2": path(token=w.tokens["gridworker_c2"]),
        "justice": path(token=w.tokens["justice"]),
        "county_operator": path(token=w.tokens["county_operator"]),
        "root": path(token=w.tokens["root"]),
        "wall_t2": path(display=wall_t2),
    }

    async def scenario():
        sockets = {}
        for name, url in audience.items():
            sockets[name], connected, _detail = await open_socket(url, [])
            assert connected, name
            assert await until_hello(sockets[name]) == ([], 0), "no `after`: from now, nothing to catch up"
        seq = {
            # in c1, and also addressed to the gridworker's user group: still received once
            "c1": await committed_async(w.c1.code, units=[w.v1_committee], users=[w.gridworker]),
            "c2": await committed_async(w.c2.code, units=[w.v1_committee]),
            "c4": await committed_async(w.c4.code, units=[w.t2_centre, w.t1_justice]),
            "t1": await committed_async(w.t1.code),
            "t2": await committed_async(w.t2.code),
        }
        received = {name: await live(socket_) for name, socket_ in sockets.items()}
        for socket_ in sockets.values():
            await socket_.disconnect()
        return seq, received

    seq, received = run(scenario)
    everything = [seq["c1"], seq["c2"], seq["c4"], seq["t1"], seq["t2"]]
    assert received == {
        "operator": [seq["c1"], seq["c2"], seq["t1"]],
        "operator_t2": [seq["c4"], seq["t2"]],
        "gridworker": [seq["c1"]],
        "gridworker_c2": [seq["c2"]],
        "justice": [seq["c4"]],  # summoned to the other township's case through its unit
        "county_operator": everything,
        "root": everything,
        "wall_t2": [seq["c4"], seq["t2"]],
    }


def test_catch_up_is_scoped_to_the_jurisdiction(world, layer):
    w = world
    c1, c4, t1 = committed(w.c1.code), committed(w.c4.code), committed(w.t1.code)

    async def scenario():
        got = {}
        for user in (w.operator, w.operator_t2, w.gridworker, w.gridworker_c2, w.admin):
            socket_, connected, _detail = await open_socket(path(0, token=w.tokens[user.username]), [])
            assert connected
            got[user.username] = await until_hello(socket_)
            await socket_.disconnect()
        return got

    assert run(scenario) == {
        "operator": ([c1, t1], t1),
        "operator_t2": ([c4], c4),
        "gridworker": ([c1], c1),
        "gridworker_c2": ([], 0),
        "root": ([c1, c4, t1], t1),
    }


# --- catch-up: no gaps, no duplicates -----------------------------------------------------------


def test_reconnecting_receives_exactly_the_missed_events_in_order(world, layer, monkeypatch):
    w = world
    monkeypatch.setattr(consumers, "CATCH_UP_LIMIT", 2)  # page through the catch-up
    first = [committed(w.c1.code), committed(w.c4.code), committed(w.t1.code)]

    async def connect_receive_disconnect():
        socket_, connected, _detail = await open_socket(path(0, token=w.tokens["operator"]), [])
        assert connected
        caught_up = await until_hello(socket_)
        seen = await committed_async(w.v1.code)
        live_ = await live(socket_)
        await socket_.disconnect()
        return caught_up, seen, live_

    caught_up, seen, live_ = run(connect_receive_disconnect)
    assert caught_up == ([first[0], first[2]], first[2])
    assert live_ == [seen]

    # While the socket is away: four visible events, two that are not.
    missed = [committed(w.c1.code), committed(w.c2.code)]
    committed(w.c4.code)
    missed.append(committed(w.t1.code))
    committed(w.t2.code)
    missed.append(committed(w.v1.code))

    async def reconnect():
        socket_, connected, _detail = await open_socket(path(seen, token=w.tokens["operator"]), [])
        assert connected
        caught_up = await until_hello(socket_)
        after = await committed_async(w.c2.code)
        live_ = await live(socket_)
        await socket_.send_json_to({"type": "ping"})
        pong = await socket_.receive_json_from(timeout=TIMEOUT)
        await socket_.disconnect()
        return caught_up, after, live_, pong

    caught_up, after, live_, pong = run(reconnect)
    assert caught_up == (missed, missed[-1])
    assert live_ == [after]
    assert pong == {"type": "pong", "last": after}


def test_no_duplicates_or_gaps_when_events_are_recorded_during_catch_up(world, layer, monkeypatch):
    """One event commits after the socket joined its groups but before the catch-up read (it
    arrives both ways: sent once), one after the read (only live: still sent)."""
    w = world
    old = committed(w.c1.code)
    real_catch_up = consumers.catch_up
    during = {}

    def racing_catch_up(groups, after, limit):
        if not during:
            during["before_read"] = committed(w.t1.code)
            rows = real_catch_up(groups, after, limit)
            during["after_read"] = committed(w.c2.code)
            return rows
        return real_catch_up(groups, after, limit)

    monkeypatch.setattr(consumers, "catch_up", racing_catch_up)

    async def scenario():
        socket_, connected, _detail = await open_socket(path(0, token=w.tokens["operator"]), [])
        assert connected
        caught_up = await until_hello(socket_)
        live_ = await live(socket_)
        await socket_.disconnect()
        return caught_up, live_

    caught_up, live_ = run(scenario)
    assert caught_up == ([old, during["before_read"]], during["before_read"])
    assert live_ == [during["after_read"]], "the live copy of the caught-up event is dropped"


def test_live_events_arriving_out_of_order_are_all_delivered_once(world, layer):
    """Fan-outs from different workers may arrive out of order: a late lower position is still sent."""
    w = world

    async def scenario():
        socket_, connected, _detail = await open_socket(path(0, token=w.tokens["operator"]), [])
        assert connected
        assert await until_hello(socket_) == ([], 0)
        layer_ = get_channel_layer()
        for event in (
            {"seq": 12, "kind": "state_changed"},
            {"seq": 11, "kind": "state_changed"},
            {"seq": 12, "kind": "state_changed"},
        ):
            await layer_.group_send("region.150922100000", {"type": "event.message", "event": event})
        got = await live(socket_)
        await socket_.send_json_to({"type": "ping"})
        pong = await socket_.receive_json_from(timeout=TIMEOUT)
        await socket_.disconnect()
        return got, pong

    got, pong = run(scenario)
    assert got == [12, 11]
    assert pong == {"type": "pong", "last": 12}


def test_live_events_skip_the_database_hop_that_client_frames_take(world, layer, monkeypatch):
    """Channels closes stale database connections in a worker thread before every handler; the live
    fan-out reads no database and skips it (a thread hop per socket and event), a client's frame
    does not."""
    w = world
    hops = []

    async def counted():
        hops.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)

    async def scenario():
        socket_, connected, _detail = await open_socket(path(0, token=w.tokens["operator"]), [])
        assert connected
        await until_hello(socket_)
        before = len(hops)
        layer_ = get_channel_layer()
        for seq in (21, 22, 23):
            await layer_.group_send(
                "region.150922100000", {"type": "event.message", "event": {"seq": seq, "kind": "state_changed"}}
            )
        got = await live(socket_)
        after_events = len(hops)
        await socket_.send_json_to({"type": "ping"})
        await reply(socket_)
        await socket_.disconnect()
        return got, before, after_events, len(hops)

    got, before, after_events, after_ping = run(scenario)
    assert got == [21, 22, 23]
    assert after_events == before  # three events to the socket, no hop
    assert after_ping > after_events  # the client's frame took the usual way


# --- one subscription per group and process (realtime.hub) ---------------------------------------


def this_loops_hubs():
    loop = asyncio.get_running_loop()
    return [found for found in hub._hubs.values() if found.loop is loop]


def test_a_process_reads_each_group_once_however_many_sockets_share_it(world, layer, monkeypatch):
    """Three sockets in the same group: one receive from the layer per event, each socket sent it once;
    the group stays subscribed until its last socket here leaves, and no longer."""
    w = world
    layer_ = get_channel_layer()
    reads = []
    receive = type(layer_).receive

    async def counted(self, channel):
        message = await receive(self, channel)
        reads.append(message["event"]["seq"])
        return message

    monkeypatch.setattr(type(layer_), "receive", counted)
    group = "region.150922100000"

    async def send(seq):
        await layer_.group_send(group, {"type": "event.message", "event": {"seq": seq, "kind": "state_changed"}})

    async def scenario():
        sockets = []
        for _ in range(3):
            socket_, connected, _detail = await open_socket(path(0, token=w.tokens["operator"]), [])
            assert connected
            await until_hello(socket_)
            sockets.append(socket_)
        [found] = this_loops_hubs()
        subscribed = len(found.members[group])
        await send(41)
        first = [await live(socket_) for socket_ in sockets]
        await sockets[0].disconnect()
        await send(42)
        second = [await live(socket_) for socket_ in sockets[1:]]
        for socket_ in sockets[1:]:
            await socket_.disconnect()
        return subscribed, first, second, this_loops_hubs()

    subscribed, first, second, left = run(scenario)
    assert subscribed == 3
    assert first == [[41]] * 3 and second == [[42]] * 2
    assert reads == [41, 42], "one read per event for the process, not one per socket"
    assert left == [], "the last socket out unsubscribes its groups and closes the hub"
    if layer == "memory":
        assert not layer_.groups, "nothing left subscribed in the layer"


def test_a_socket_dropped_without_a_disconnect_unsubscribes_its_groups(world, layer):
    w = world

    async def scenario():
        socket_, connected, _detail = await open_socket(path(0, token=w.tokens["operator"]), [])
        assert connected
        await until_hello(socket_)
        before = [len(found.channels) for found in this_loops_hubs()]
        socket_.future.cancel()  # the server drops the connection's task
        with contextlib.suppress(asyncio.CancelledError):
            await socket_.future
        for _ in range(50):
            await asyncio.sleep(0.02)
            if not this_loops_hubs():
                break
        return before, this_loops_hubs()

    before, after = run(scenario)
    assert before and before[0] > 0
    assert after == []


def test_a_socket_joining_while_the_last_member_leaves_stays_subscribed(world, layer, monkeypatch):
    """The wall, the only socket in its township's group, leaves while an operator of that township is
    subscribing its other groups: the township's group stays subscribed for the operator."""
    w = world
    layer_ = get_channel_layer()
    add = type(layer_).group_add
    township = "region.150922100000"
    wall_token, _ = issue_display_token(w.t1.code)

    async def slow_add(self, group, channel):
        if group != township:
            await asyncio.sleep(0.3)  # the wall leaves in the middle of it
        await add(self, group, channel)

    monkeypatch.setattr(type(layer_), "group_add", slow_add)

    async def scenario():
        wall, connected, _detail = await open_socket(path(0, display=wall_token), [])
        assert connected
        await until_hello(wall)
        joining = asyncio.ensure_future(open_socket(path(0, token=w.tokens["operator"]), []))
        await asyncio.sleep(0.1)
        await wall.disconnect()
        operator, connected, _detail = await joining
        assert connected
        await until_hello(operator)
        await layer_.group_send(township, {"type": "event.message", "event": {"seq": 51, "kind": "state_changed"}})
        got = await live(operator)
        await operator.disconnect()
        return got

    assert run(scenario) == [51]


# --- heartbeats and client frames ----------------------------------------------------------------


def test_heartbeat_ping_pong_and_unknown_messages(world, layer, settings):
    w = world
    settings.REALTIME_HEARTBEAT_SECONDS = 0.2
    seq = committed(w.c1.code)
    wall_token, _ = issue_display_token(w.t1.code)

    async def scenario():
        socket_, connected, _detail = await open_socket(path(0, token=w.tokens["operator"]), [])
        assert connected
        assert await until_hello(socket_) == ([seq], seq)
        assert await socket_.receive_json_from(timeout=TIMEOUT) == {"type": "ping"}, "the server's heartbeat"
        await socket_.send_json_to({"type": "pong"})  # answering the server's ping is fine
        await socket_.send_json_to({"type": "ping"})
        assert await reply(socket_) == {"type": "pong", "last": seq}
        for unknown in ({"type": "subscribe", "group": "region.150922101000"}, [1, 2]):
            await socket_.send_json_to(unknown)
            frame = await reply(socket_)
            assert frame["type"] == "error" and frame["code"] == "unknown_message" and frame["message"]
        await socket_.send_to(text_data="not json")
        assert (await reply(socket_))["code"] == "unknown_message"
        await socket_.disconnect()

        wall, connected, _detail = await open_socket(path(0, display=wall_token), [])
        assert connected
        assert await until_hello(wall) == ([seq], seq)
        await wall.send_json_to({"type": "subscribe", "group": "region.150922101000"})
        await wall.send_to(text_data="not json")
        await wall.send_json_to({"type": "ping"})
        assert await reply(wall) == {"type": "pong", "last": seq}, "a read-only wall's other frames are ignored"
        await wall.disconnect()

    run(scenario)


def test_error_frames_are_translated(world, layer):
    w = world

    async def scenario():
        frames = {}
        for language in ("en", "zh-hans"):
            socket_, connected, _detail = await open_socket(
                path(token=w.tokens["operator"]), [(b"accept-language", language.encode())]
            )
            assert connected
            await until_hello(socket_)
            await socket_.send_json_to({"type": "subscribe"})
            frames[language] = (await socket_.receive_json_from(timeout=TIMEOUT))["message"]
            await socket_.disconnect()
        return frames

    frames = run(scenario)
    assert frames["en"] == "Unknown message: a client may only send a ping on this socket."
    with translation.override("zh-hans"):
        assert frames["zh-hans"] == translation.gettext(frames["en"])


# --- a dead channel layer loses nothing -----------------------------------------------------------


def test_dead_layer_the_write_commits_and_a_reconnecting_client_catches_up(world, layer, settings):
    w = world
    working = settings.CHANNEL_LAYERS
    use_layer(settings, DEAD_LAYER)
    started = time.monotonic()
    recorded = [committed(w.c1.code), committed(w.t1.code)]
    assert time.monotonic() - started < 20
    assert list(Event.objects.order_by("seq").values_list("seq", flat=True)) == recorded, "committed"

    async def while_dead():
        socket_, connected, detail = await open_socket(path(0, token=w.tokens["operator"]), [])
        with contextlib.suppress(RedisConnectionError):
            await socket_.disconnect()
        return connected, detail

    assert run(while_dead) == (False, consumers.UNAVAILABLE), "no layer, no live stream: refused"

    use_layer(settings, working)

    async def after_recovery():
        socket_, connected, _detail = await open_socket(path(0, token=w.tokens["operator"]), [])
        assert connected
        caught_up = await until_hello(socket_)
        await socket_.disconnect()
        return caught_up

    assert run(after_recovery) == (recorded, recorded[-1])


def test_a_lost_live_message_arrives_at_the_next_heartbeat(world, layer, settings, monkeypatch):
    """A fan-out that never reaches the socket (Redis blip, full channel) is read from the database."""
    w = world
    settings.REALTIME_HEARTBEAT_SECONDS = 0.3

    async def scenario():
        socket_, connected, _detail = await open_socket(path(0, token=w.tokens["operator"]), [])
        assert connected
        assert await until_hello(socket_) == ([], 0)
        with monkeypatch.context() as patch:
            patch.setattr(publish, "fan_out", lambda message, groups: None)
            lost = await committed_async(w.c1.code)
        sent = await committed_async(w.t1.code)
        received, pings = [], 0
        while pings < 3:  # the lost event by the next beat, and never again in the beats after it
            frame = await socket_.receive_json_from(timeout=TIMEOUT)
            if frame == {"type": "ping"}:
                pings += 1
            else:
                received.append(frame["event"]["seq"])
        await socket_.send_json_to({"type": "ping"})
        pong = await reply(socket_)
        await socket_.disconnect()
        return lost, sent, received, pong

    lost, sent, received, pong = run(scenario)
    assert sorted(received) == [lost, sent], "each once"
    assert pong == {"type": "pong", "last": sent}


def test_issue_display_token_command(transactional_db):
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.utils import translation

    from realtime.auth import display_region
    from tests import factories

    county = factories.county()
    out = StringIO()
    with translation.override("en"):
        call_command("issue_display_token", county.code, stdout=out)
    token = out.getvalue().splitlines()[1]
    assert display_region(token) == county.code
    with pytest.raises(CommandError):
        call_command("issue_display_token", "150999000000")
