"""The resident's face at /r/ on a 360-pixel phone, as a newcomer would use it: report with a
typed place and a photo, receive the SMS (console backend: the job runner prints it to the
server's log) with number and code, follow the matter while a handler works it, rate it,
complain once; then the same with every request to anything but the server blocked. Each
screen passes axe-core, and the follow page works with the keyboard alone."""

import io
import json
import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import check_accessibility, screenshot

SMALL_PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
RULES = (
    "color-contrast",
    "label",
    "button-name",
    "image-alt",
    "link-name",
    "list",
    "listitem",
    "duplicate-id",
    "aria-valid-attr",
    "aria-valid-attr-value",
    "aria-allowed-attr",
    "document-title",
    "html-has-lang",
)


@pytest.fixture(scope="module")
def village(server):
    """A demo village's name, typed as a resident would, and a category of the demo county shown on the map."""
    out = server.manage(
        "shell",
        "-c",
        "import json; from grid.models import Region;"
        "from disputes.models import Category;"
        "v = Region.objects.filter(level='village', cells__isnull=False).order_by('code').first();"
        "c = Category.objects.get(code='11'); c.public = True; c.save();"  # through save: the caches follow
        "print(json.dumps(v.name))",
    )
    return json.loads(out.strip().splitlines()[-1])


def png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def sms_to(server, phone, template, after=0, timeout=60, page=None):
    """The text of the newest SMS to `phone` with `template`, as the console backend printed it.

    With a `page`, it waits through Playwright: a page whose requests pass through a route handler
    (the test with everything but the server blocked) sends them only while Playwright runs, and a
    plain sleep here would hold back the very request that asks for the SMS."""
    pattern = re.compile(rf"SMS to {phone} \[{template}\]: (.*)")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pattern.findall(server.log_path.read_text(encoding="utf-8", errors="replace"))
        if len(found) > after:
            return found[-1]
        if page is not None:
            page.wait_for_timeout(300)
        else:
            time.sleep(0.3)
    raise AssertionError(f"no {template} SMS to {phone} in {server.log_path}")


def count_sms(server, phone, template):
    return len(re.findall(rf"SMS to {phone} \[{template}\]", server.log_path.read_text(errors="replace")))


def work_until_closed(server, number):
    """A handler works the case through the loop (the demo's simulator plays every role)."""
    server.manage(
        "shell",
        "-c",
        "from demo.simulation import Simulation; from disputes.models import Case;"
        f"s = Simulation(seed=7); n = {number!r}\n"
        "for _ in range(30):\n"
        "    c = Case.objects.get(number=n)\n"
        "    if c.state == 'closed': break\n"
        "    s.advance(c)\n"
        "assert Case.objects.get(number=n).state == 'closed', Case.objects.get(number=n).state",
    )


def report(page, server, village, phone, *, shots=False):
    page.goto("/r/")
    expect(page.locator("h1")).to_have_text("反映和查询事项")
    page.fill("#category-search", "邻里")
    page.locator("#category-results button").first.click()
    expect(page.locator("#category-chosen")).to_contain_text("邻里")
    page.fill("#description", "楼上邻居装修，晚上十点以后还在施工")
    page.fill("#place-search", village)
    page.click("#place-find")
    page.locator("#place-results button").first.click()
    expect(page.locator("#place-chosen")).to_contain_text(village)
    page.set_input_files("#photos", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": png()}])
    expect(page.locator("#photo-list img")).to_have_count(1)
    page.fill("#phone", phone)
    before = count_sms(server, phone, "verification_code")
    page.click("#send-code")
    text = sms_to(server, phone, "verification_code", after=before, page=page)
    code = re.search(r"\d{6}", text).group(0)
    page.fill("#code", code)
    page.click("#verify")
    expect(page.locator("#phone-ok")).to_have_text("手机号码已确认。")
    if shots:
        assert check_accessibility(page, RULES) == []
        screenshot(page, "resident-report")
    page.click("#submit")
    receipt = page.locator("#receipt")
    expect(receipt).to_be_visible()
    number, case_code = re.search(r"编号为(\d+)，查询码为(\d+)", receipt.inner_text()).groups()
    told = sms_to(server, phone, "case_received", page=page)
    assert number in told and case_code in told
    if shots:
        screenshot(page, "resident-receipt")
    return number, case_code


def follow_rate_and_complain(page, server, number, code, *, shots=False):
    page.locator("#receipt a").click()  # the follow link, as in the SMS
    case = page.locator("#case")
    expect(case).to_be_visible()
    expect(page.locator("#case-title")).to_have_text(number)
    expect(page.locator("#case-timeline li").first).to_contain_text("收到上报")  # disputes/timeline.py's words
    work_until_closed(server, number)
    page.click("#follow-form button[type=submit]")
    expect(page.locator("#case-state")).to_have_text("已结案")
    expect(page.locator("#rate-form")).to_be_visible()
    timeline = page.locator("#case-timeline").inner_text()
    assert "13" not in re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}|\d{10,}", "", timeline)  # no phone numbers
    if shots:
        assert check_accessibility(page, RULES) == []
        screenshot(page, "resident-follow")
    # 不满意 needs a reason: refused in place first.
    page.check("input[name=satisfaction][value=unsatisfied]")
    page.click("#rate-form button[type=submit]")
    expect(page.locator("#rate-error")).to_be_visible()
    page.check("input[name=satisfaction][value=basic]")
    page.click("#rate-form button[type=submit]")
    expect(page.locator("#case-rated")).to_contain_text("基本满意")
    expect(page.locator("#rate-form")).to_be_hidden()
    page.fill("#complain-text", "施工噪声问题只处理了一天")
    page.click("#complain-form button[type=submit]")
    expect(page.locator("#status")).to_have_text("您的投诉已送达综治中心。")
    expect(page.locator("#complain-form")).to_be_hidden()  # once
    if shots:
        screenshot(page, "resident-rated")


def test_a_resident_reports_follows_rates_and_complains(new_context, server, village):
    page = new_context(SMALL_PHONE).new_page()
    number, code = report(page, server, village, "13900001111", shots=True)
    follow_rate_and_complain(page, server, number, code, shots=True)
    # The closing SMS carries the link to rate.
    assert f"/r/#f={number}-{code}" in sms_to(server, "13900001111", "case_closed")


def test_the_same_with_everything_but_the_server_blocked(new_context, server, village):
    context = new_context(SMALL_PHONE)
    asked_elsewhere = []

    def only_the_server(route):
        if route.request.url.startswith(server.url) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            asked_elsewhere.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", only_the_server)
    page = context.new_page()
    number, code = report(page, server, village, "13900002222")
    follow_rate_and_complain(page, server, number, code)
    page.goto("/r/#map")
    expect(page.locator("#map-list li").first).to_be_visible()
    assert asked_elsewhere == []


def test_the_follow_page_with_the_keyboard_alone_and_the_public_map(new_context, server, village):
    page = new_context(SMALL_PHONE).new_page()
    number, code = report(page, server, village, "13900003333")
    page.goto("/r/#follow")
    page.locator("#follow-number").focus()
    page.keyboard.type(number)
    page.keyboard.press("Tab")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator("#case-title")).to_have_text(number)
    expect(page.locator("#case")).to_be_focused()
    page.goto("/r/#map")
    expect(page.locator("#map-list li").first).to_contain_text(village)
    assert check_accessibility(page, RULES) == []
    screenshot(page, "resident-map")
