"""The site as a visitor meets it: home page, language, health check."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_is_chinese_by_default_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_language_switch_gives_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get("/")
    assert '<html lang="en">' in response.content.decode()


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_region_layer_refuses_an_unknown_level(client):
    response = client.get("/maps/regions.geojson?level=planet")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_level"


def test_home_page_shows_the_live_events_panel_to_a_signed_in_user(admin_client):
    content = admin_client.get("/").content.decode()
    assert 'id="live-events"' in content
    assert 'id="live-list" aria-live="polite"' in content
    assert '<script src="/static/frontend/build/home.js" defer></script>' in content
    assert f'data-storage-key="gridgov:events:last:{admin_client.session["_auth_user_id"]}"' in content


def test_home_page_invites_an_anonymous_visitor_to_sign_in_for_live_events(client):
    content = client.get("/").content.decode()
    assert 'id="live-events"' not in content
    assert "frontend/build/home.js" not in content
    assert 'class="live-anonymous"' in content
    assert "/accounts/login/?next=/" in content


def test_home_page_links_the_three_faces(client):
    content = client.get("/").content.decode()
    for path in ("/phone/", "/mediator/", "/wall/"):
        assert f'href="{path}"' in content


def test_api_docs_load_nothing_from_another_site(client):
    """Redoc comes from drf-spectacular-sidecar (static files) and no web fonts are asked for."""
    content = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in content
    assert "http://" not in content and "https://" not in content and "//fonts." not in content
