"""The mediator's map in a real browser, on the demo county, through the UI only.

Routing in the demo county: a dispute reported in gridworker-001's cell (滨河社区第1网格) lands at
滨河社区居民委员会, which has no staff of its own; 长顺镇综治中心 supervises the township, so its
operator (township-operator-001) accepts it and dispatches it to 滨河社区人民调解委员会, where
mediator-001 mediates. The operator then verifies and closes it (a handler may not verify their own
work). The tests check that routing through the API first, so a change in the demo county fails
here with a clear message rather than somewhere in the middle of a page.
"""

import datetime
import re
import uuid

import pytest
from playwright.sync_api import expect
from shapely.geometry import shape

from .conftest import LAPTOP, check_accessibility, screenshot, sign_in

GRIDWORKER = "gridworker-001"
OPERATOR = "township-operator-001"
MEDIATOR = "mediator-001"
DISPUTE = "1101"  # 相邻关系纠纷
PARTIES = [
    {
        "name": "王建国",
        "role": "applicant",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "address": "滨河社区东街12号",
    },
    {"name": "李卫东", "role": "respondent", "phone": "13987654321"},  # reported without ID number and address
]
RESPONDENT = {"id_number": "150922197803150419", "address": "滨河社区东街14号"}
TERMS = "三日内共同疏通排水沟，费用由双方均摊"


@pytest.fixture(scope="module")
def tokens(server):
    """API tokens, fetched once per user: the sign-in endpoint is throttled per address."""
    known = {}

    def token(username):
        if username not in known:
            known[username] = server.token(username)
        return known[username]

    return token


def cell_points(server, token, mine=False):
    """A point inside each grid cell the user sees (or patrols, with `mine`)."""
    cells = server.get_json("/maps/cells.geojson" + ("?mine=1" if mine else ""), token)
    return [shape(feature["geometry"]).representative_point() for feature in cells["features"]]


def report(
    server, token, point, category=DISPUTE, description="两户因宅前排水沟堵塞发生争吵", parties=(), source="app"
):
    body = {
        "id": str(uuid.uuid4()),
        "source": source,
        "category": category,
        "description": description,
        "lon": point.x,
        "lat": point.y,
        "accuracy_m": 6.0,
        "occurred_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "severity": 2,
        "parties": list(parties),
        "photos": [],
    }
    return server.post_json("/api/reports/", body, token=token)["case"]


def dispute_in_my_cell(server, tokens, description="两户因宅前排水沟堵塞发生争吵"):
    gridworker = tokens(GRIDWORKER)
    [point, *_rest] = cell_points(server, gridworker, mine=True)
    return report(server, gridworker, point, description=description, parties=PARTIES)


def api_act(server, token, case_id, act, **body):
    version = server.get_json(f"/api/cases/{case_id}/", token)["version"]
    return server.post_json(f"/api/cases/{case_id}/{act}/", {"version": version, **body}, token=token)


# --- page helpers -------------------------------------------------------------------------


def open_workspace(new_context, username, path="/mediator/"):
    page = new_context(LAPTOP).new_page()
    sign_in(page, username, path)
    expect(page.locator("#live-status")).to_have_attribute("data-status", "live")
    return page


def open_from_list(page, number):
    row = page.locator(".case-row", has=page.locator(".number", has_text=number))
    row.click()
    expect(page.locator("#panel-title")).to_contain_text(number)
    return row


def panel_state(page):
    return page.locator("#case-panel .panel-head .badge.state")


def open_act(page, rule, target):
    """Choose an act in the panel; its form opens below the buttons."""
    button = page.locator(f'#case-panel .act-buttons button[data-act="{rule}-{target}"]')
    if button.get_attribute("aria-expanded") != "true":
        button.click()
    form = page.locator(f'#case-panel .act-form-wrap[data-act="{rule}-{target}"] form')
    expect(form).to_be_visible()
    return form


def submit(form):
    form.locator("button[type=submit]").click()


def done(page, form):
    """The act went through: the panel shows the case anew, the form closed, with a line saying so."""
    expect(form).to_be_hidden()
    expect(page.locator("#case-panel .panel-message .ok")).to_be_visible()


# --- 1. the whole way ---------------------------------------------------------------------


def test_a_mediator_takes_a_dispute_from_acceptance_to_a_printed_agreement_and_closure(new_context, server, tokens):
    case = dispute_in_my_cell(server, tokens)
    case_id, number = case["id"], case["number"]
    operator_token = tokens(OPERATOR)
    detail = server.get_json(f"/api/cases/{case_id}/", operator_token)
    village = detail["region"]["code"]
    assert detail["current_unit"]["code"] == f"{village}-village_committee", detail["current_unit"]
    assert {"accept", "reject"} <= set(detail["allowed_actions"]), "the township centre should triage this case"
    mediation_unit = f"{village}-village_mediation"

    # The township centre accepts the report and dispatches it to the village mediation committee.
    operator = open_workspace(new_context, OPERATOR)
    open_from_list(operator, number)
    expect(panel_state(operator)).to_have_attribute("data-state", "reported")
    form = open_act(operator, "accept", case_id)
    form.locator('[name="note"]').fill("属人民调解范围")
    submit(form)
    done(operator, form)
    expect(panel_state(operator)).to_have_attribute("data-state", "accepted")
    form = open_act(operator, "dispatch", case_id)
    form.locator('[name="unit"]').select_option(mediation_unit)
    submit(form)
    expect(panel_state(operator)).to_have_attribute("data-state", "dispatched")

    # The mediator finds it in the list, takes it up and registers the mediation.
    mediator = open_workspace(new_context, MEDIATOR)
    open_from_list(mediator, number)
    # Parties in full: the mediator's committee handles the case now.
    expect(mediator.locator("table.parties")).to_contain_text(PARTIES[0]["id_number"])
    submit(open_act(mediator, "start", case_id))
    expect(panel_state(mediator)).to_have_attribute("data-state", "in_progress")
    form = open_act(mediator, "register_mediation", case_id)
    form.locator('[name="source"]').select_option("application")
    form.locator('[name="rights_notice_acknowledged"]').check()
    submit(form)
    done(mediator, form)
    expect(mediator.locator("#case-panel ol.timeline li").first).to_have_attribute("data-action", "register_mediation")

    # A session, then the agreement.
    form = open_act(mediator, "record_session", case_id)
    form.locator('[name="held_at"]').fill(datetime.datetime.now().strftime("%Y-%m-%dT%H:%M"))
    form.locator('[name="place"]').fill("滨河社区调解室")
    form.locator('[name="attendees"]').fill("王建国、李卫东")
    form.locator('[name="record"]').fill("双方陈述意见，同意共同疏通排水沟")
    submit(form)
    expect(mediator.locator("#case-panel ol.sessions li")).to_have_count(1)
    expect(mediator.locator("#case-panel ol.sessions")).to_contain_text("滨河社区调解室")

    form = open_act(mediator, "record_agreement", case_id)
    form.locator('[name="facts"]').fill("排水沟堵塞致两户院内积水")
    form.locator('[name="issues"]').fill("疏通责任及费用分担")
    form.locator('[name="responsibilities"]').fill("双方共同负责")
    form.locator('[name="terms"]').fill(TERMS)
    form.locator('[name="performance"]').fill("当面履行")
    form.locator('[name="perform_by"]').fill((datetime.date.today() + datetime.timedelta(days=3)).isoformat())
    submit(form)
    # The respondent was reported without ID number and address, which the agreement must name.
    expect(form.locator(".form-error")).to_contain_text("李卫东")
    expect(form).to_be_visible()
    party_form = open_act(mediator, "edit_party", case_id)
    party_form.locator('[name="party"]').select_option(label="李卫东 (被申请人)")
    expect(party_form.locator('[name="phone"]')).to_have_value(PARTIES[1]["phone"])  # what is on record
    party_form.locator('[name="id_number"]').fill(RESPONDENT["id_number"])
    party_form.locator('[name="address"]').fill(RESPONDENT["address"])
    submit(party_form)
    done(mediator, party_form)
    expect(mediator.locator("table.parties")).to_contain_text(RESPONDENT["address"])
    form = open_act(mediator, "record_agreement", case_id)
    form.locator('[name="facts"]').fill("排水沟堵塞致两户院内积水")
    form.locator('[name="issues"]').fill("疏通责任及费用分担")
    form.locator('[name="responsibilities"]').fill("双方共同负责")
    form.locator('[name="terms"]').fill(TERMS)
    form.locator('[name="performance"]').fill("当面履行")
    form.locator('[name="perform_by"]').fill((datetime.date.today() + datetime.timedelta(days=3)).isoformat())
    submit(form)
    done(mediator, form)
    expect(mediator.locator("#case-panel .agreement")).to_contain_text(TERMS)

    # The printable agreement carries the parties in full and the terms.
    with mediator.context.expect_page() as opened:
        mediator.locator("#case-panel .print-links a").first.click()
    document = opened.value
    document.wait_for_load_state()
    text = document.locator("body").inner_text()
    assert "人民调解协议书" in text
    for party in PARTIES:
        assert party["name"] in text
    assert PARTIES[0]["id_number"] in text and RESPONDENT["id_number"] in text and RESPONDENT["address"] in text
    assert TERMS in text
    document.close()
    pdf = mediator.request.get(mediator.locator("#case-panel .print-links a").nth(1).get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # Every party signs; the agreement takes effect; the mediator reports the case done.
    form = open_act(mediator, "sign_agreement", case_id)
    boxes = form.locator("input[type=checkbox]")
    expect(boxes).to_have_count(len(PARTIES))
    for index in range(len(PARTIES)):
        boxes.nth(index).check()
    submit(form)
    expect(mediator.locator("#case-panel .section-mediation p.ok")).to_be_visible()  # "in effect since …"
    screenshot(mediator, "mediator-case")
    form = open_act(mediator, "resolve", case_id)
    form.locator('[name="result"]').fill("双方已按协议疏通排水沟")
    submit(form)
    expect(panel_state(mediator)).to_have_attribute("data-state", "resolved")

    # The operator's open panel follows live: verification is offered without a reload.
    expect(panel_state(operator)).to_have_attribute("data-state", "resolved", timeout=20_000)
    row = operator.locator(".case-row", has=operator.locator(".number", has_text=number))
    expect(row.locator(".badge.state")).to_have_attribute("data-state", "resolved")
    form = open_act(operator, "verify", case_id)
    form.locator('input[type=radio][value="true"]').check()
    submit(form)
    expect(panel_state(operator)).to_have_attribute("data-state", "verified")
    submit(open_act(operator, "close", case_id))
    expect(panel_state(operator)).to_have_attribute("data-state", "closed")
    expect(operator.locator("#case-panel ol.timeline li").first).to_have_attribute("data-action", "close")

    final = server.get_json(f"/api/cases/{case_id}/", operator_token)
    assert final["state"] == "closed" and final["closed_at"]
    assert final["current_unit"]["code"] == mediation_unit
    assert final["mediation_source"] == "application"
    assert final["agreement"]["terms"] == TERMS and final["agreement"]["effective"] is True
    assert len(final["sessions"]) == 1 and final["sessions"][0]["place"] == "滨河社区调解室"
    assert [entry["action"] for entry in final["timeline"]] == [
        "report_received",
        "accept",
        "dispatch",
        "start",
        "register_mediation",
        "record_session",
        "edit_party",
        "record_agreement",
        "sign_agreement",
        "resolve",
        "verify",
        "close",
    ]


# --- 2. the filters live in the address ---------------------------------------------------


def test_filters_and_the_open_case_are_kept_in_the_address(new_context, server, tokens):
    token = tokens(OPERATOR)
    marker = uuid.uuid4().hex[:8]
    points = cell_points(server, token)[:3]
    cases = [
        report(server, token, points[0], description=f"相邻通行纠纷 {marker}", source="hotline"),
        report(server, token, points[1], description=f"宅基地边界纠纷 {marker}", source="hotline"),
        report(server, token, points[2], category="5001", description=f"加油站安全隐患 {marker}", source="hotline"),
    ]
    # One case is a week past its deadline, as time passing would make it.
    server.manage(
        "shell",
        "-c",
        "import datetime; from django.utils import timezone; from disputes.models import Case; "
        f"Case.objects.filter(pk={cases[0]['id']}).update(due_at=timezone.now() - datetime.timedelta(days=7))",
    )

    page = open_workspace(new_context, OPERATOR)
    page.fill("#filter-q", marker)
    expect(page.locator("#case-list .case-row")).to_have_count(3)
    page.select_option("#filter-category", "11")  # 邻里纠纷 and its subcategories
    page.check('#filter-state input[value="reported"]')
    page.fill("#filter-from", datetime.date.today().isoformat())
    expect(page.locator("#case-list .case-row")).to_have_count(2)
    page.check('.legend input[name="colour"][value="grade"]')
    open_from_list(page, cases[1]["number"])

    query = dict(re.findall(r"[?&]([^=&]+)=([^&]*)", page.url))
    assert query["q"] == marker and query["category"] == "11" and query["state"] == "reported"
    assert query["created_after"] == datetime.date.today().isoformat()
    assert query["case"] == str(cases[1]["id"]) and query["colour"] == "grade"
    numbers = page.locator("#case-list .case-row .number").all_inner_texts()

    # The same address in a new page gives the same filters, results, colouring and open case.
    again = page.context.new_page()
    again.goto(page.url)
    expect(again.locator("#panel-title")).to_contain_text(cases[1]["number"])
    expect(again.locator("#case-list .case-row")).to_have_count(2)
    assert again.locator("#case-list .case-row .number").all_inner_texts() == numbers
    expect(again.locator("#filter-q")).to_have_value(marker)
    expect(again.locator("#filter-category")).to_have_value("11")
    expect(again.locator('#filter-state input[value="reported"]')).to_be_checked()
    expect(again.locator('#filter-state input[value="accepted"]')).not_to_be_checked()
    expect(again.locator("#filter-from")).to_have_value(datetime.date.today().isoformat())
    expect(again.locator('.legend input[name="colour"][value="grade"]')).to_be_checked()
    expect(again.locator(f'#case-list .case-row[data-id="{cases[1]["id"]}"]')).to_have_attribute("aria-current", "true")

    # Overdue only: the backdated case, late in red in the list, ringed on the map.
    again.select_option("#filter-overdue", "true")
    expect(again.locator("#case-list .case-row")).to_have_count(1)
    expect(again.locator("#case-list .row-deadline.late")).to_have_count(1)
    assert "overdue=true" in again.url
    again.locator("#case-list .case-row").first.click()
    expect(again.locator(".case-marker.overdue.selected")).to_have_count(1)
    expect(again.locator("#case-panel .countdown")).to_have_class(re.compile(r"\blate\b"))

    # Clearing the filters clears the address too.
    again.click("#filters button[type=reset]")
    expect(again.locator("#filter-q")).to_have_value("")
    again.wait_for_function("() => !location.search.includes('q=')")


def test_dates_are_iso_on_a_chinese_page_in_an_english_browser(new_context, server, tokens):
    page = new_context(LAPTOP, locale="en-US").new_page()
    sign_in(page, OPERATOR, "/mediator/")
    field = page.locator("#filter-from")
    # Not the browser's "mm/dd/yyyy": a text field in ISO form, with the calendar a button away.
    expect(field).to_have_attribute("type", "text")
    expect(field).to_have_attribute("placeholder", "YYYY-MM-DD")
    expect(page.locator("#filters .date-button").first).to_have_attribute("aria-label", "从日历中选择")
    field.fill("2026年1月5日")
    field.press("Tab")
    expect(field).to_have_value("2026-01-05")
    page.wait_for_function("() => location.search.includes('created_after=2026-01-05')")
    assert check_accessibility(page) == []


# --- 3. the server's errors, in place -----------------------------------------------------


def test_the_servers_errors_show_in_place_and_change_nothing(new_context, server, tokens):
    case = dispute_in_my_cell(server, tokens, description="两户因围墙高度发生争执")
    case_id = case["id"]
    operator_token = tokens(OPERATOR)
    api_act(server, operator_token, case_id, "accept")
    village = server.get_json(f"/api/cases/{case_id}/", operator_token)["region"]["code"]
    api_act(server, operator_token, case_id, "dispatch", unit=f"{village}-village_mediation")

    page = open_workspace(new_context, MEDIATOR, f"/mediator/?case={case_id}")
    expect(page.locator("#panel-title")).to_contain_text(case["number"])
    submit(open_act(page, "start", case_id))
    expect(panel_state(page)).to_have_attribute("data-state", "in_progress")
    before = server.get_json(f"/api/cases/{case_id}/", operator_token)

    # The service refuses a registration without the rights notice: the message sits by the box.
    form = open_act(page, "register_mediation", case_id)
    form.locator('[name="source"]').select_option("application")
    submit(form)
    field = form.locator(".field", has=page.locator('[name="rights_notice_acknowledged"]'))
    expect(field.locator(".field-error")).to_be_visible()
    expect(form.locator('[name="rights_notice_acknowledged"]')).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".form-error")).to_be_visible()
    expect(form.locator('[name="source"]')).to_have_value("application")  # what was chosen stays
    after = server.get_json(f"/api/cases/{case_id}/", operator_token)
    assert after["version"] == before["version"] and after["mediation_source"] == ""
    assert after["timeline"] == before["timeline"]
    form.locator('[name="rights_notice_acknowledged"]').check()
    submit(form)
    done(page, form)

    # The API's own validation: a blank place and no participants, each named by its field.
    before = server.get_json(f"/api/cases/{case_id}/", operator_token)
    form = open_act(page, "record_session", case_id)
    form.locator('[name="record"]').fill("首次调解")
    submit(form)
    for name in ("place", "attendees"):
        expect(form.locator(f'[name="{name}"]')).to_have_attribute("aria-invalid", "true")
        expect(form.locator(".field", has=page.locator(f'[name="{name}"]')).locator(".field-error")).not_to_be_empty()
    expect(form.locator('[name="record"]')).not_to_have_attribute("aria-invalid", "true")
    expect(form.locator('[name="record"]')).to_have_value("首次调解")
    after = server.get_json(f"/api/cases/{case_id}/", operator_token)
    assert after["version"] == before["version"] and after["sessions"] == []
    assert after["timeline"] == before["timeline"]

    # Someone else changes the case while the form holds typing: the panel says so and keeps it;
    # sending it anyway is refused as stale, with the way to reload.
    form.locator('[name="place"]').fill("社区调解室")
    api_act(server, operator_token, case_id, "parties", name="张三", role="third")
    expect(page.locator("#case-panel .panel-notice")).to_be_visible(timeout=20_000)
    expect(form.locator('[name="place"]')).to_have_value("社区调解室")
    form.locator('[name="attendees"]').fill("王建国、李卫东、张三")
    submit(form)
    expect(form.locator(".form-error")).to_be_visible()
    expect(form.locator(".form-error button")).to_be_visible()
    assert server.get_json(f"/api/cases/{case_id}/", operator_token)["sessions"] == []
    form.locator(".form-error button").click()
    expect(page.locator("#case-panel table.parties")).to_contain_text("张三")


def test_an_operator_regrades_a_case_from_the_panel_with_a_reason(new_context, server, tokens):
    case = dispute_in_my_cell(server, tokens, description="两家因土地边界争执，扬言要动手")
    case_id = case["id"]
    grade = server.get_json(f"/api/cases/{case_id}/", tokens(OPERATOR))["grade"]
    assert grade != "red"
    page = open_workspace(new_context, OPERATOR, f"/mediator/?case={case_id}")
    expect(page.locator("#panel-title")).to_contain_text(case["number"])
    form = open_act(page, "regrade", case_id)
    form.locator('[name="grade"]').select_option("red")
    submit(form)  # no reason: refused in place, nothing changes
    expect(form.locator('[name="reason"]')).to_have_attribute("aria-invalid", "true")
    assert server.get_json(f"/api/cases/{case_id}/", tokens(OPERATOR))["grade"] == grade
    form.locator('[name="reason"]').fill("当事人扬言动手，有民转刑风险")
    submit(form)
    done(page, form)
    expect(page.locator("#case-panel .badge.grade")).to_have_class(re.compile(r"grade-red"))
    latest = page.locator("#case-panel ol.timeline li").first
    expect(latest).to_have_attribute("data-action", "regrade")
    expect(latest).to_contain_text("有民转刑风险")
    assert server.get_json(f"/api/cases/{case_id}/", tokens(OPERATOR))["grade"] == "red"


def test_a_duplicate_is_shown_in_the_panel_and_merged_with_one_click(new_context, server, tokens):
    first = dispute_in_my_cell(server, tokens, description="东沟村三组排水沟堵塞，两户争吵")
    again = dispute_in_my_cell(server, tokens, description="三组两户又因排水沟吵起来了")
    page = open_workspace(new_context, OPERATOR, f"/mediator/?case={again['id']}")
    expect(page.locator("#panel-title")).to_contain_text(again["number"])
    offered = page.locator(f'#case-panel .section-duplicates li[data-case="{first["id"]}"]')
    expect(offered).to_contain_text(first["number"])
    expect(offered).to_contain_text("同一当事人")
    # the list marks the row too (the page loads newest first: `again` is on it)
    expect(page.locator(f'#case-list li[data-id="{again["id"]}"] .badge.duplicates')).to_contain_text("可能重复")
    assert check_accessibility(page) == []
    screenshot(page, "mediator-duplicates")
    offered.locator("button.merge").click()
    expect(panel_state(page)).to_have_attribute("data-state", "merged")
    expect(page.locator("#case-panel ol.timeline li").first).to_have_attribute("data-action", "merge")
    assert server.get_json(f"/api/cases/{again['id']}/", tokens(OPERATOR))["merged_into"] == first["number"]
    kept = server.get_json(f"/api/cases/{first['id']}/", tokens(OPERATOR))
    # (the browser server is shared: other tests' cases of the same parties may still be offered)
    assert kept["timeline"][-1]["action"] == "merged_in"
    assert again["id"] not in {row["id"] for row in kept["duplicates"]}


# --- 4. how it looks ----------------------------------------------------------------------


def test_the_map_at_a_laptops_size_is_accessible(new_context, server, tokens):
    token = tokens(OPERATOR)
    points = cell_points(server, token)
    categories = ["1101", "1102", "5001", "1101", "1102", "1101", "5001", "1101"]
    for index, point in enumerate(points[: len(categories) * 3 : 3]):
        report(server, token, point, category=categories[index], description=f"演示事件 {index + 1}", source="hotline")

    page = open_workspace(new_context, OPERATOR)
    expect(page.locator("#case-list .case-row").first).to_be_visible()
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
    # A new report shows up in the list at once, without a reload.
    rows = page.locator("#case-list .case-row").count()
    new = report(server, token, points[1], category="1102", description="演示事件：新上报", source="hotline")
    expect(page.locator("#case-list .case-row").first.locator(".number")).to_have_text(new["number"])
    expect(page.locator("#case-list .case-row")).to_have_count(rows + 1)
    expect(page.locator(".leaflet-overlay-pane path").first).to_be_attached()  # boundaries drawn
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    screenshot(page, "mediator-map")
    assert check_accessibility(page) == []

    page.locator("#case-list .case-row").first.click()
    expect(page.locator("#case-panel .acts")).to_be_visible()
    page.locator("#case-panel .act-buttons button").first.click()
    expect(page.locator("#case-panel .act-form-wrap:not([hidden])")).to_have_count(1)
    assert check_accessibility(page) == []

    # English on request, the same page.
    with page.expect_navigation():
        page.select_option(".language-switch select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_have_text("Mediation map")
    expect(page.locator("#filters-title")).to_have_text("Filters")
    expect(page.locator("#live-status")).to_have_text("Live")
    with page.expect_navigation():
        page.select_option(".language-switch select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.locator("h1")).to_have_text("矛盾纠纷调解地图")


# --- joint handling: the summoned unit answers ------------------------------------------------


def test_a_summoned_unit_answers_its_task_and_the_panel_shows_the_case_anew(new_context, server, tokens):
    """Defect 11: the answer was saved (200), then the panel took its own change for someone else's
    ("其他人修改了本案，请重新载入查看") and kept the form open."""
    case = dispute_in_my_cell(server, tokens, description="排水沟纠纷，需派出所联办")
    operator = tokens(OPERATOR)
    api_act(server, operator, case["id"], "accept")
    found = server.manage(
        "shell",
        "-c",
        "from disputes.models import Case; from grid.models import Member, UnitKind;"
        f" case = Case.objects.get(pk={case['id']});"
        " m = Member.objects.filter(active=True, role__in=['staff', 'mediator'], unit__active=True,"
        " unit__kind=UnitKind.POLICE_STATION, unit__region__code=case.area_code[:9] + '000')"
        ".select_related('unit', 'user').first();"
        " print(m.unit.code, m.user.username)",
    )
    unit_code, staff = found.strip().splitlines()[-1].split()
    api_act(server, operator, case["id"], "summon", units=[unit_code], instructions="请派民警到场")
    task = server.get_json(f"/api/cases/{case['id']}/", operator)["joint_tasks"][0]

    page = open_workspace(new_context, staff, f"/mediator/?case={case['id']}")
    expect(page.locator("#panel-title")).to_contain_text(case["number"])
    form = open_act(page, "answer_task", task["id"])
    form.locator("textarea, input[type=text]").first.fill("民警已到场调解，双方同意疏通排水沟")
    submit(form)
    done(page, form)
    expect(page.locator("#case-panel .panel-notice")).to_be_hidden()
    expect(page.locator("#case-panel .section-tasks")).to_contain_text("民警已到场调解")
    # The answered task offers no second answer.
    expect(page.locator(f'#case-panel .act-buttons button[data-act="answer_task-{task["id"]}"]')).to_have_count(0)
