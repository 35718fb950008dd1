"""An intranet with no internet: every page works with every request off the server refused.

Each browser context here answers requests to the test server and refuses (and records) every
other one, as a county's closed network would. The faces, the sign-in, the admin with its maps
and the API documentation (Redoc from drf-spectacular-sidecar) must render, and not one request
may have tried to leave: no CDN, no web fonts, and, with the default BASE_MAP=none, no map tiles.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import LAPTOP, PASSWORD, PHONE, WALL, sign_in

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture
def offline(new_context):
    """`offline(profile)` makes a context that refuses everything off the server; `.external` lists the tries."""
    external = []

    def make(profile=None, **options):
        context = new_context(profile, **options)

        def handle(route):
            url = route.request.url
            if urlsplit(url).hostname in LOCAL_HOSTS:
                route.continue_()
            else:
                external.append(url)
                route.abort()

        context.route("**/*", handle)
        return context

    make.external = external
    return make


def watch(page):
    """Collect the page's script errors."""
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def no_tiles_and_no_flag(page):
    expect(page.locator(".leaflet-container").first).to_be_visible()
    assert page.locator(".leaflet-tile").count() == 0, "a tile layer on the default background"
    attribution = page.locator(".leaflet-control-attribution").first
    if attribution.count():
        assert attribution.locator("svg, img").count() == 0  # Leaflet's credit without its flag


def test_every_face_and_the_api_docs_work_with_no_internet(offline):
    # The home page and the sign-in, as a visitor.
    page = watch(offline(LAPTOP).new_page())
    page.goto("/")
    no_tiles_and_no_flag(page)
    expect(page.locator(".leaflet-overlay-pane path").first).to_be_attached()  # the townships drawn
    page.goto("/accounts/login/")
    expect(page.locator("#login-form")).to_be_visible()
    assert not page.errors, page.errors

    # The mediator's map.
    page = watch(offline(LAPTOP).new_page())
    sign_in(page, "mediator-001", "/mediator/")
    expect(page.locator("#live-status")).to_have_attribute("data-status", "live")
    expect(page.locator(".leaflet-overlay-pane path").first).to_be_attached()
    no_tiles_and_no_flag(page)
    assert not page.errors, page.errors

    # The wall.
    page = watch(offline(WALL).new_page())
    sign_in(page, "county-operator-001", "/wall/")
    expect(page.locator("#wall-status")).to_have_attribute("data-status", "live", timeout=20_000)
    expect(page.locator("#today-reports")).not_to_have_text("–")
    no_tiles_and_no_flag(page)
    assert not page.errors, page.errors

    # The phone app: signs in with its own form, then shows the gridworker's cells on its map.
    page = watch(offline(PHONE).new_page())
    page.goto("/phone/")
    page.wait_for_selector("#phone-app[data-ready=true]")
    page.fill("#signin-username", "gridworker-001")
    page.fill("#signin-password", PASSWORD)
    page.click("#signin-submit")
    expect(page.locator("#view-report")).to_be_visible()
    expect(page.locator("#category-list, #category-chosen, .category").first).to_be_attached()
    assert page.locator(".leaflet-tile").count() == 0
    assert not page.errors, page.errors

    # The administration, with a map of its own (django-leaflet's widget).
    page = watch(offline(LAPTOP).new_page())
    sign_in(page, "admin", "/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/grid/region/")
    page.locator("#result_list tbody tr th a").first.click()
    no_tiles_and_no_flag(page)
    assert not page.errors, page.errors

    # The API documentation: Redoc draws the schema's title and its operations.
    page = watch(offline(LAPTOP).new_page())
    page.goto("/api/docs/")
    expect(page.locator("h1", has_text="gridgov API")).to_be_visible(timeout=20_000)
    expect(page.get_by_text(re.compile("/api/cases/")).first).to_be_attached()
    assert not page.errors, page.errors

    assert offline.external == [], offline.external
