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
