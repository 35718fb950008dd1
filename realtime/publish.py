"""The one publishing helper: record an event in the writing transaction, fan it out after commit.

Transactional outbox
    `record()` is called by the service functions inside their transaction, next to the audit
    entry. It writes the `Event` row and its groups; if the transaction rolls back, the event
    never existed and nothing is sent. Only after commit (`transaction.on_commit`) is it sent to
    the channel layer's groups. Sending may fail (Redis down, a full channel): the failure is
    logged and swallowed, because the change and its event are already committed, and every
    client catches up from the database (`catch_up`, by stream position).

Stream positions in commit order, without gaps
    A client remembers the last position it saw and asks for everything after it, so a
    position must never become visible after a higher one. A PostgreSQL sequence (BigAutoField)
    hands out numbers in the order transactions *start* asking: A takes 10, B takes 11, B
    commits, a client reads 11, then A commits 10 — which that client never asks for again.

    Instead `record()` takes the number with

        UPDATE realtime_streamcounter SET number = number + 1 WHERE id = 1 RETURNING number

    The UPDATE locks the counter's one row until the transaction ends. A second writer's UPDATE
    waits on that lock; when the first commits, the waiter (READ COMMITTED) re-reads the row
    and gets the next number; when the first rolls back, the waiter gets the very number the
    first had given up. So each number is granted only after every lower number's transaction
    has committed (and is visible: PostgreSQL releases a transaction's locks after making its
    commit visible) or rolled back: positions are given out in commit order, and there are no
    gaps. A reader that sees position N sees everything below N.

    The price is that event-writing transactions are serialised from `record()` to commit,
    so the services call it as late as possible: after the audit entry, as the last write of
    the transaction. Taking no other row lock after it also rules out deadlocks on the counter.
    SQLite serialises writers anyway, so the same statement is correct there.

Groups
    An event goes to `region.<12-digit code>` of its county, township and village (the regions
    above and at the place, derived from its area code), `cell.<15-digit code>` when it happened
    in a grid cell, `unit.<id>` of every unit involved and `user.<id>` of every user to notify.
    A client in several of them receives the event once per group: it keeps the highest
    position it has applied and ignores anything at or below it.
"""

import asyncio
import json
import logging
import os
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from .events import EventKind, check_payload
from .models import Event, EventGroup, StreamCounter

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "event.message"  # a consumer's `event_message` handler receives it
CATCH_UP_LIMIT = 500


class AllGroups:
    """Stands for "no group filter" (a superuser's catch-up); never an empty or missing value."""

    def __repr__(self):
        return "ALL_GROUPS"


ALL_GROUPS = AllGroups()


# --- group names -------------------------------------------------------------------------


def region_group(code):
    return f"region.{code}"


def cell_group(code):
    return f"cell.{code}"


def unit_group(unit_id):
    return f"unit.{int(unit_id)}"


def user_group(user_id):
    return f"user.{int(user_id)}"


def area_groups(area_code):
    """The groups of every region above and at the place, and of its cell when it is one.

    "150922100201003" (a cell) → region.150922000000, region.150922100000,
    region.150922100201, cell.150922100201003.
    """
    code = str(area_code or "")
    if not code.isdigit() or len(code) not in (12, 15) or code[:6] == "000000":
        raise ValueError(f"{area_code!r} is neither a 12-digit region code nor a 15-digit cell code")
    region = code[:12]
    groups = [region_group(code[:6] + "000000")]
    if region[6:9] != "000":
        groups.append(region_group(code[:9] + "000"))
        if region[9:] != "000":
            groups.append(region_group(region))
    elif region[9:] != "000":
        raise ValueError(f"{area_code!r} has a village part but no township part")
    if len(code) == 15:
        if region[9:] == "000":
            raise ValueError(f"{area_code!r}: a grid cell lies in a village")
        groups.append(cell_group(code))
    return groups


def event_groups(area_code, units=(), users=()):
    """Every group an event at `area_code` involving `units` and `users` goes to, without repeats."""
    groups = area_groups(area_code)
    groups += [unit_group(getattr(unit, "pk", unit)) for unit in units if unit is not None]
    groups += [user_group(getattr(user, "pk", user)) for user in users if user is not None]
    return list(dict.fromkeys(groups))


# --- writing -----------------------------------------------------------------------------


def _next_position():
    """Take the next stream position; the counter's row stays locked until the transaction ends."""
    table = connection.ops.quote_name(StreamCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET number = number + 1 WHERE id = 1 RETURNING number")
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    _recreate_counter()
    return _next_position()


def _recreate_counter():
    """The data migration creates the counter's row; a flushed database (transactional tests) has
    none. Recreate it after the highest position stored; a concurrent creator wins the race."""
    try:
        with transaction.atomic():
            last = Event.objects.aggregate(last=Max("seq"))["last"] or 0
            StreamCounter.objects.create(pk=1, number=last)
    except IntegrityError:
        pass


def _write_in_one_statement(event, groups):
    """PostgreSQL: the position, the event and its groups in one round trip.

    The counter's UPDATE runs in a data-modifying WITH, which locks the row exactly as the
    statement alone does (until the transaction ends), so positions keep their commit order and
    have no gaps; the event takes the position the UPDATE returned, its groups the event's.
    """
    counter, table, groups_table = (
        connection.ops.quote_name(model._meta.db_table) for model in (StreamCounter, Event, EventGroup)
    )
    sql = f"""
        WITH position AS (UPDATE {counter} SET number = number + 1 WHERE id = 1 RETURNING number),
        event AS (
            INSERT INTO {table} (seq, audit_seq, kind, case_id, area_code, payload, created_at)
            SELECT number, %s, %s, %s, %s, %s, %s FROM position RETURNING seq
        ),
        grouped AS (INSERT INTO {groups_table} (event_id, "group") SELECT seq, g FROM event, unnest(%s::text[]) AS g)
        SELECT seq FROM event
    """
    payload = Event._meta.get_field("payload").get_db_prep_value(event.payload, connection)
    params = [event.audit_seq, event.kind, event.case_id, event.area_code, payload, event.created_at, groups]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # no counter row: nothing was written
        _recreate_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    event.seq = row[0]
    event._state.adding = False
    event._state.db = connection.alias


def record(kind, *, case_id, audit_seq, area_code, units=(), users=(), payload):
    """Write an event in the current transaction and send it to its groups once that commits.

    Call it from a service function inside its `transaction.atomic()`, after the audit entry
    and as the transaction's last write. `case_id` is None for an event that is not about a case
    (an early warning). `units` and `users` are ids or instances; `payload`
    must be audience-safe (build it with `realtime.events`). Returns the Event.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("realtime.publish.record() must be called inside the transaction that makes the change")
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}")
    check_payload(payload)
    groups = event_groups(area_code, units, users)
    event = Event(audit_seq=audit_seq, kind=kind, case_id=case_id, area_code=area_code, payload=payload)
    if connection.vendor == "postgresql":
        _write_in_one_statement(event, groups)
    else:
        event.seq = _next_position()
        event.save(force_insert=True)
        EventGroup.objects.bulk_create([EventGroup(event=event, group=group) for group in groups])
    data = serialise(event)
    # The frame every socket is sent, encoded here once rather than once per socket.
    message = {"type": MESSAGE_TYPE, "event": data, "frame": event_frame(data)}
    transaction.on_commit(lambda: fan_out(message, groups))
    return event


def fan_out(message, groups):
    """Send `message` to each group; log and swallow failures (clients catch up from the database).

    With a Redis layer the message is handed to this process's sender (`Sender`) and the request
    goes on at once; the in-process layer (the embedded default, tests) sends it here, on the
    event loop its consumers run on.
    """
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        if isinstance(layer, InMemoryChannelLayer):
            async_to_sync(_send_all)(layer, message, groups)
        else:
            sender.send(layer, message, groups)
    except Exception:
        logger.exception(
            "could not send realtime event %s to its groups; clients will catch up from the database",
            message["event"]["seq"],
        )


class Sender:
    """One event loop per process, in a thread of its own, that sends the events committed here.

    `async_to_sync` from a synchronous worker (gunicorn's) starts an event loop, and with it a new
    connection to Redis, for every event: about 7 ms of the request (bench/README.md). The sender's
    loop and its connection live as long as the process; events are sent one after another in the
    order they were handed over, so a process's events arrive in commit order. Past
    MAX_WAITING unsent events (Redis down) new ones are dropped with a log line: the clients
    catch up from the database, as after any lost message.
    """

    MAX_WAITING = 10_000

    def __init__(self):
        self._lock = threading.Lock()
        self._loop = None
        self._queue = None
        self._pid = None

    def _start(self):
        with self._lock:
            if self._loop is None or self._pid != os.getpid():  # a forked child starts its own
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run():
                    asyncio.set_event_loop(loop)
                    self._queue = asyncio.Queue()
                    loop.create_task(self._work())
                    ready.set()
                    loop.run_forever()

                threading.Thread(target=run, name="gridgov-realtime-sender", daemon=True).start()
                ready.wait()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def send(self, layer, message, groups):
        loop = self._start()
        loop.call_soon_threadsafe(self._put, (layer, message, groups))

    def _put(self, item):
        if self._queue.qsize() >= self.MAX_WAITING:
            seq = item[1]["event"]["seq"]
            logger.error("realtime sender: %s events waiting; event %s dropped", self.MAX_WAITING, seq)
            return
        self._queue.put_nowait(item)

    async def _work(self):
        while True:
            layer, message, groups = await self._queue.get()
            try:
                await _send_all(layer, message, groups)
            except Exception:
                logger.exception(
                    "could not send realtime event %s to its groups; clients will catch up from the database",
                    message["event"]["seq"],
                )
            finally:
                self._queue.task_done()

    def run(self, coroutine, timeout=10):
        """Run `coroutine` on the sender's loop and return its result (a test empties the layer so)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._start()).result(timeout)

    def flush(self, timeout=10):
        """Wait until every event handed over so far has been sent or given up (tests, shutdown)."""
        if self._loop is None or self._pid != os.getpid():
            return
        asyncio.run_coroutine_threadsafe(self._queue.join(), self._loop).result(timeout)


sender = Sender()


async def _send_all(layer, message, groups):
    # The groups at once: one round trip to Redis in flight per group, not one after another.
    results = await asyncio.gather(*(layer.group_send(group, message) for group in groups), return_exceptions=True)
    failed = [result for result in results if isinstance(result, BaseException)]
    if failed:
        raise failed[0]


def event_frame(event):
    """The websocket frame of one event, live and in catch-up alike (as the consumer's send_json encodes)."""
    return json.dumps({"type": "event", "event": event})


# --- reading -----------------------------------------------------------------------------


def serialise(event):
    """The event as clients see it, live and in catch-up alike."""
    return {
        "seq": event.seq,
        "audit_seq": event.audit_seq,
        "kind": event.kind,
        "case_id": event.case_id,
        "area_code": event.area_code,
        "at": event.created_at.isoformat(),
        "payload": event.payload,
    }


def catch_up(groups, after, limit=CATCH_UP_LIMIT):
    """Serialised events after position `after` in any of `groups`, in stream order, each once.

    `groups` is an iterable of group names, or ALL_GROUPS for no filter. One query.
    """
    events = Event.objects.filter(seq__gt=after)
    if groups is not ALL_GROUPS:
        groups = list(groups)
        if not groups:
            return []
        # A subquery rather than a join: an event in several of the groups comes back once.
        events = events.filter(seq__in=EventGroup.objects.filter(group__in=groups, event__gt=after).values("event"))
    return [serialise(event) for event in events.order_by("seq")[:limit]]
