"""The gridworker's phone app in a real browser (390 × 844, touch): sign-in that sticks, reports
made without signal that survive a reload and reach the server exactly once, refusals that are
shown and not repeated, photos that follow their report, the grid map, and the language switch."""

import hashlib
import io
import json
import random
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import LAPTOP, PASSWORD, PHONE, check_accessibility, screenshot

USER = "gridworker-001"
OUTSIDE = {"latitude": 39.9087, "longitude": 116.3975, "accuracy": 8}  # Beijing: outside the demo county

# Read the phone's outbox (IndexedDB "gridgov-phone") from the page.
READ_OUTBOX = """
  id => new Promise((resolve, reject) => {
    const open = indexedDB.open("gridgov-phone");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction("outbox").objectStore("outbox").get(id);
      get.onsuccess = () => { open.result.close(); resolve(get.result || null); };
      get.onerror = () => reject(get.error);
    };
  })
"""

# As if the phone never heard the server's answer: the report waits again, due now.
FORGET_ANSWER = """
  id => new Promise((resolve, reject) => {
    const open = indexedDB.open("gridgov-phone");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const store = open.result.transaction("outbox", "readwrite").objectStore("outbox");
      const get = store.get(id);
      get.onsuccess = () => {
        const item = get.result;
        item.state = "waiting"; item.receipt = null; item.replayed = false; item.nextAt = 0;
        const put = store.put(item);
        put.onsuccess = () => { open.result.close(); resolve(true); };
        put.onerror = () => reject(put.error);
      };
    };
  })
"""


@pytest.fixture(scope="module")
def cell_point(server):
    """A point inside gridworker-001's grid cell (its point on surface)."""
    output = server.manage(
        "shell",
        "-c",
        "import json; from grid.models import GridCell;"
        f" cell = GridCell.objects.filter(members__user__username='{USER}', members__active=True).first();"
        " p = cell.boundary.point_on_surface;"
        " print(json.dumps({'longitude': p.x, 'latitude': p.y, 'code': cell.code}))",
    )
    values = json.loads(output.strip().splitlines()[-1])
    return {"longitude": values["longitude"], "latitude": values["latitude"], "accuracy": 12, "code": values["code"]}


@pytest.fixture(scope="module")
def token(server):
    return server.token(USER)


def phone(new_context, where, **options):
    geolocation = {key: where[key] for key in ("latitude", "longitude", "accuracy")}
    context = new_context(PHONE, **options)
    context.grant_permissions(["geolocation"])
    context.set_geolocation(geolocation)
    return context


def open_app(page):
    page.goto("/phone/")
    page.wait_for_selector("#phone-app[data-ready=true]")


def sign_in(page, username=USER, password=PASSWORD):
    open_app(page)
    page.fill("#signin-username", username)
    page.fill("#signin-password", password)
    page.click("#signin-submit")
    expect(page.locator("#view-report")).to_be_visible()


def ready_for_no_signal(page):
    """The service worker controls the page and the category tree is on the phone."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.wait_for_selector("#phone-app[data-categories=loaded]", state="attached")


def choose_category(page, name):
    page.click("#category-choose")
    page.fill("#category-search", name)
    page.locator("#category-options button", has_text=name).first.click()
    expect(page.locator("#category-chosen")).to_contain_text(name)


def fill_report(page, description, category="垃圾堆放"):
    if page.locator("#view-report").is_hidden():
        page.click("#tabs [data-view=report]")
    choose_category(page, category)
    page.fill("#description", description)
    expect(page.locator("#position-status")).to_have_attribute("data-level", "good")


def save(page):
    page.click("#report-submit")
    expect(page.locator("#view-queue")).to_be_visible()


def card(page, report_id):
    return page.locator(f'#outbox-list li[data-id="{report_id}"]')


def newest_card(page):
    first = page.locator("#outbox-list li").first
    expect(first).to_be_visible()
    return first


def server_reports(server, token, report_id):
    reports = server.get_json("/api/reports/?page_size=500", token)["results"]
    return [report for report in reports if report["id"] == report_id]


def png(seed):
    from PIL import Image

    rng = random.Random(seed)
    image = Image.new("RGB", (64, 48), tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- signing in --------------------------------------------------------------------------------


def test_sign_in_is_remembered_on_the_phone_until_sign_out(new_context, cell_point):
    page = phone(new_context, cell_point).new_page()
    open_app(page)
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # A wrong password: the server's message, still signed out.
    page.fill("#signin-username", USER)
    page.fill("#signin-password", "wrong")
    page.click("#signin-submit")
    expect(page.locator("#signin-error")).to_be_visible()
    assert page.locator("#signin-error").inner_text().strip()
    expect(page.locator("#main")).to_be_hidden()

    page.fill("#signin-password", PASSWORD)
    page.click("#signin-submit")
    expect(page.locator("#view-report")).to_be_visible()

    page.reload()
    page.wait_for_selector("#phone-app[data-ready=true]")
    expect(page.locator("#view-report")).to_be_visible()
    expect(page.locator("#signin")).to_be_hidden()

    page.click("#tabs [data-view=me]")
    expect(page.locator("#signed-in-as")).to_contain_text(USER)
    page.click("#sign-out")
    expect(page.locator("#signin")).to_be_visible()
    page.reload()
    page.wait_for_selector("#phone-app[data-ready=true]")
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#main")).to_be_hidden()


# --- the key one: without signal ----------------------------------------------------------------


def queued_without_signal(new_context, cell_point, description):
    """A signed-in phone that lost its signal and saved a report: (context, page, report id), waiting."""
    context = phone(new_context, cell_point)
    page = context.new_page()
    sign_in(page)
    ready_for_no_signal(page)
    context.set_offline(True)
    expect(page.locator("#net-status")).to_have_attribute("data-online", "false")
    fill_report(page, description)
    save(page)
    item = newest_card(page)
    expect(item).to_have_attribute("data-state", "waiting")
    return context, page, item.get_attribute("data-id")


def test_a_report_made_without_signal_survives_a_reload_and_reaches_the_server_once(
    new_context, server, token, cell_point
):
    context, page, report_id = queued_without_signal(new_context, cell_point, "河边垃圾堆放，无信号时上报")
    expect(page.locator("#pending-count")).to_be_visible()

    # Reloaded with no signal: the service worker opens the app, the report is still there.
    page.reload()
    page.wait_for_selector("#phone-app[data-ready=true]")
    expect(page.locator("#view-queue")).to_be_visible()
    expect(card(page, report_id)).to_have_attribute("data-state", "waiting")
    expect(card(page, report_id)).to_contain_text("河边垃圾堆放，无信号时上报")
    assert server_reports(server, token, report_id) == []

    # Signal returns: it is sent, and the server holds it once.
    context.set_offline(False)
    expect(card(page, report_id)).to_have_attribute("data-state", "sent", timeout=20_000)
    stored = server_reports(server, token, report_id)
    assert len(stored) == 1
    assert stored[0]["cell"] == cell_point["code"]
    assert stored[0]["description"] == "河边垃圾堆放，无信号时上报"
    number = stored[0]["case"]["number"]
    expect(card(page, report_id)).to_contain_text(number)
    expect(page.locator("#pending-count")).to_be_hidden()

    # The phone forgets the answer (as if it was lost) and sends again: the server answers with
    # the same receipt (200) and still holds one report.
    page.evaluate(FORGET_ANSWER, report_id)
    page.reload()
    page.wait_for_selector("#phone-app[data-ready=true]")
    expect(card(page, report_id)).to_have_attribute("data-state", "sent", timeout=20_000)
    assert page.evaluate(READ_OUTBOX, report_id)["replayed"] is True
    expect(card(page, report_id)).to_contain_text(number)
    assert len(server_reports(server, token, report_id)) == 1

    # And once more with "send now" and a reload: nothing new.
    page.click("#send-now")
    page.reload()
    page.wait_for_selector("#phone-app[data-ready=true]")
    expect(card(page, report_id)).to_have_attribute("data-state", "sent")
    assert len(server_reports(server, token, report_id)) == 1


def test_an_answer_lost_on_the_way_is_asked_again_and_the_report_is_stored_once(new_context, server, token, cell_point):
    # Without the service worker, so that the test can stand between the page and the server.
    context = phone(new_context, cell_point, service_workers="block")
    page = context.new_page()
    posts = []

    def lose_first_answer(route):
        posts.append(route.request.post_data_json["id"])
        response = route.fetch()  # the server stores the report ...
        if len(posts) == 1:
            assert response.status == 201
            route.abort("internetdisconnected")  # ... but its answer never reaches the phone
        else:
            route.fulfill(response=response)

    page.route(
        "**/api/reports/",
        lambda route: lose_first_answer(route) if route.request.method == "POST" else route.continue_(),
    )
    sign_in(page)
    page.wait_for_selector("#phone-app[data-categories=loaded]", state="attached")
    fill_report(page, "回应丢失后重试")
    save(page)
    report_id = newest_card(page).get_attribute("data-id")
    expect(card(page, report_id)).to_have_attribute("data-state", "sent", timeout=20_000)
    assert posts == [report_id, report_id]
    assert page.evaluate(READ_OUTBOX, report_id)["replayed"] is True
    assert len(server_reports(server, token, report_id)) == 1


# --- refusals ----------------------------------------------------------------------------------


def test_a_refused_report_shows_the_servers_message_and_is_not_sent_again(new_context, server, token, cell_point):
    context = phone(new_context, OUTSIDE, service_workers="block")
    page = context.new_page()
    posts = []
    page.on(
        "request",
        lambda request: (
            posts.append(request.post_data_json["id"])
            if request.method == "POST" and request.url.endswith("/api/reports/")
            else None
        ),
    )
    sign_in(page)
    page.wait_for_selector("#phone-app[data-categories=loaded]", state="attached")
    fill_report(page, "这个位置在本县之外")  # the phone's fix is good, but outside every boundary
    save(page)
    refused_id = newest_card(page).get_attribute("data-id")
    refused = card(page, refused_id)
    expect(refused).to_have_attribute("data-state", "refused", timeout=20_000)

    # The message is the server's own, in the page's language.
    payload = page.evaluate(READ_OUTBOX, refused_id)["payload"]
    request = urllib.request.Request(
        server.url + "/api/reports/",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}", "Accept-Language": "zh-hans"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=30)
    assert answer.value.code == 400
    message = json.loads(answer.value.read())["message"]
    expect(refused.locator(".refusal").first).to_have_text(message)
    expect(refused.locator("[data-action=correct]")).to_be_visible()

    # More chances to send: signal comes back, "send now", a later report that gets through.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.click("#send-now")
    context.set_geolocation({key: cell_point[key] for key in ("latitude", "longitude", "accuracy")})
    fill_report(page, "位置正确的上报")
    save(page)
    good_id = newest_card(page).get_attribute("data-id")
    expect(card(page, good_id)).to_have_attribute("data-state", "sent", timeout=20_000)
    expect(refused).to_have_attribute("data-state", "refused")
    assert posts.count(refused_id) == 1
    assert server_reports(server, token, refused_id) == []

    # Correcting it makes a new report (a new id) from the same content; the refused one goes.
    refused.locator("[data-action=correct]").click()
    expect(page.locator("#view-report")).to_be_visible()
    expect(page.locator("#description")).to_have_value("这个位置在本县之外")
    expect(page.locator("#position-status")).to_have_attribute("data-level", "good")


def test_the_form_says_what_is_missing_before_anything_is_saved(new_context, cell_point):
    page = phone(new_context, cell_point).new_page()
    sign_in(page)
    page.wait_for_selector("#phone-app[data-categories=loaded]", state="attached")
    page.click("#settled")
    page.click("#report-submit")
    expect(page.locator("#report-error")).to_be_visible()
    for field in ("category", "description", "result", "result-photo"):
        expect(page.locator(f"#{field}-error")).to_be_visible()
    expect(page.locator("#description")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#view-report")).to_be_visible()
    page.click("#tabs [data-view=queue]")
    expect(page.locator("#outbox-list li")).to_have_count(0)


# --- photos ------------------------------------------------------------------------------------


def test_photos_taken_without_signal_follow_their_report_when_signal_returns(new_context, server, token, cell_point):
    context = phone(new_context, cell_point)
    page = context.new_page()
    sign_in(page)
    ready_for_no_signal(page)
    evidence, result = png("evidence"), png("result")

    context.set_offline(True)
    fill_report(page, "路灯损坏，已现场处理", category="道路设施损坏")
    page.set_input_files("#photos", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": evidence}])
    expect(page.locator("#photo-list img")).to_have_count(1)
    page.click("#settled")
    page.fill("#result", "已联系电工修复")
    page.set_input_files("#result-photo", files=[{"name": "after.png", "mimeType": "image/png", "buffer": result}])
    expect(page.locator("#result-photo-list img")).to_have_count(1)
    save(page)
    report_id = newest_card(page).get_attribute("data-id")
    expect(card(page, report_id)).to_have_attribute("data-state", "waiting")
    expect(card(page, report_id).locator("[data-slot=photos]")).to_have_attribute("data-done", "false")

    context.set_offline(False)
    expect(card(page, report_id)).to_have_attribute("data-state", "sent", timeout=20_000)
    expect(card(page, report_id).locator("[data-slot=photos]")).to_have_attribute("data-done", "true", timeout=20_000)

    (stored,) = server_reports(server, token, report_id)
    assert stored["resolved_on_site"] is True
    assert stored["on_site_result"] == "已联系电工修复"
    assert {(p["sha256"], p["purpose"]) for p in stored["photos"]} == {
        (hashlib.sha256(evidence).hexdigest(), "evidence"),
        (hashlib.sha256(result).hexdigest(), "result"),
    }
    case = server.get_json(f"/api/cases/{stored['case']['id']}/", token)
    assert case["photos"]["missing"] == []
    assert all(row["received"] for row in case["photos"]["expected"])
    # The phone lets go of the bytes once the server has them.
    assert (
        page.evaluate(
            """id => new Promise(resolve => {
             const open = indexedDB.open("gridgov-phone");
             open.onsuccess = () => {
               const all = open.result.transaction("photos").objectStore("photos").getAllKeys();
               all.onsuccess = () => resolve(all.result.filter(key => key.startsWith(id + "/")).length);
             };
           })""",
            report_id,
        )
        == 0
    )


def test_a_dispute_carries_its_parties(new_context, server, token, cell_point):
    page = phone(new_context, cell_point).new_page()
    sign_in(page)
    page.wait_for_selector("#phone-app[data-categories=loaded]", state="attached")
    fill_report(page, "两户因排水沟争执", category="排水纠纷")
    expect(page.locator("#parties")).to_be_visible()
    page.click("#party-add")
    page.locator("#party-list li").nth(0).locator("[data-field=name]").fill("张三")
    page.locator("#party-list li").nth(0).locator("[data-field=phone]").fill("13800000001")
    page.locator("#party-list li").nth(0).locator("[data-field=id_number]").fill("11010519491231002x")
    page.locator("#party-list li").nth(0).locator("[data-field=address]").fill("长顺镇东街12号")
    page.click("#party-add")
    second = page.locator("#party-list li").nth(1)
    second.locator("[data-field=name]").fill("李四")
    # The second party is the other side unless the gridworker says otherwise.
    expect(second.locator("[data-field=role]")).to_have_value("respondent")
    expect(page.locator("#party-list li").nth(0).locator("[data-field=role]")).to_have_value("applicant")
    save(page)
    report_id = newest_card(page).get_attribute("data-id")
    expect(card(page, report_id)).to_have_attribute("data-state", "sent", timeout=20_000)
    (stored,) = server_reports(server, token, report_id)
    case = server.get_json(f"/api/cases/{stored['case']['id']}/", token)
    assert [(p["name"], p["role"]) for p in case["parties"]] == [("张三", "applicant"), ("李四", "respondent")]
    # What the agreement needs later is on the case, not blank (masked for this gridworker, no handler).
    first = case["parties"][0]
    assert first["address"] == "长顺镇东街12号" and first["id_number"] == "110***********002X"

    # The category used comes first next time.
    page.click("#tabs [data-view=report]")
    expect(page.locator("#category-recent .chip").first).to_have_text("排水纠纷")


# --- tasks -------------------------------------------------------------------------------------


def settled_by_a_volunteer(server, cell_point, description):
    """A matter the cell's volunteer settled on the spot: resolved, waiting for someone else to verify it."""
    output = server.manage(
        "shell",
        "-c",
        "import json, uuid; from django.utils import timezone; from grid.models import Member, Role;"
        " from disputes import intake;"
        f" member = Member.objects.filter(role=Role.VOLUNTEER, cells__code='{cell_point['code']}', active=True)"
        ".select_related('user').first();"
        " result = intake.submit_report(member.user, {'id': uuid.uuid4(), 'source': 'app', 'category': '5201',"
        f" 'description': '{description}', 'lon': {cell_point['longitude']}, 'lat': {cell_point['latitude']},"
        " 'occurred_at': timezone.now(), 'resolved_on_site': True, 'on_site_result': '已清理',"
        " 'photos': [{'sha256': uuid.uuid4().hex * 2, 'purpose': 'result'}]});"
        " print(json.dumps({'id': result.case.pk, 'number': result.case.number, 'state': result.case.state}))",
    )
    case = json.loads(output.strip().splitlines()[-1])
    assert case["state"] == "resolved"
    return case


def test_a_resolved_case_in_my_grid_is_verified_from_the_phone(new_context, server, token, cell_point):
    done = settled_by_a_volunteer(server, cell_point, "志愿者清理了河边垃圾")
    not_done = settled_by_a_volunteer(server, cell_point, "志愿者说路灯已修好")
    page = phone(new_context, cell_point).new_page()
    sign_in(page)
    page.click("#tabs [data-view=tasks]")
    first = page.locator("#task-list li", has_text=done["number"])
    second = page.locator("#task-list li", has_text=not_done["number"])
    expect(first).to_be_visible(timeout=15_000)
    expect(second).to_be_visible()

    first.locator("[data-action=pass]").click()
    expect(page.locator("#task-list li", has_text=done["number"])).to_have_count(0, timeout=15_000)
    assert server.get_json(f"/api/cases/{done['id']}/", token)["state"] == "verified"

    # Sending it back needs a word on what is still wrong.
    second.locator("[data-action=fail]").click()
    second.locator("[data-action=send-fail]").click()
    expect(second.locator("[data-slot=message]")).to_have_attribute("data-kind", "error")
    assert server.get_json(f"/api/cases/{not_done['id']}/", token)["state"] == "resolved"
    second.locator("textarea").fill("路灯晚上仍然不亮")
    second.locator("[data-action=send-fail]").click()
    expect(page.locator("#task-list li", has_text=not_done["number"])).to_have_count(0, timeout=15_000)
    assert server.get_json(f"/api/cases/{not_done['id']}/", token)["state"] == "in_progress"
    expect(page.locator("#open-list li", has_text=not_done["number"])).to_be_visible()


def test_my_work_comes_most_urgent_first_and_a_card_opens_the_case(new_context, server, token, cell_point):
    late = settled_by_a_volunteer(server, cell_point, "志愿者说井盖已盖好")
    settled_by_a_volunteer(server, cell_point, "志愿者说垃圾已清运")
    server.manage(
        "shell",
        "-c",
        "import datetime; from django.utils import timezone; from disputes.models import Case;"
        f" Case.objects.filter(pk={late['id']}).update(due_at=timezone.now() - datetime.timedelta(hours=2))",
    )
    page = phone(new_context, cell_point).new_page()
    sign_in(page)
    page.click("#tabs [data-view=tasks]")
    first = page.locator("#task-list > li").first
    expect(first).to_contain_text(late["number"], timeout=15_000)
    expect(first).to_have_attribute("data-urgency", "breached")
    expect(first.locator("[data-slot=urgency]")).to_have_text("已超期")

    # The card opens the case: what it is, where it stands, its history.
    first.locator("[data-action=open]").click()
    dialog = page.locator("#case-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#case-dialog-title")).to_contain_text(late["number"])
    expect(dialog).to_contain_text("志愿者说井盖已盖好")
    expect(dialog.locator(".timeline li[data-action=report_received]")).to_have_count(1)
    expect(dialog.locator(".asks")).to_contain_text("核查")
    assert check_accessibility(page) == []
    screenshot(page, "phone-case")
    page.click("#case-close")
    expect(dialog).to_be_hidden()

    # 我的: my cells, my unit, this month's figures, and the phone's own state.
    page.click("#tabs [data-view=me]")
    expect(page.locator("#me-cells li").first).to_contain_text(cell_point["code"], timeout=10_000)
    expect(page.locator("#me-units li").first).to_contain_text("网格员")
    expect(page.locator("#me-figures dd[data-figure=reports]")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#me-version")).not_to_be_empty()
    expect(page.locator("#me-queue")).to_have_text("0")
    assert check_accessibility(page) == []
    screenshot(page, "phone-me")


# --- the grid, screenshots, accessibility, language ---------------------------------------------


def test_the_screens_at_390_pixels_pass_the_accessibility_checks(new_context, server, token, cell_point):
    context = phone(new_context, cell_point)
    page = context.new_page()
    open_app(page)
    assert check_accessibility(page) == []  # the sign-in screen
    sign_in(page)
    ready_for_no_signal(page)

    fill_report(page, "小区消防通道被车辆堵塞", category="消防通道堵塞")
    screenshot(page, "phone-report")
    assert check_accessibility(page) == []

    page.click("#category-choose")
    expect(page.locator("#category-dialog")).to_be_visible()
    assert check_accessibility(page) == []
    page.click("#category-close")

    save(page)
    expect(page.locator("#outbox-list li[data-state=sent]")).to_have_count(1, timeout=20_000)
    context.set_offline(True)
    fill_report(page, "无信号时记录的第二条")
    save(page)
    expect(page.locator("#outbox-list li[data-state=waiting]")).to_have_count(1)
    screenshot(page, "phone-queue")
    assert check_accessibility(page) == []
    context.set_offline(False)
    expect(page.locator("#outbox-list li[data-state=waiting]")).to_have_count(0, timeout=20_000)

    page.click("#tabs [data-view=grid]")
    cells = server.get_json("/maps/cells.geojson?mine=1", token)
    expect(page.locator("#grid-map path.grid-cell")).to_have_count(len(cells["features"]))
    expect(page.locator("#grid-map path.my-position")).to_have_count(1)
    expect(page.locator("#grid-map .cell-label").first).to_have_text(cells["features"][0]["properties"]["name"])
    expect(page.locator("#grid-position")).not_to_be_empty()
    expect(page.locator("#toast")).to_be_hidden(timeout=10_000)  # the "sent" notice fades by itself
    screenshot(page, "phone-grid")
    assert check_accessibility(page) == []

    page.click("#tabs [data-view=tasks]")
    expect(page.locator("#view-tasks")).to_be_visible()
    assert check_accessibility(page) == []

    page.click("#tabs [data-view=me]")
    assert check_accessibility(page) == []


def test_chinese_by_default_and_english_from_the_switch(new_context, cell_point):
    page = phone(new_context, cell_point).new_page()
    sign_in(page)
    chinese = page.locator("#report-title").inner_text()
    page.click("#tabs [data-view=me]")
    page.select_option(".language-switch select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_selector("#phone-app[data-ready=true]")
    page.click("#tabs [data-view=report]")
    expect(page.locator("#report-title")).to_have_text("Report an event")
    assert chinese != "Report an event"
    # Strings the scripts show come translated too.
    expect(page.locator("#net-status")).to_have_text("Online")
    page.click("#tabs [data-view=me]")
    page.select_option(".language-switch select", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


# --- a lost phone: signed out by the township's administrator, nothing lost -------------------------


def test_a_revoked_sign_in_asks_to_sign_in_again_and_the_waiting_report_is_sent_after(new_context, server, cell_point):
    """Runs last in this file: it revokes the gridworker's token (the module's `token` with it)."""
    # Without signal, a report waits on the phone.
    context, page, report_id = queued_without_signal(new_context, cell_point, "桥头路灯损坏，手机登录已被吊销")

    # Meanwhile the township's administrator (no superuser) revokes the phone's sign-in in the admin.
    desk = new_context(LAPTOP).new_page()
    desk.goto("/admin/login/?next=/admin/grid/member/")
    desk.fill("#id_username", "township-admin-001")
    desk.fill("#id_password", PASSWORD)
    desk.click("input[type=submit]")
    desk.wait_for_url("**/admin/grid/member/")
    expect(desk.locator("#result_list")).to_be_visible()
    screenshot(desk, "admin-members")
    desk.fill("#searchbar", USER)
    desk.press("#searchbar", "Enter")
    expect(desk.locator("#result_list tbody tr")).to_have_count(1)
    desk.check("#result_list tbody input[name=_selected_action]")
    desk.select_option("select[name=action]", "revoke_phone_sign_ins")
    desk.click("button[name=index]")
    expect(desk.locator(".messagelist .success")).to_contain_text("已在所有手机上退出登录")

    # Signal returns: the server refuses the token, the phone asks to sign in and keeps the report.
    context.set_offline(False)
    expect(page.locator("#signin")).to_be_visible(timeout=20_000)
    expect(page.locator("#signin-notice")).to_contain_text("重新登录")
    expect(page.locator("#signin-notice")).to_contain_text("1 条上报在等待")
    expect(page.locator("#signin-username")).to_have_value(USER)
    # the refused attempt puts it back to waiting (the sign-in form can show a moment before)
    for _ in range(50):
        if page.evaluate(READ_OUTBOX, report_id)["state"] != "sending":
            break
        page.wait_for_timeout(100)
    assert page.evaluate(READ_OUTBOX, report_id)["state"] == "waiting"

    # Signing in again sends it, once.
    page.fill("#signin-password", PASSWORD)
    page.click("#signin-submit")
    expect(page.locator("#main")).to_be_visible()
    page.click("#tabs [data-view=queue]")
    expect(card(page, report_id)).to_have_attribute("data-state", "sent", timeout=20_000)
    stored = server_reports(server, server.token(USER), report_id)
    assert len(stored) == 1 and stored[0]["description"] == "桥头路灯损坏，手机登录已被吊销"
