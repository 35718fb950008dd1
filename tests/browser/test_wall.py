"""The governance centre's wall (大屏) in a real browser at 1920 × 1080 (and 3840 × 2160).

The wall runs unattended with a display token from `manage.py issue_display_token`. The key
test stops the server under it, makes events while it is away (`manage.py simulate`), starts
the server again on the same port and checks that the wall comes back by itself and shows
every event it missed.

Map tiles are refused (any request off the test server), as on an intranet without a tile
server: the boundaries and points must still draw, and the screenshots stay deterministic.
"""

import datetime
import json
import re
import urllib.parse
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect
from shapely.geometry import shape

from .conftest import WALL, check_accessibility, screenshot, sign_in

COUNTY = "150922000000"
STREAM_LIVE = 20_000  # ms: first connection (the page, the figures, the websocket)
COMEBACK = 40_000  # ms: after a restart the wall probes every ~8 s and reconnects on the first answer
FEED_ROWS = 10  # the template's data-rows of #wall-feed


@pytest.fixture(scope="module")
def display_token(server):
    """A display token for the demo county, issued as an administrator would."""
    output = server.manage("issue_display_token", COUNTY)
    token = output.splitlines()[1].strip()
    assert token.startswith("display:"), output
    return token


@pytest.fixture(scope="module")
def gridworker_token(server):
    return server.token("gridworker-001")  # once: the sign-in endpoint is throttled


def wall_context(new_context, **options):
    context = new_context({**WALL, **options})
    # No tiles (nor anything else) from outside the test server.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    return context


def open_wall(new_context, token, **options):
    page = wall_context(new_context, **options).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto("/wall/?" + urllib.parse.urlencode({"display": token}))
    expect(page.locator("#wall-status")).to_have_attribute("data-status", "live", timeout=STREAM_LIVE)
    expect(page.locator("#today-reports")).not_to_have_text("–")
    return page


def board(server, token):
    """GET /api/wall/ as the wall sees it."""
    request = urllib.request.Request(server.url + "/api/wall/", headers={"Authorization": f"Display {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def count_text(value):
    return f"{value:,}"  # the page's Intl.NumberFormat, Chinese or English alike


def shell(server, code):
    """Run Python in `manage.py shell` against the server's database; returns its last line as JSON."""
    output = server.manage("shell", "-c", code)
    return json.loads(output.strip().splitlines()[-1])


def stream_head(server):
    return shell(
        server,
        "import json; from django.db.models import Max; from realtime.models import Event; "
        "print(json.dumps(Event.objects.aggregate(m=Max('seq'))['m'] or 0))",
    )


def events_after(server, seq):
    return shell(
        server,
        "import json; from realtime.models import Event; "
        f"print(json.dumps([[e.seq, e.kind, e.area_code, e.payload['case']['number']] "
        f"for e in Event.objects.filter(seq__gt={int(seq)}).order_by('seq')]))",
    )


def report(server, token, point, category="5001"):
    body = {
        "id": str(uuid.uuid4()),
        "source": "app",
        "category": category,
        "description": "路边变压器围栏倒塌",
        "lon": point.x,
        "lat": point.y,
        "accuracy_m": 6.0,
        "occurred_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "severity": 2,
        "parties": [],
        "photos": [],
    }
    return server.post_json("/api/reports/", body, token=token)["case"]


def my_cell_point(server, token):
    cells = server.get_json("/maps/cells.geojson?mine=1", token)
    return shape(cells["features"][0]["geometry"]).representative_point()


def node_count(page):
    """The number of elements, once no pulse is on the map (recent events pulse when the wall opens)."""
    expect(page.locator(".wall-pulse")).to_have_count(0, timeout=20_000)  # a red alert's pulse: 15.6 s
    return page.evaluate("() => document.getElementsByTagName('*').length")


def assert_nothing_overflows(page):
    problems = page.evaluate(
        """() => {
          const out = [];
          const root = document.scrollingElement;
          if (root.scrollHeight > innerHeight || root.scrollWidth > innerWidth)
            out.push(`page ${root.scrollWidth}x${root.scrollHeight} in ${innerWidth}x${innerHeight}`);
          for (const node of document.querySelectorAll('.panel, .table-wrap, .rows, .wall-header')) {
            if (node.scrollHeight > node.clientHeight + 1 || node.scrollWidth > node.clientWidth + 1)
              out.push(`${node.className}#${node.id}: ${node.scrollWidth}x${node.scrollHeight}`
                + ` in ${node.clientWidth}x${node.clientHeight}`);
          }
          return out;
        }"""
    )
    assert problems == []


# --- the key test: a server restart under the wall -------------------------------------------


def test_the_wall_comes_back_by_itself_after_a_server_restart_with_the_events_it_missed(
    server, new_context, display_token
):
    page = open_wall(new_context, display_token)
    status = page.locator("#wall-status")
    reports_before = board(server, display_token)["today"]["reports"]
    expect(page.locator("#today-reports")).to_have_text(count_text(reports_before))
    head = stream_head(server)

    try:
        server.stop()
        expect(status).to_have_attribute("data-status", "offline", timeout=15_000)
        expect(status).to_contain_text("离线")  # "Offline since 10:31:07"
        assert re.search(r"\d{2}:\d{2}:\d{2}", status.inner_text())
        offline = page.locator("#wall-offline")
        expect(offline).to_be_visible()
        expect(offline).to_contain_text("正在自动重连")

        # Activity while the wall is away: the services write the events to the outbox.
        server.manage("simulate", "--once", "5", "--seed", "7")
        missed = events_after(server, head)
        assert missed, "simulate made no event"
        assert all(code.startswith("150922") for _seq, _kind, code, _number in missed)
        # Still offline: nothing could have reached the wall yet.
        expect(status).to_have_attribute("data-status", "offline")
        assert (
            page.locator("#wall-feed li[data-seq]").evaluate_all(
                f"rows => rows.filter(row => Number(row.dataset.seq) > {head}).length"
            )
            == 0
        )
    finally:
        server.start()

    # Back by itself, on the same address, with no one touching it.
    expect(status).to_have_attribute("data-status", "live", timeout=COMEBACK)
    expect(page.locator("#wall-offline")).to_be_hidden()

    # The feed shows what happened while it was away, newest first.
    newest = sorted(missed, reverse=True)[:FEED_ROWS]
    for seq, _kind, _code, number in newest:
        expect(page.locator(f'#wall-feed li[data-seq="{seq}"]')).to_contain_text(number)
    shown = page.locator("#wall-feed li[data-seq]:not(.is-empty)").evaluate_all(
        "rows => rows.map(row => Number(row.dataset.seq))"
    )
    assert shown[: len(newest)] == [seq for seq, *_rest in newest]
    assert shown == sorted(shown, reverse=True)

    # And the figures caught up too.
    after = board(server, display_token)
    reported = sum(1 for _seq, kind, _code, _number in missed if kind == "report_received")
    assert after["today"]["reports"] == reports_before + reported
    expect(page.locator("#today-reports")).to_have_text(count_text(after["today"]["reports"]))
    expect(page.locator("#today-closed")).to_have_text(count_text(after["today"]["closed"]))
    assert page.errors == []


# --- live: a report from a phone -------------------------------------------------------------


def test_a_new_report_appears_in_the_feed_and_pulses_on_the_map_at_once(
    server, new_context, display_token, gridworker_token
):
    page = open_wall(new_context, display_token)
    expect(page.locator("#map-count")).not_to_be_empty()
    nodes = node_count(page)
    point = my_cell_point(server, gridworker_token)

    case = report(server, gridworker_token, point)

    row = page.locator("#wall-feed li").first
    expect(row).to_contain_text(case["number"], timeout=2_500)
    expect(row).to_have_attribute("data-kind", "report_received")
    expect(row).to_contain_text("事件上报")
    pulse = page.locator(f'.wall-pulse--report[data-number="{case["number"]}"]')
    expect(pulse).to_be_attached(timeout=2_500)
    # The pulse sits where the report was made.
    assert float(pulse.get_attribute("data-lon")) == pytest.approx(point.x, abs=1e-5)
    assert float(pulse.get_attribute("data-lat")) == pytest.approx(point.y, abs=1e-5)
    # The figures follow shortly (debounced): the new case is on the map and counted.
    expected = board(server, display_token)
    expect(page.locator("#today-reports")).to_have_text(count_text(expected["today"]["reports"]), timeout=10_000)
    expect(page.locator("#map-count")).to_contain_text(count_text(len(expected["cases"])), timeout=10_000)

    # Bounded: the pulse removes itself when its animation ends, and the page has not grown.
    expect(pulse).to_have_count(0, timeout=8_000)
    assert node_count(page) == nodes
    assert page.errors == []


def test_many_events_leave_no_trace_in_the_page(server, new_context, display_token, gridworker_token):
    """Hours of events in a minute: the feed stays at its rows, pulses go, the DOM does not grow."""
    page = open_wall(new_context, display_token)
    nodes = node_count(page)
    point = my_cell_point(server, gridworker_token)
    numbers = [report(server, gridworker_token, point)["number"] for _n in range(FEED_ROWS + 3)]
    expect(page.locator("#wall-feed li").first).to_contain_text(numbers[-1], timeout=5_000)
    expect(page.locator("#wall-feed li")).to_have_count(FEED_ROWS)
    expect(page.locator("#wall-feed")).not_to_contain_text(numbers[0])  # pushed out by newer ones
    # Reports of one kind piling up in one cell turn red (grading): each raises a red alert.
    alert = page.locator("#wall-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("红色预警")
    expect(alert).to_contain_text(numbers[-1])
    expect(page.locator(".wall-pulse--alert").first).to_be_attached()
    assert page.locator(".wall-pulse").count() <= 24  # at most MAX_PULSES at once
    assert node_count(page) == nodes
    assert page.errors == []


# --- who may see a wall ---------------------------------------------------------------------


def test_a_bad_display_token_gets_a_403_page_and_no_token_means_sign_in(server, new_context, display_token):
    page = wall_context(new_context).new_page()
    forged = display_token.replace(COUNTY, "150922100000")
    response = page.goto("/wall/?" + urllib.parse.urlencode({"display": forged}))
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("此大屏令牌无效")
    expect(page.locator("#wall-app")).to_have_count(0)

    response = page.goto("/wall/")
    assert response.status == 200
    assert urllib.parse.urlsplit(page.url).path == "/accounts/login/"
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["next"] == ["/wall/"]


def test_a_signed_in_township_operator_sees_their_township(server, new_context):
    page = wall_context(new_context).new_page()
    sign_in(page, "township-operator-001", "/wall/")
    expect(page.locator("#wall-status")).to_have_attribute("data-status", "live", timeout=STREAM_LIVE)
    expect(page.locator("h1")).to_contain_text("长顺镇")
    expect(page.locator("#ranking-title")).to_contain_text("村排名")
    expect(page.locator("#wall-ranking tbody tr:not(.is-empty)").first).to_be_visible()


def test_the_language_switch_gives_english_and_keeps_the_display(server, new_context, display_token):
    page = open_wall(new_context, display_token)
    expect(page.locator("#feed-title")).to_have_text("实时事件")
    with page.expect_navigation():
        page.select_option(".language-switch select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("#wall-status")).to_have_attribute("data-status", "live", timeout=STREAM_LIVE)
    expect(page.locator("#feed-title")).to_have_text("Live events")
    expect(page.locator("h1")).to_contain_text("governance centre")
    expect(page.locator("#wall-status")).to_have_text("Live")
    expect(page.locator("#indicators-period")).to_have_text("this month")
    with page.expect_navigation():
        page.select_option(".language-switch select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_a_display_switches_the_period_drills_into_a_township_and_comes_back(server, new_context, display_token):
    page = open_wall(new_context, display_token)
    expect(page.locator('.wall-periods a[aria-current="true"]')).to_have_text("本月")
    with page.expect_navigation():
        page.locator(".wall-periods a", has_text="本年").click()
    expect(page.locator("#wall-status")).to_have_attribute("data-status", "live", timeout=STREAM_LIVE)
    expect(page.locator('.wall-periods a[aria-current="true"]')).to_have_text("本年")
    expect(page.locator("#indicators-period")).to_have_text("本年")
    assert "display=" in page.url and "period=year" in page.url  # the display kept its token

    link = page.locator("#wall-ranking tbody tr:not(.is-empty) a.wall-ranking-link").first
    township = link.inner_text()
    with page.expect_navigation():
        link.click()
    expect(page.locator("h1")).to_contain_text(township)
    expect(page.locator("#ranking-title")).to_contain_text("村排名")
    expect(page.locator("#wall-status")).to_have_attribute("data-status", "live", timeout=STREAM_LIVE)
    expect(page.locator('.wall-periods a[aria-current="true"]')).to_have_text("本年")  # the period goes along
    assert check_accessibility(page) == []
    screenshot(page, "wall-township")
    with page.expect_navigation():
        page.locator(".wall-up").click()
    expect(page.locator("#ranking-title")).to_contain_text("乡镇")
    expect(page.locator(".wall-up")).to_have_count(0)
    assert not page.errors


# --- how it looks, at 1920 × 1080 and at 4K ------------------------------------------------------


@pytest.fixture(scope="module")
def overdue_cases(server):
    """A county with a fortnight's history (`simulate --backfill`), and three running cases past
    due, as days going by would make them (the deadline sweeper is not running here)."""
    server.manage("simulate", "--backfill", "150", "--once", "0", "--seed", "3")
    return shell(
        server,
        "import json, datetime; from django.utils import timezone; from disputes.models import Case; "
        "from disputes.lifecycle import TICKING_STATES; "
        "cases = list(Case.objects.filter(state__in=TICKING_STATES).order_by('pk')[:3]); "
        "[Case.objects.filter(pk=c.pk).update(due_at=timezone.now() - datetime.timedelta(hours=5 + 20 * i)) "
        "for i, c in enumerate(cases)]; print(json.dumps([c.number for c in cases]))",
    )


def settled(page):
    """Wait until no CSS transition runs (the bars and gauges grow into place) and no pulse is left."""
    page.wait_for_function("() => document.getAnimations().every(a => !(a instanceof CSSTransition))")
    expect(page.locator(".wall-pulse")).to_have_count(0, timeout=20_000)


def check_board(page, server, token, overdue_cases):
    expected = board(server, token)
    expect(page.locator("h1")).to_contain_text("化德县")
    expect(page.locator("#today-reports")).to_have_text(count_text(expected["today"]["reports"]))
    expect(page.locator("#today-overdue")).to_have_text(count_text(expected["today"]["overdue"]))
    expect(page.locator("#wall-clock-time")).to_have_text(re.compile(r"^\d{2}:\d{2}:\d{2}$"))
    gauges = page.locator(".gauge")
    expect(gauges).to_have_count(4)
    for index in range(4):
        expect(gauges.nth(index)).to_be_visible()
        expect(gauges.nth(index).locator(".gauge-value")).to_have_text(re.compile(r"^(\d{1,3}(\.\d)?%|–)$"))
    ranking = page.locator("#wall-ranking tbody tr:not(.is-empty) th")
    expect(ranking).to_have_text([row["name"] for row in expected["ranking"][:8]])
    expect(page.locator("#wall-categories li:not(.is-empty) .bar-name").first).to_have_text(
        expected["categories"][0]["name"]
    )
    # A list longer than its rows says which page it shows, so page 2 is not read as the top list.
    rows = int(page.locator("#wall-categories").get_attribute("data-rows"))
    pages = -(-len(expected["categories"]) // rows)
    if pages > 1:
        expect(page.locator("#categories-page")).to_have_text(re.compile(rf"\b1\s*/\s*{pages}\b"))
    else:
        expect(page.locator("#categories-page")).to_have_text("")
    supervise = page.locator("#wall-supervise tbody tr:not(.is-empty)")
    for number in overdue_cases:
        expect(supervise.filter(has_text=number)).to_have_count(1)
    expect(supervise.first.locator(".col-overdue")).to_contain_text("小时")
    expect(page.locator("#wall-feed li:not(.is-empty)").first).to_be_visible()
    # The county's boundary and its townships are drawn, even with no tiles.
    expect(page.locator(".leaflet-wall-boundaries-pane path")).to_have_count(1 + len(expected["ranking"]))
    expect(page.locator(".wall-map-label")).to_have_count(len(expected["ranking"]))


def test_screenshot_at_1920_by_1080(server, new_context, display_token, overdue_cases):
    page = open_wall(new_context, display_token)
    check_board(page, server, display_token, overdue_cases)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"
    assert_nothing_overflows(page)
    assert check_accessibility(page) == []
    settled(page)
    screenshot(page, "wall")


def test_screenshot_at_4k_is_the_same_layout_twice_as_large(server, new_context, display_token, overdue_cases):
    small = open_wall(new_context, display_token)
    big = open_wall(new_context, display_token, viewport={"width": 3840, "height": 2160})
    check_board(big, server, display_token, overdue_cases)
    assert big.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    assert_nothing_overflows(big)
    # The same layout: every panel is where it was, at twice the size.
    boxes = (
        "() => [...document.querySelectorAll('.panel')].map(p => { const r = p.getBoundingClientRect(); "
        "return [r.x / innerWidth, r.y / innerHeight, r.width / innerWidth, r.height / innerHeight]; })"
    )
    for one, other in zip(small.evaluate(boxes), big.evaluate(boxes), strict=True):
        assert one == pytest.approx(other, abs=0.004)
    settled(big)
    screenshot(big, "wall-4k")
