"""One subscription per group per process: the hub hands each live message to its sockets directly.

Channels' usual way gives every socket a channel of its own and adds that channel to each of its
groups, so with a thousand sockets in a county's group a process receives every event a thousand
times: a thousand queue entries, a thousand decodings (the Redis pub/sub layer decodes per
receiving channel), a thousand wake-ups of a consumer's dispatch loop, each racing its ASGI queue.
That per-socket work, not the write to the socket, kept the wall's p99 behind a bare broadcast
(bench/realtime.py).

The hub of a process (one per event loop and channel layer) instead takes one channel per group
that any of its sockets is in, reads it in one task, and calls each member's `live_message` in
turn: a message is received and decoded once per group and process, and what is left per socket
is the consumer's own filtering and the server's write. That write must not wait on the client, or
one slow phone would hold up its group: daphne's does not (Twisted buffers it), and daphne serves
the websockets here (the `realtime` service of docker/compose.yml, and `runserver`, which is
daphne's, in development).

What stays as it was
    A socket's groups are subscribed before it is accepted (`join` returns only when they are),
    so the consumer's catch-up-then-live promise holds; an event reaches a socket once per group
    it shares with it, and the consumer drops the copies (`EventConsumer.event_message`). A lost
    message is re-read from the database at the next heartbeat, as before.

Joining and leaving
    `join` and the last member's departure change the layer's subscriptions under one lock per
    hub, so a group left by its last member while another socket joins it is never unsubscribed
    under the newcomer. A hub left empty closes and is forgotten; a socket joining at that moment
    takes a new one.
"""

import asyncio
import contextlib
import logging
import time

logger = logging.getLogger(__name__)

# Re-add the hub's channels to their groups this often: a layer may expire group membership
# (channels_redis's core layer after a day), and the hub's subscriptions outlive any one socket.
REFRESH_SECONDS = 3600

_hubs = {}  # (id of the event loop, id of the layer) → Hub


class Hub:
    def __init__(self, layer, loop):
        self.layer, self.loop = layer, loop
        self.key = (id(loop), id(layer))
        self.lock = asyncio.Lock()
        self.members = {}  # group → {consumer: None} (insertion-ordered)
        self.channels = {}  # group → this hub's channel in it
        self.readers = {}  # group → the task reading that channel
        self.added = {}  # group → when its channel was last added to it (monotonic)
        self.groups_of = {}  # consumer → its groups
        self.closed = False

    # --- membership ------------------------------------------------------------------------------

    async def _join(self, consumer, groups):
        subscribed = []
        try:
            for group in groups:
                if group not in self.channels:
                    channel = await self.layer.new_channel()
                    self.channels[group] = channel
                    try:
                        await self.layer.group_add(group, channel)
                    except BaseException:
                        del self.channels[group]
                        raise
                    self.added[group] = time.monotonic()
                    self.readers[group] = asyncio.ensure_future(self._read(group, channel))
                    subscribed.append(group)
        except BaseException:
            await self._unsubscribe([group for group in subscribed if not self.members.get(group)])
            raise
        for group in groups:
            self.members.setdefault(group, {})[consumer] = None
        self.groups_of[consumer] = list(groups)

    def forget(self, consumer):
        """Take `consumer` out of its groups at once; returns the groups it leaves empty."""
        emptied = []
        for group in self.groups_of.pop(consumer, ()):
            members = self.members.get(group)
            if members is not None:
                members.pop(consumer, None)
                if not members:
                    del self.members[group]
                    emptied.append(group)
        return emptied

    async def leave(self, consumer):
        """Take `consumer` out of its groups and unsubscribe the groups nobody here is in any more."""
        await self.prune(self.forget(consumer))

    async def prune(self, groups):
        """Unsubscribe those of `groups` that are still without members once the lock is ours."""
        if groups:
            async with self.lock:
                await self._unsubscribe([group for group in groups if not self.members.get(group)])
                self._close_if_empty()

    async def _unsubscribe(self, groups):
        for group in groups:
            reader = self.readers.pop(group, None)
            if reader is not None:
                reader.cancel()
            channel = self.channels.pop(group, None)
            self.added.pop(group, None)
            if channel is not None:
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(group, channel)

    def _close_if_empty(self):
        if not self.members and not self.channels and not self.closed:
            self.closed = True
            if _hubs.get(self.key) is self:
                del _hubs[self.key]

    async def refresh(self):
        """Re-add the channels whose membership a layer might expire (called from the heartbeats)."""
        now = time.monotonic()
        stale = [group for group, added in self.added.items() if now - added > REFRESH_SECONDS]
        if not stale:
            return
        async with self.lock:
            for group in stale:
                channel = self.channels.get(group)
                if channel is not None:
                    await self.layer.group_add(group, channel)
                    self.added[group] = time.monotonic()

    # --- delivering ------------------------------------------------------------------------------

    async def _read(self, group, channel):
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The layer lost its connection (Redis restarting): the sockets catch up from the
                # database at their next heartbeat; this reader tries again.
                logger.exception("the realtime hub could not read group %s; retrying", group)
                await asyncio.sleep(1)
                continue
            for consumer in list(self.members.get(group, ())):
                try:
                    await consumer.live_message(message)
                except Exception:
                    logger.exception("a websocket could not take a live message of group %s", group)


async def join(layer, consumer, groups):
    """Subscribe `groups` (if this process is not in them yet) and add `consumer` to them.

    Returns the hub, to `leave` later. Raises if the layer cannot be reached; then the consumer is
    in no group and nothing it alone needed stays subscribed.
    """
    loop = asyncio.get_running_loop()
    key = (id(loop), id(layer))
    while True:
        hub = _hubs.get(key)
        if hub is None or hub.layer is not layer or hub.loop is not loop:  # not a dead one's id
            hub = Hub(layer, loop)
            _hubs[hub.key] = hub
        async with hub.lock:
            if hub.closed:
                continue  # it emptied while we waited: take a new one
            try:
                await hub._join(consumer, groups)
            except BaseException:
                hub._close_if_empty()
                raise
            return hub
