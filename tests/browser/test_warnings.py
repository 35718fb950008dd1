"""The warnings page (预警研判) and the wall's alert, on the demo county with planted outbreaks:
the analysis raises warnings; the wall's banner shows the orange ones as they arrive; a county
operator opens one, sees its evidence drawn, studies it and dismisses another; English works.
Screenshot docs/screenshots/warnings.png."""

import re
import urllib.parse

from playwright.sync_api import expect

from .conftest import LAPTOP, WALL, check_accessibility, screenshot, sign_in

COUNTY = "150922000000"
COUNTY_OPERATOR = "county-operator-001"
READY = "body[data-ready=true]"


def plant_outbreaks(server):
    server.manage("simulate", "--backfill", "30", "--once", "0", "--seed", "7")
    server.manage(
        "shell",
        "-c",
        "from demo.simulation import Simulation; s = Simulation(seed=11); s.outbreak('land'); s.outbreak('feud')",
    )


def test_the_wall_alerts_and_the_operator_studies_the_evidence(server, new_context):
    plant_outbreaks(server)
    token = server.manage("issue_display_token", COUNTY).splitlines()[1].strip()
    wall = new_context(WALL)
    wall.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    wall_page = wall.new_page()
    wall_page.goto("/wall/?" + urllib.parse.urlencode({"display": token}))
    expect(wall_page.locator("#wall-status")).to_have_attribute("data-status", "live", timeout=20_000)

    output = server.manage("run_early_warning")
    assert "raised" in output, output

    # The wall hears of the warnings at once: in the feed, and the orange ones in the banner.
    alert = wall_page.locator("#wall-alert")
    expect(alert).to_be_visible(timeout=10_000)
    expect(alert).to_contain_text("预警")
    expect(wall_page.locator('#wall-feed li[data-kind="warning_raised"]').first).to_be_attached()

    page = new_context(LAPTOP).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, COUNTY_OPERATOR, "/warnings/")
    expect(page.locator(READY)).to_have_count(1, timeout=30_000)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    rows = page.locator("#list tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3

    # A rising trend: its counts drawn against what its history predicts.
    trend = rows.filter(has_text="趋势").first
    trend.locator("button").click()
    expect(page.locator("#d-kind")).to_have_text("上升趋势")
    expect(page.locator("#d-chart svg")).to_have_count(1)
    expect(page.locator("#d-means")).to_contain_text("p = ")
    expect(page.locator("#d-means")).to_contain_text("低于判定线 0.")  # the bar the detector used
    expect(page.locator("#d-cases li").first).to_be_visible()
    assert check_accessibility(page) == []
    screenshot(page, "warnings")

    # 研判: a note, and the warning is studied; the trail says so.
    page.fill("#study-note", "土地承包到期，多户地界不清，已请司法所介入")
    page.click("#study-form button")
    expect(page.locator("#d-state")).to_have_text("已研判")
    expect(page.locator("#d-trail li")).to_have_count(2)

    # The feud's words: dismissed with a reason, gone from the open list (the browser server is
    # shared: other tests' reports may have raised risk words of their own).
    risk_rows = page.locator("#list tbody tr").filter(has_text="风险词")
    before = risk_rows.count()
    assert before >= 1
    risk_rows.first.locator("button").click()
    expect(page.locator("#d-kind")).to_have_text("风险词")
    page.fill("#dismiss-reason", "已走访，双方情绪平稳")
    page.click("#dismiss-form button")
    expect(page.locator("#d-state")).to_have_text("已排除")
    expect(risk_rows).to_have_count(before - 1)

    # The mediator map shades the hot cells by their Gi* z-score, with a legend.
    page.goto("/mediator/")
    expect(page.locator(".hot-legend")).to_contain_text("Gi*")
    hot = page.locator('.leaflet-overlay-pane path[fill="#b00020"], .leaflet-overlay-pane path[fill="#e0561b"]')
    expect(hot.first).to_be_attached(timeout=15_000)
    page.goto("/warnings/")
    expect(page.locator(READY)).to_have_count(1, timeout=30_000)

    # English is a click away.
    page.select_option("#language-warnings", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Early warnings")
    expect(page.locator(READY)).to_have_count(1, timeout=30_000)
    assert errors == []
