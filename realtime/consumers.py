"""The event stream over websockets: /ws/events/?after=<seq>.

Protocol (JSON text frames)
    Connect with `after=<seq>` (the last stream position the client applied; 0 for everything)
    and one credential: the session cookie (web), `token=<API token>` (phones) or
    `display=<display token>` (walls, read-only, one region). Without `after` the stream starts
    from now: no catch-up, and `hello` names the current position to resume from later.

    Refused before the handshake completes, with close code 4400 (bad `after`), 4401 (no valid
    credential) or 4403 (authenticated, but no role that receives events); 1011 when the channel
    layer cannot be joined. (Daphne answers a close before accept with HTTP 403, so browsers see
    only a failed handshake; the codes reach test clients and ASGI servers that pass them on.)

    server → client
        {"type": "event", "event": {seq, audit_seq, kind, case_id, area_code, at, payload}}
        {"type": "hello", "last": <seq>}       after the catch-up; live events follow
        {"type": "ping"}                       every REALTIME_HEARTBEAT_SECONDS (default 25)
        {"type": "pong", "last": <seq>}        answer to the client's ping
        {"type": "error", "code": "unknown_message", "message": "…"}
    client → server
        {"type": "ping"}; {"type": "pong"} (an answer to the server's ping) is accepted silently.
        Anything else is an error, except from a wall, which is read-only and simply ignored.

Catch-up without gaps or duplicates
    The consumer joins its groups *before* reading the database, so an event committed after
    the read arrives live and one committed before it is in the read. Stream positions are
    given out in commit order without gaps (realtime.publish), so the catch-up's last position
    is a floor: every event at or below it that the client may see was in the catch-up, and
    live copies at or below it are dropped. Live events above the floor are sent once each
    (an event reaches a client once per group it shares with it, and fan-outs from different
    workers may arrive out of order: both are filtered by the positions already sent, not by
    the highest one, so a late lower position is still delivered). At every heartbeat the
    consumer re-reads the database above its floor and raises it, so a live message that was
    lost (a full channel, Redis down during a fan-out) reaches the client within one beat.
"""

import asyncio
import contextlib
import logging
from collections import deque

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from grid.models import Region, RegionLevel

from . import hub
from .access import groups_for
from .auth import display_region, query_params, user_for_token_async
from .models import Event
from .publish import ALL_GROUPS, CATCH_UP_LIMIT, MESSAGE_TYPE, catch_up, event_frame, region_group

logger = logging.getLogger(__name__)

BAD_REQUEST = 4400
NOT_AUTHENTICATED = 4401
FORBIDDEN = 4403
UNAVAILABLE = 1011  # the channel layer could not be joined

# How many live positions a connection remembers to drop the copies of an event sent to several of its groups.
RECENT_POSITIONS = 4096


class Refused(Exception):
    """Raised by `authorise()`: close the socket with `code` without accepting it."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def heartbeat_seconds():
    return getattr(settings, "REALTIME_HEARTBEAT_SECONDS", 25)


def language_of(scope, params):
    """Like the site: the language cookie, else (API clients only) Accept-Language, else Chinese."""
    candidates = [scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)]
    if "token" in params or "display" in params:
        for name, value in scope.get("headers", []):
            if name == b"accept-language":
                candidates += [part.split(";")[0].strip() for part in value.decode("latin-1").split(",")]
    for code in candidates:
        if code and code != "*":
            with contextlib.suppress(LookupError):
                return translation.get_supported_language_variant(code)
    return settings.LANGUAGE_CODE


class AuthorisedConsumer(AsyncJsonWebsocketConsumer):
    """Decides access before accepting: `authorise()` names the groups or raises Refused.

    A refused socket is closed before the handshake completes, so it never receives a frame.
    The groups are joined before `accept()`, through the process's hub (realtime.hub): the socket
    has no channel of its own, the hub reads each group once per process and calls
    `live_message` of its members. Leaving the groups happens on disconnect, or when the server
    drops the connection's task.
    """

    channel_layer_alias = None  # no channel per socket: live messages come through the hub

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = None

    async def authorise(self):
        raise NotImplementedError

    async def accepted(self):
        """Runs once the socket is accepted and subscribed."""

    async def live_message(self, message):
        """A message sent to one of the socket's groups (called by the hub)."""

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            emptied = self.hub.forget(self) if self.hub is not None else ()
            if emptied:
                # The task was dropped without a disconnect: unsubscribe what only this socket held.
                with contextlib.suppress(RuntimeError):  # the loop is closing
                    asyncio.ensure_future(self.hub.prune(emptied))

    async def connect(self):
        try:
            groups = list(await self.authorise())
        except Refused as refusal:
            await self.close(code=refusal.code)
            return
        layer = get_channel_layer()
        try:
            if layer is None:
                raise RuntimeError("no channel layer is configured")
            self.hub = await hub.join(layer, self, groups)
        except Exception:
            logger.exception("could not join the channel layer's groups; refusing the websocket")
            await self.close(code=UNAVAILABLE)
            return
        self.groups = groups
        await self.accept()
        await self.accepted()

    async def websocket_disconnect(self, message):
        if self.hub is not None:
            await self.hub.leave(self)
        await self.disconnect(message["code"])
        raise StopConsumer()


class EventConsumer(AuthorisedConsumer):
    """Catch-up from the database, then live events, for a user, a phone or a wall."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_only = False
        self.catch_up_groups = ()
        self.after = None
        self.floor = 0  # every event at or below it that this client may see has been sent
        self.last = 0  # the highest position sent
        self.recent = deque()
        self.recent_set = set()
        self.heartbeat_task = None
        self.language = settings.LANGUAGE_CODE
        self.waiting = []  # live messages that came before the hello

    # --- deciding access ---------------------------------------------------------------------

    async def authorise(self):
        params = query_params(self.scope)
        self.language = language_of(self.scope, params)
        self.after = self.parse_after(params.get("after"))
        # An explicit credential wins over the cookie, and a bad one is not rescued by it
        # (realtime.auth.CredentialsOrOriginValidator skips the Origin check for these).
        if "token" in params:
            user = await user_for_token_async(params["token"])
            if user is None:
                raise Refused(NOT_AUTHENTICATED)
            self.scope["user"] = user
        elif "display" in params:
            code = display_region(params["display"])
            if code is None:
                raise Refused(NOT_AUTHENTICATED)
            if not await database_sync_to_async(Region.objects.filter(code=code).exists)():
                raise Refused(FORBIDDEN)
            self.read_only = True
            self.catch_up_groups = [region_group(code)]
            return self.catch_up_groups
        else:
            user = self.scope.get("user")
            if user is None or not user.is_authenticated:
                raise Refused(NOT_AUTHENTICATED)
        groups = await database_sync_to_async(groups_for)(user)
        if groups is ALL_GROUPS:
            # Events go only to named groups, and every event goes to its county's region
            # group: a superuser listens to every county and catches up with no filter.
            self.catch_up_groups = ALL_GROUPS
            return await database_sync_to_async(self.county_groups)()
        if not groups:
            raise Refused(FORBIDDEN)
        self.catch_up_groups = sorted(groups)
        return self.catch_up_groups

    @staticmethod
    def parse_after(value):
        if value is None:
            return None
        try:
            after = int(value)
        except ValueError:
            raise Refused(BAD_REQUEST) from None
        if after < 0:
            raise Refused(BAD_REQUEST)
        return after

    @staticmethod
    def county_groups():
        codes = Region.objects.filter(level=RegionLevel.COUNTY).values_list("code", flat=True)
        return [region_group(code) for code in codes]

    # --- catch-up, then live ------------------------------------------------------------------

    async def accepted(self):
        if self.after is None:
            head = await database_sync_to_async(self.stream_head)()
            self.floor = self.last = head
        else:
            self.floor = self.last = self.after
            await self.send_catch_up()
        await self.send_json({"type": "hello", "last": self.last})
        waiting, self.waiting = self.waiting, None
        for message in waiting:
            await self.event_message(message)
        interval = heartbeat_seconds()
        if interval:
            self.heartbeat_task = asyncio.ensure_future(self.heartbeat(interval))

    @staticmethod
    def stream_head():
        return Event.objects.aggregate(head=Max("seq"))["head"] or 0

    async def send_catch_up(self):
        """Send every event above the floor from the database, skipping any already sent live."""
        fetch = database_sync_to_async(catch_up)
        while True:
            events = await fetch(self.catch_up_groups, self.floor, CATCH_UP_LIMIT)
            # Raise the floor before sending: a live copy handled while we send is then dropped.
            fresh = [event for event in events if event["seq"] not in self.recent_set]
            if events:
                self.floor = events[-1]["seq"]
                self.last = max(self.last, self.floor)
            for event in fresh:
                await self.send(text_data=event_frame(event))
            if len(events) < CATCH_UP_LIMIT:
                break
        while self.recent and self.recent[0] <= self.floor:
            self.recent_set.discard(self.recent.popleft())

    async def live_message(self, message):
        # Straight from the hub: no dispatch, so no trip to a worker thread to close stale database
        # connections (Channels' `aclose_old_connections`), which the fan-out never needs.
        if message.get("type") != MESSAGE_TYPE:
            return
        if self.waiting is not None:  # not yet said hello: these follow the catch-up, as before
            if len(self.waiting) < RECENT_POSITIONS:
                self.waiting.append(message)  # past that, the next heartbeat's re-read brings them
            return
        await self.event_message(message)

    async def event_message(self, message):
        """A live event from the group fan-out: no database here (see `live_message`)."""
        event = message["event"]
        seq = event["seq"]
        if seq <= self.floor or seq in self.recent_set:
            return
        self.recent.append(seq)
        self.recent_set.add(seq)
        if len(self.recent) > RECENT_POSITIONS:
            self.recent_set.discard(self.recent.popleft())
        self.last = max(self.last, seq)
        # Encoded once by the publisher for every socket (publish.event_frame); an older publisher's
        # message without it is encoded here.
        await self.send(text_data=message.get("frame") or event_frame(event))

    # --- heartbeats and client frames ---------------------------------------------------------

    async def heartbeat(self, interval):
        """Ping, and first re-read the stream above the floor: a live message lost on the way
        (a full channel, a Redis blip during the fan-out) reaches the client within one beat."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.send_catch_up()
            except Exception:
                logger.exception("could not re-read the event stream for a websocket")
            with contextlib.suppress(Exception):  # the layer is down: the next beat tries again
                await self.hub.refresh()
            await self.send_json({"type": "ping"})

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        content = None
        if text_data is not None:
            try:
                content = await self.decode_json(text_data)
            except ValueError:
                content = None
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong", "last": self.last})
        elif kind == "pong" or self.read_only:
            return
        else:
            with translation.override(self.language):
                message = _("Unknown message: a client may only send a ping on this socket.")
            await self.send_json({"type": "error", "code": "unknown_message", "message": message})

    async def disconnect(self, code):
        if self.heartbeat_task is not None:
            self.heartbeat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.heartbeat_task
            self.heartbeat_task = None
