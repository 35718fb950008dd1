"""The language switch, in a real browser: Chinese by default, English on request, and back."""

from playwright.sync_api import expect

from .conftest import LAPTOP, sign_in


def test_pages_are_chinese_by_default_and_the_switch_gives_english_and_back(new_context):
    page = new_context(LAPTOP, locale="en-US").new_page()  # an English browser still gets Chinese
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "登录 gridgov"

    page.select_option("#language-main", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sign in to gridgov")

    # The choice sticks across pages and sign-in.
    sign_in(page, "county-operator-001", "/mediator/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.select_option(".language-switch select", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_a_wrong_password_is_refused_with_a_message_and_no_session(new_context):
    page = new_context(LAPTOP).new_page()
    page.goto("/accounts/login/?next=/mediator/")
    page.fill("#id_username", "county-operator-001")
    page.fill("#id_password", "wrong")
    page.click("#login-form button[type=submit]")
    assert page.get_by_role("alert").is_visible()
    page.goto("/mediator/")
    assert "/accounts/login/" in page.url
