"""The monthly report (月报): indicators with the previous month and last year, the ranking, the
notable cases, as print-ready HTML and as a PDF with its font embedded; a command writes them all."""

import datetime
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessment import monthly, periods
from tests.disputes.conftest import PARTIES, POINT_V3
from tests.disputes.stories import closed, new_case, shift
from tests.factories import client_for

URL = "/api/assessment/monthly/"


@pytest.fixture
def month(world):
    this = periods.current_month()
    red = new_case(world, parties=PARTIES)
    shift(red, grade="red")
    late = new_case(world)
    shift(late, due_at=timezone.now() - datetime.timedelta(hours=3))
    closed(world, world.v1_committee, world.committee)
    new_case(world, point=POINT_V3)
    return {"period": this, "red": red, "late": late}


def test_the_report_holds_the_indicators_the_ranking_and_the_notable_cases(world, month):
    data = monthly.report(world.county, month["period"])
    keys = {row["key"] for row in data["indicators"]}
    assert {"closure_rate", "on_time_rate", "satisfaction_rate"} <= keys
    closure = next(row for row in data["indicators"] if row["key"] == "closure_rate")
    assert closure["value_shown"] == "25.0%"  # one of the four cases closed
    assert {row["name"] for row in data["ranking"]} == {world.t1.name, world.t2.name}
    notable = {section["key"]: [row["number"] for row in section["rows"]] for section in data["notable"]}
    assert notable["red"] == [month["red"].number]
    assert notable["overdue"] == [month["late"].number]
    # No personal data in a report.
    html = monthly.html(world.county, month["period"])
    assert "王建国" not in html and "13812345678" not in html
    assert month["red"].number in html and 'id="indicators"' in html


def test_a_township_report_counts_only_the_township(world, month):
    data = monthly.report(world.t2, month["period"])
    assert [section["rows"] for section in data["notable"]] == [[], [], []]
    assert {row["name"] for row in data["ranking"]} <= {world.v3.name}


def test_the_pdf_embeds_its_font(world, month):
    pdf = monthly.pdf(world.county, month["period"])
    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" in pdf and not re.search(rb"/BaseFont /Helvetica", pdf)


def test_through_the_api_html_and_pdf_within_the_jurisdiction(world, month):
    code = month["period"].code
    operator = client_for(world.operator)  # T1's centre
    page = operator.get(URL, {"period": code})
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert world.t1.name in page.content.decode()
    pdf = operator.get(URL, {"period": code, "output": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert operator.get(URL, {"period": code, "region": world.t2.code}).status_code == 403
    assert client_for(world.gridworker).get(URL, {"period": code}).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [({"period": "2026-Q4"}, "period"), ({"period": "2026-13"}, "period"), ({"output": "docx"}, "output")],
)
def test_bad_parameters_are_a_400_naming_them(world, params, field):
    response = client_for(world.county_operator).get(URL, params)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_the_command_writes_every_county_and_township(world, month, tmp_path):
    call_command("monthly_reports", month["period"].code, "--out", str(tmp_path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == sorted(
        f"{region.code}-{region.name}.{ext}" for region in (world.county, world.t1, world.t2) for ext in ("html", "pdf")
    )
    with pytest.raises(CommandError):
        call_command("monthly_reports", "2026")
