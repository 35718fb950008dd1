"""The process's realtime sender: with a Redis layer, an event committed here is handed to one
long-lived event loop and sent from there, in order; the request never waits for Redis, and a
Redis that is down costs a log line, not an error."""

import asyncio
import logging
import os
import socket
import threading
import uuid

from channels.layers import get_channel_layer

from realtime import publish
from tests.realtime.conftest import NEEDS_REDIS

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def message(seq):
    return {"type": publish.MESSAGE_TYPE, "event": {"seq": seq}, "frame": f'{{"seq": {seq}}}'}


def pubsub(settings, url):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": f"gridgov-test-{uuid.uuid4().hex[:8]}"},
        }
    }


@NEEDS_REDIS
def test_events_reach_their_group_through_redis_in_the_order_handed_over(settings):
    pubsub(settings, REDIS)
    layer = get_channel_layer()
    group = f"region.{uuid.uuid4().int % 10**12:012d}"
    ready, received = threading.Event(), []

    async def listen():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        ready.set()
        while len(received) < 30:
            received.append((await asyncio.wait_for(layer.receive(channel), 10))["event"]["seq"])

    listener = threading.Thread(target=lambda: asyncio.run(listen()))
    listener.start()
    assert ready.wait(10)
    for seq in range(1, 31):
        publish.fan_out(message(seq), [group])
    publish.sender.flush()
    listener.join(15)
    assert received == list(range(1, 31))


def test_a_redis_that_is_down_costs_a_log_line_not_an_error(settings, caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pubsub(settings, f"redis://127.0.0.1:{port}/0")
    with caplog.at_level(logging.ERROR, logger="realtime.publish"):
        publish.fan_out(message(7), ["region.150922000000"])  # returns: the sender tries later
        publish.sender.flush()
    assert "could not send realtime event 7" in caplog.text
