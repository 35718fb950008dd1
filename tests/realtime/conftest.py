"""The event-stream tests use the one test world (tests/worlds.py), with a gridworker of c2 alone."""

from grid.models import Role
from tests import worlds


def build_world():
    w = worlds.build()
    w.gridworker_c2 = w.person("gridworker_c2", Role.GRIDWORKER, w.v1_committee, [w.c2])
    return w
