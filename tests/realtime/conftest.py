"""The event-stream tests use the one test world (tests/worlds.py), with a gridworker of c2 alone,
and the Redis on 127.0.0.1:6379 when one listens there (CI starts it)."""

import socket

import pytest

from grid.models import Role
from tests import worlds


def redis_up():
    """Whether a Redis listens on 127.0.0.1:6379."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


NEEDS_REDIS = pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")


def build_world():
    w = worlds.build()
    w.gridworker_c2 = w.person("gridworker_c2", Role.GRIDWORKER, w.v1_committee, [w.c2])
    return w
