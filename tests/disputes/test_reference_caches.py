"""The per-process caches of reference data (core.versions): one version token per kind of data,
written in the transaction that changes the rows, read once per request."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from core import versions
from disputes import reference
from disputes.linkage import graph as linkage
from disputes.models import Category, LinkageEdge
from grid import location
from grid.models import Region, UnitKind
from tests import factories as f
from tests.disputes.conftest import POINT_V1_C1, report_data

on_postgis = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs parallel connections to a server database (PostGIS run)"
)


def test_each_cache_has_its_name_and_moves_only_with_its_own_rows(world):
    names = {"categories", "units", "regions", "linkage"}
    before = {name: versions.token(name) for name in names}
    Category.objects.filter(pk=world.disputes.pk).first().save()
    after = {name: versions.token(name) for name in names}
    assert {name for name in names if after[name] != before[name]} == {"categories", "linkage"}
    Region.objects.get(pk=world.v1.pk).save()
    moved = {name for name in names if versions.token(name) != after[name]}
    assert moved == {"regions", "linkage"}


def test_a_change_that_rolls_back_leaves_no_stale_cache_behind(world):
    """With a counter, the rolled-back change and the next one both wrote "1", and the cache
    built inside the rolled-back transaction was taken for the next one's."""
    assert reference.active_category("7777") is None
    try:
        with transaction.atomic():
            Category.objects.create(code="7777", name="回滚的类别", kind=world.disputes.kind, level=1)
            assert reference.active_category("7777") is not None
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert reference.active_category("7777") is None
    Category.objects.create(code="8888", name="后来的类别", kind=world.disputes.kind, level=1)
    assert reference.active_category("8888") is not None
    assert reference.active_category("7777") is None


def test_the_chain_follows_its_rows_including_many_to_many_changes(world):
    edge = LinkageEdge.objects.create(source=world.v1_committee, target=world.t1_centre, relation="escalates_to")
    assert (
        linkage.current().graph.get_edge_data(world.v1_committee.pk, world.t1_centre.pk, "escalates_to")["categories"]
        is None
    )
    edge.categories.add(world.disputes)
    data = linkage.current().graph.get_edge_data(world.v1_committee.pk, world.t1_centre.pk, "escalates_to")
    assert data["categories"] == frozenset({world.disputes.pk})


def test_regions_follow_a_rename(world):
    assert location.locate(*POINT_V1_C1).village.name == world.v1.name
    region = Region.objects.get(pk=world.v1.pk)
    region.name = "新东沟村"
    region.save()
    assert location.locate(*POINT_V1_C1).village.name == "新东沟村"


def test_a_request_reads_the_tokens_once(world, client):
    client.force_login(world.gridworker)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/reports/", report_data(world.disputes), content_type="application/json")
    assert response.status_code == 201, response.content
    reads = [q["sql"] for q in queries.captured_queries if "core_dataversion" in q["sql"]]
    assert len(reads) == 1, reads


def test_background_work_reads_the_tokens_once_per_unit_of_work(world):
    """A job or a command marks its work with versions.reading(), as a request is marked; its own
    change still shows at once, and outside it every look-up checks."""

    def reads(work):
        with CaptureQueriesContext(connection) as queries:
            work()
        return sum("core_dataversion" in q["sql"] for q in queries.captured_queries)

    def look_ups():
        for _ in range(5):
            reference.categories.get()
            reference.units.get()

    assert reads(look_ups) == 10
    with versions.reading():
        assert reads(look_ups) == 1
        with versions.reading():  # re-entrant
            assert reads(look_ups) == 0
        f.unit(world.v1, UnitKind.POLICE_STATION, name="长顺派出所")  # this work's own change
        assert reference.unit_of(world.v1, UnitKind.POLICE_STATION).name == "长顺派出所"
    assert reads(look_ups) == 10


def test_a_unit_added_in_the_database_is_found_at_once(world):
    assert reference.unit_of(world.v1, UnitKind.POLICE_STATION) is None
    police = f.unit(world.v1, UnitKind.POLICE_STATION)
    assert reference.unit_of(world.v1, UnitKind.POLICE_STATION) == police


@on_postgis
def test_a_concurrent_reader_never_keeps_rows_older_than_the_commit(transactional_db, request):
    """A writer changes a category in an open transaction; a reader in another thread loads the
    cache meanwhile (old rows, rightly). After the commit the reader must see the new rows —
    clearing the cache on post_save, before the commit, let it keep the old ones."""
    world = request.getfixturevalue("world")
    saved, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                category = Category.objects.get(pk=world.disputes.pk)
                category.name = "改名后的类别"
                category.save()
                saved.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert saved.wait(10)
    assert reference.active_category(world.disputes.code).name == world.disputes.name
    release.set()
    thread.join(10)
    assert reference.active_category(world.disputes.code).name == "改名后的类别"
