"""The ledgers page (台账导出): a township operator exports the case register; the job runner
(db_worker, started beside the server) writes it while the page shows its progress; the file
downloads with the Chinese headers; the page passes the accessibility checks, in both languages."""

import csv
import io

from playwright.sync_api import expect

from .conftest import LAPTOP, check_accessibility, screenshot, sign_in

OPERATOR = "township-operator-001"


def test_an_operator_exports_the_case_register_and_downloads_it(new_context, server):
    server.manage("simulate", "--backfill", "30", "--once", "0", "--seed", "5")
    page = new_context(LAPTOP).new_page()
    sign_in(page, OPERATOR, "/ledgers/")
    expect(page.locator("h1")).to_have_text("台账")
    assert check_accessibility(page) == []

    page.select_option("#register", "cases")
    page.check("input[name=format][value=csv]")
    page.click("#export-submit")
    expect(page.locator("#export-message")).to_contain_text("已排队")
    item = page.locator("#exports li").first
    expect(item).to_have_attribute("data-state", "done", timeout=30_000)
    expect(item.locator(".export-title")).to_contain_text("案件登记台账 · CSV")
    screenshot(page, "ledgers")

    with page.expect_download() as download:
        item.locator(".export-download").click()
    content = download.value.path().read_bytes()
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["案件编号", "登记时间"] and len(rows) > 1


def test_a_bad_filter_is_refused_on_the_page_and_english_works(new_context, server):
    page = new_context(LAPTOP).new_page()
    sign_in(page, OPERATOR, "/ledgers/")
    with page.expect_navigation():
        page.select_option(".language-switch select", "en")
    expect(page.locator("h1")).to_have_text("Ledgers (台账)")
    # Registered from a date after "registered before" is fine for the filter; an impossible date is not.
    page.evaluate("document.getElementById('created_after').type = 'text'")
    page.fill("#created_after", "2026-13-45")
    page.click("#export-submit")
    expect(page.locator("#export-message")).to_contain_text("refused")
    assert check_accessibility(page) == []
    with page.expect_navigation():
        page.select_option(".language-switch select", "zh-hans")
