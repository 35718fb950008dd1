"""GET /api/cases/ in pages by position (core.pagination.KeysetPages): `next` carries a cursor, no
page counts the cases or skips them by OFFSET; a page asked for by number still works, counted."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.models import Case
from tests.disputes.stories import new_case, shift
from tests.factories import client_for


def walk(client, **params):
    """Every page from the first through `next`: the ids in order and the number of pages."""
    ids, pages = [], 0
    response = client.get("/api/cases/", params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "results"}
        ids += [row["id"] for row in body["results"]]
        pages += 1
        if not body["next"]:
            return ids, pages
        response = client.get(body["next"])


def test_following_next_gives_every_case_once_newest_first_even_with_equal_times(world):
    cases = [new_case(world) for _ in range(7)]
    same = timezone.now() - datetime.timedelta(hours=1)
    for case in cases[2:5]:  # three cases created at the same instant: the id breaks the tie
        shift(case, created_at=same)
    client = client_for(world.county_operator)
    ids, pages = walk(client, page_size=2)
    expected = list(Case.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))
    assert ids == expected and len(set(ids)) == 7 and pages == 4


def test_pages_keep_the_filters_and_never_count_or_offset(world):
    for _ in range(5):
        new_case(world)
    new_case(world, category=world.incidents)
    client = client_for(world.county_operator)
    first = client.get("/api/cases/", {"page_size": 2, "category": world.neighbours.code}).json()
    assert "category=" in first["next"] and "cursor=" in first["next"]
    with CaptureQueriesContext(connection) as queries:
        second = client.get(first["next"])
    sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
    assert "COUNT(" not in sql and "OFFSET" not in sql
    ids, _ = walk(client, page_size=2, category=world.neighbours.code)
    assert len(ids) == 5 and second.json()["results"][0]["id"] == ids[2]


def test_a_page_by_number_is_still_counted_for_old_clients(world):
    for _ in range(3):
        new_case(world)
    body = client_for(world.county_operator).get("/api/cases/", {"page": 2, "page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 1


def test_a_cursor_the_list_did_not_give_is_a_400_naming_it(world):
    new_case(world)
    client = client_for(world.county_operator)
    for bad in ("", "abc", "W10", "WyJ4IiwgMV0", "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgInMiXQ"):
        response = client.get("/api/cases/", {"cursor": bad})
        assert response.status_code == 400, (bad, response.content)
        body = response.json()
        assert set(body) == {"code", "message", "fields"} and "cursor" in body["fields"]
