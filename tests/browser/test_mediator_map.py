"""The mediator's map on a generated set of cases: it asks only for the view at the zoom it shows
(bbox and zoom, never every page of the case layer), draws the server's clusters with their exact
numbers, and the list pages by cursor."""

import urllib.parse

import pytest
from playwright.sync_api import expect

from .conftest import LAPTOP, sign_in
from .test_mediator import OPERATOR, cell_points, report

GENERATED = 2000
# Closed cases of last year, cloned from one reported case onto the cells of its township, then
# counted into the map's squares: they show on the map without changing today's figures elsewhere.
GENERATE = f"""
import datetime, random
from django.contrib.gis.geos import Point
from django.utils import timezone
from disputes.models import Case
from grid.models import GridCell
from maps import casemap
seed = Case.objects.order_by("pk").last()
cells = list(GridCell.objects.filter(code__startswith=seed.area_code[:9]).order_by("code"))
rng = random.Random(12)
skip = {{"id", "number"}}
made = []
for i in range({GENERATED}):
    cell = cells[i % len(cells)]
    p = cell.boundary.point_on_surface
    case = Case(**{{f.attname: getattr(seed, f.attname) for f in Case._meta.concrete_fields if f.attname not in skip}})
    case.point = Point(p.x + rng.uniform(-2e-4, 2e-4), p.y + rng.uniform(-2e-4, 2e-4), srid=4326)
    case.cell_id, case.area_code, case.number = cell.pk, cell.code, f"G{{i:09d}}"
    case.state, case.created_at = "closed", timezone.now() - datetime.timedelta(days=400)
    made.append(case)
Case.objects.bulk_create(made, batch_size=500)
casemap.rebuild()
"""


@pytest.fixture(scope="module")
def operator_token(server):
    return server.token(OPERATOR)


REMOVE = """
from disputes.models import Case
from maps import casemap
Case.objects.filter(number__startswith="G").delete()
casemap.rebuild()
"""


def query_of(url):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


def test_the_map_asks_only_for_what_is_in_view_at_its_zoom(new_context, server, operator_token):
    token = operator_token
    # The pattern: a safety hazard in the last cell, far from the disputes the other tests report.
    report(
        server, token, cell_points(server, token)[-1], category="5001", description="生成数据的样板", source="hotline"
    )
    server.manage("shell", "-c", GENERATE)
    try:
        check_the_requests(new_context, server, token)
    finally:  # the server is shared with the other browser tests: leave them the county as it was
        server.manage("shell", "-c", REMOVE)


def check_the_requests(new_context, server, token):

    page = new_context(LAPTOP).new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, OPERATOR, "/mediator/")
    expect(page.locator("#live-status")).to_have_attribute("data-status", "live")
    expect(page.locator(".marker-cluster").first).to_be_visible()
    expect(page.locator("#case-list .case-row")).to_have_count(100)  # the first page; "more" for the next
    expect(page.locator("#case-list li.more button")).to_be_visible()

    layer = [url for url in requests if urllib.parse.urlsplit(url).path == "/maps/cases.geojson"]
    assert layer, requests
    for url in layer:
        query = query_of(url)
        assert len(query["bbox"][0].split(",")) == 4 and query["zoom"][0].isdigit()
    assert not [url for url in requests if "/api/cases/geojson/" in url]  # never every page of the layer
    lists = [url for url in requests if urllib.parse.urlsplit(url).path == "/api/cases/"]
    assert lists and all("page" not in query_of(url) for url in lists)  # keyset: no page numbers

    # The numbers on the clusters are the server's exact counts of the cases in view.
    last = layer[-1]
    answer = server.get_json(urllib.parse.urlsplit(last).path + "?" + urllib.parse.urlsplit(last).query, token)
    numbers = [int(text) for text in page.locator(".marker-cluster span").all_inner_texts()]
    assert sum(numbers) == answer["count"] >= GENERATED
    assert page.locator(".leaflet-marker-icon").count() < 3000  # what the browser holds

    # Zooming in on a cluster asks for the new view at the new zoom, and more rows come by cursor.
    zoom = int(query_of(last)["zoom"][0])
    asked = len(requests)
    page.locator(".marker-cluster").first.click()
    page.wait_for_function(
        "([n, z]) => performance.getEntriesByType('resource').some((e) => e.name.includes('/maps/cases.geojson')"
        " && Number(new URL(e.name).searchParams.get('zoom')) > z)",
        arg=[asked, zoom],
    )
    page.locator("#case-list li.more button").click()
    expect(page.locator("#case-list .case-row")).to_have_count(200)
    more = [url for url in requests[asked:] if urllib.parse.urlsplit(url).path == "/api/cases/"]
    assert more and "cursor" in query_of(more[-1])
