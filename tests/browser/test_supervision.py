"""Supervision orders (督办) in a real browser, on the demo county: the township centre's operator
issues an order from the mediator map's case panel, the wall's 督办 panel shows it counting down,
the mediation committee replies from its own panel, and the wall's feed shows the reply while the
order leaves the panel of orders awaiting a reply. Screenshots: docs/screenshots/supervision-*.png."""

import re
import urllib.parse

import pytest
from playwright.sync_api import expect

from .conftest import WALL, check_accessibility, screenshot
from .test_mediator import MEDIATOR, OPERATOR, api_act, dispute_in_my_cell, open_workspace

COUNTY = "150922000000"
REQUIRED = "三日内组织双方调解，书面答复处理情况"
REPLY = "已于当日组织双方调解，排水沟已疏通"


@pytest.fixture(scope="module")
def tokens(server):
    known = {}

    def token(username):
        if username not in known:
            known[username] = server.token(username)
        return known[username]

    return token


def open_wall(new_context, server):
    token = server.manage("issue_display_token", COUNTY).splitlines()[1].strip()
    context = new_context(WALL)
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    page = context.new_page()
    page.goto("/wall/?" + urllib.parse.urlencode({"display": token}))
    expect(page.locator("#wall-status")).to_have_attribute("data-status", "live", timeout=20_000)
    return page


def open_order_form(page, key):
    button = page.locator(f'#case-panel button[data-order-act="{key}"]')
    button.click()
    form = page.locator(f"#order-form-{key} form")
    expect(form).to_be_visible()
    return form


def test_an_order_issued_in_the_panel_is_on_the_wall_and_answered_by_the_unit(new_context, server, tokens):
    case = dispute_in_my_cell(server, tokens, description="排水沟堵塞多日未处理，群众反映强烈")
    case_id, number = case["id"], case["number"]
    operator_token = tokens(OPERATOR)
    village = server.get_json(f"/api/cases/{case_id}/", operator_token)["region"]["code"]
    api_act(server, operator_token, case_id, "accept")
    api_act(server, operator_token, case_id, "dispatch", unit=f"{village}-village_mediation")

    # The township centre's operator issues the order from the case panel.
    operator = open_workspace(new_context, OPERATOR, f"/mediator/?case={case_id}")
    expect(operator.locator("#panel-title")).to_contain_text(number)
    orders = operator.locator("#case-panel .section-orders")
    expect(orders).to_contain_text("此案件没有督办单")
    form = open_order_form(operator, "issue")
    form.locator('[name="reason"]').select_option("instruction")
    form.locator('[name="required"]').fill(REQUIRED)
    form.locator('[name="days"]').fill("0")
    form.locator('[name="level"]').select_option("township")
    form.locator("button[type=submit]").click()
    # The server's error shows in place and nothing is issued.
    expect(form.locator(".field-error:not([hidden])")).to_have_count(1)
    expect(orders).to_contain_text("此案件没有督办单")
    form.locator('[name="days"]').fill("3")
    form.locator("button[type=submit]").click()
    expect(operator.locator("#case-panel .panel-message .ok")).to_be_visible()
    order = orders.locator("li.order").first
    expect(order).to_have_attribute("data-state", "open")
    expect(order).to_contain_text(REQUIRED)
    expect(order.locator(".order-countdown time")).to_contain_text("剩余")
    expect(operator.locator('#case-panel .timeline li[data-action="supervision_issued"]')).to_have_count(1)
    order_id = order.get_attribute("data-order")
    orders.scroll_into_view_if_needed()
    screenshot(operator, "supervision-issue")
    assert check_accessibility(operator) == []

    # The wall's 督办 panel shows it, counting down to its own deadline.
    wall = open_wall(new_context, server)
    row = wall.locator(f'#wall-orders tbody tr[data-order="{order_id}"]:not(.is-empty)')
    expect(row).to_contain_text(number)
    expect(row.locator(".col-countdown")).to_contain_text("剩余")
    first = row.locator(".col-countdown").text_content()
    expect(row.locator(".col-countdown")).not_to_have_text(first)  # it ticks, second by second
    screenshot(wall, "supervision-wall")

    # The mediation committee answers from its own panel.
    mediator = open_workspace(new_context, MEDIATOR, f"/mediator/?case={case_id}")
    expect(mediator.locator("#panel-title")).to_contain_text(number)
    form = open_order_form(mediator, f"reply-{order_id}")
    form.locator('[name="text"]').fill(REPLY)
    form.locator("button[type=submit]").click()
    expect(mediator.locator("#case-panel .panel-message .ok")).to_be_visible()
    answered = mediator.locator(f'#case-panel li.order[data-order="{order_id}"]')
    expect(answered).to_have_attribute("data-state", "replied")
    expect(answered.locator(".order-replies")).to_contain_text(REPLY)
    expect(answered.locator(".order-replies li")).to_have_count(1)
    # Closing is the issuing centre's, not the unit's.
    expect(mediator.locator(f'#case-panel button[data-order-act="close-{order_id}"]')).to_have_count(0)
    answered.scroll_into_view_if_needed()
    screenshot(mediator, "supervision-reply")
    assert check_accessibility(mediator) == []

    # The wall hears of the reply: the feed names it, and the order leaves the panel.
    expect(wall.locator("#wall-feed li[data-kind='supervision']").first).to_contain_text(number, timeout=20_000)
    expect(row).to_have_count(0, timeout=20_000)
    assert check_accessibility(wall) == []

    # The centre's list shows it among all its orders.
    operator.goto("/supervision/?state=")
    expect(operator.locator(f'#orders tr[data-order="{order_id}"]')).to_contain_text("已答复")
    screenshot(operator, "supervision-list")
    assert check_accessibility(operator) == []
