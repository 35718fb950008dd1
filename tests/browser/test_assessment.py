"""The assessment page on the demo county: ranking → drill-down → the cases behind a number → the
monthly report and an export with its progress → download, a trend chart, the units' ranking, the
language switch and print; screenshots docs/screenshots/assessment-*.png."""

import datetime
import io
import uuid
import zipfile

from playwright.sync_api import expect
from shapely.geometry import shape

from .conftest import LAPTOP, check_accessibility, screenshot, sign_in

COUNTY_OPERATOR = "county-operator-001"
READY = "body[data-ready=true]"


def an_overdue_case(server):
    """A report in the county, a week past its deadline, as time passing would make it."""
    token = server.token("gridworker-001")
    cells = server.get_json("/maps/cells.geojson?mine=1", token)
    point = shape(cells["features"][0]["geometry"]).representative_point()
    body = {
        "id": str(uuid.uuid4()),
        "source": "app",
        "category": "1101",
        "description": "两户因宅前排水沟堵塞发生争吵",
        "lon": point.x,
        "lat": point.y,
        "accuracy_m": 6.0,
        "occurred_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "severity": 2,
        "parties": [],
        "photos": [],
    }
    case = server.post_json("/api/reports/", body, token=token)["case"]
    server.manage(
        "shell",
        "-c",
        "import datetime; from django.utils import timezone; from disputes.models import Case; "
        f"Case.objects.filter(pk={case['id']}).update(due_at=timezone.now() - datetime.timedelta(days=7))",
    )
    return case


def ready(page):
    expect(page.locator(READY)).to_have_count(1, timeout=30_000)


def test_ranking_drill_down_the_cases_behind_a_number_and_the_trend(new_context, server):
    server.manage("simulate", "--backfill", "30", "--once", "0", "--seed", "7")  # a month of history
    case = an_overdue_case(server)
    page = new_context(LAPTOP).new_page()
    sign_in(page, COUNTY_OPERATOR, "/assessment/")
    ready(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#ranking-title")).to_have_text("排名")
    expect(page.locator("#ranking tbody tr")).to_have_count(6)  # the demo county's six townships
    expect(page.locator("#trend-chart svg")).to_have_count(1)
    assert page.locator("#trend-chart").get_attribute("data-points") == "12"
    assert check_accessibility(page) == []
    screenshot(page, "assessment-county")

    page.click('#ranking thead button[data-sort="name"]')
    expect(page.locator('#ranking th[aria-sort="ascending"] button')).to_have_attribute("data-sort", "name")

    # The overdue number links to exactly those cases on the mediator map.
    overdue = page.locator('#indicators tr[data-key="overdue"] a')
    href = overdue.get_attribute("href")
    assert "overdue=true" in href and "region=150922000000" in href
    overdue.click()
    page.wait_for_url("**/mediator/**")
    expect(page.locator("#case-list .case-row").filter(has_text=case["number"])).to_have_count(1, timeout=20_000)
    page.go_back()
    ready(page)

    # The units are ranked too; this month's report is one click away, as HTML and as PDF.
    expect(page.locator("#units tbody tr").first).to_be_visible()
    pdf = page.locator("#monthly-pdf").get_attribute("href")
    assert "output=pdf" in pdf and page.request.get(pdf).headers["content-type"] == "application/pdf"
    report = page.request.get(page.locator("#monthly-html").get_attribute("href"))
    assert report.ok and "月报" in report.text()

    # This period's case register: the job runner writes it while the page shows its progress.
    page.click("#export-cases")
    item = page.locator("#export li")
    expect(item).to_have_attribute("data-state", "done", timeout=30_000)
    expect(item.locator(".export-title")).to_contain_text("案件登记台账 · XLSX")
    with page.expect_download() as download:
        item.locator(".export-download").click()
    book = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    text = "".join(book.read(name).decode() for name in book.namelist() if name.startswith("xl/"))
    assert "案件编号" in text and case["number"] in text

    # Drill down: a township, then a village, where gridworkers are ranked.
    page.locator("#ranking tbody tr th a").first.click()
    ready(page)
    expect(page.locator("#crumbs a")).to_have_count(1)
    page.locator("#ranking tbody tr th a").first.click()
    ready(page)
    expect(page.locator('#ranking thead button[data-sort="counts.reports"]')).to_have_count(1)
    screenshot(page, "assessment-village")

    # English through the switch; print hides the controls.
    page.select_option("#language-assessment", "en")
    expect(page.locator("#ranking-title")).to_have_text("Ranking", timeout=30_000)
    ready(page)
    page.emulate_media(media="print")
    expect(page.locator("#print")).to_be_hidden()
    screenshot(page, "assessment-print")
