"""A user's memberships are remembered per process (grid.jurisdiction.remembered) and forgotten the
moment anything they derive from changes: a membership, its cells, a unit, a region, a cell."""

import contextlib

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from grid import jurisdiction
from grid.members import assign_member, deactivate_member
from grid.models import Member, Role
from tests import worlds


@pytest.fixture
def world(db):
    return worlds.build()


def fresh(user):
    """The user as the next request loads it: a new object, nothing remembered on it."""
    return get_user_model().objects.get(pk=user.pk)


def cells_of(user):
    return set(jurisdiction.of(fresh(user)).cells.values())


def loads_members(sql):
    """Whether `sql` is grid.jurisdiction.load_members's query of someone's memberships."""
    return sql.startswith('SELECT "grid_member"."id"') and '"grid_member"."user_id" =' in sql


def member_queries(user):
    with CaptureQueriesContext(connection) as queries:
        jurisdiction.of(fresh(user)).cells  # noqa: B018
    return [q["sql"] for q in queries if loads_members(q["sql"])]


def test_a_second_look_costs_no_membership_query(world):
    assert member_queries(world.gridworker), "the first look reads the memberships"
    assert member_queries(world.gridworker) == []
    assert cells_of(world.gridworker) == {world.c1.code}


def test_new_cells_are_seen_at_once(world):
    assert cells_of(world.gridworker) == {world.c1.code}
    member = Member.objects.get(user=world.gridworker)
    member.cells.set([world.c1, world.c2])
    assert cells_of(world.gridworker) == {world.c1.code, world.c2.code}


def test_a_deactivated_member_holds_nothing_at_once(world):
    assert jurisdiction.of(fresh(world.mediator)).units == {world.v1_mediation.pk}
    deactivate_member(Member.objects.get(user=world.mediator))
    assert jurisdiction.of(fresh(world.mediator)).units == frozenset()


def test_a_deactivated_unit_takes_its_members_with_it(world):
    assert jurisdiction.of(fresh(world.committee)).units == {world.v1_committee.pk}
    world.v1_committee.active = False
    world.v1_committee.save()
    assert not jurisdiction.of(fresh(world.committee)).any


def test_a_new_membership_is_seen_at_once(world):
    assert jurisdiction.of(fresh(world.outsider)).any is False
    assign_member(world.outsider, Role.MEDIATOR, world.t1_justice)
    assert jurisdiction.of(fresh(world.outsider)).units == {world.t1_justice.pk}


def test_a_rolled_back_change_leaves_nothing_behind(world):
    assert cells_of(world.gridworker) == {world.c1.code}
    with contextlib.suppress(ZeroDivisionError), transaction.atomic():
        Member.objects.get(user=world.gridworker).cells.set([world.c2])
        assert cells_of(world.gridworker) == {world.c2.code}  # seen inside the change
        1 / 0  # noqa: B018
    assert cells_of(world.gridworker) == {world.c1.code}


def test_the_least_recent_users_are_dropped_past_the_limit(world, settings):
    settings.MEMBERS_REMEMBERED = 2
    for user in (world.gridworker, world.mediator, world.operator):
        member_queries(user)
    assert member_queries(world.operator) == []
    assert member_queries(world.gridworker), "the first of three was dropped"


def test_a_phone_request_reads_memberships_once_then_from_memory(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.gridworker).key}")
    url = "/maps/cells.geojson?mine=1"
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert response.status_code == 200
    assert [f["properties"]["code"] for f in response.json()["features"]] == [world.c1.code]
    assert any(loads_members(q["sql"]) for q in first)
    assert not any(loads_members(q["sql"]) for q in second)
    # A change between two requests is seen by the next one.
    Member.objects.get(user=world.gridworker).cells.add(world.c2)
    codes = {f["properties"]["code"] for f in client.get(url).json()["features"]}
    assert codes == {world.c1.code, world.c2.code}


def test_a_change_behind_the_signals_back_is_seen_after_the_time_limit(world, settings):
    assert jurisdiction.of(fresh(world.mediator)).units == {world.v1_mediation.pk}
    Member.objects.filter(user=world.mediator).update(active=False)  # SQL: no signal, no new token
    assert jurisdiction.of(fresh(world.mediator)).units == {world.v1_mediation.pk}, "remembered"
    assert jurisdiction.of(world.mediator, fresh=True).units == frozenset(), "read anew when asked"
    Member.objects.filter(user=world.mediator).update(active=True)
    settings.MEMBERS_REMEMBERED_SECONDS = 0
    assert jurisdiction.of(fresh(world.mediator)).units == {world.v1_mediation.pk}
