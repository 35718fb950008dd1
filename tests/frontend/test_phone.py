"""The phone app's shell, service worker and manifest, as a browser fetches them."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from frontend import phone

pytestmark = pytest.mark.django_db


def strings_and_config(content):
    def script(name):
        match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', content, re.S)
        assert match, f"no {name} script tag"
        return json.loads(match.group(1))

    return script("phone-strings"), script("phone-config")


def test_the_page_is_a_chinese_shell_without_personal_data(client):
    response = client.get("/phone/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    content = response.content.decode()
    assert '<html lang="zh-hans"' in content
    assert "事件上报" in content  # "Report an event"
    strings, config = strings_and_config(content)
    assert strings["state"] == {"waiting": "等待信号", "sending": "发送中…", "sent": "已送达", "refused": "被退回"}
    assert strings["caseState"]["resolved"]  # the case states, translated by the models' labels
    assert config["language"] == "zh-hans"
    assert config["api"] == {
        "token": "/api/auth/token/",
        "logout": "/api/auth/logout/",
        "reports": "/api/reports/",
        "cases": "/api/cases/",
        "photos": "/api/photos/",
        "uploads": "/api/uploads/",
        "categories": "/api/categories/",
        "work": "/api/work/",
        "me": "/api/me/",
    }
    assert config["cells"] == "/maps/cells.geojson?mine=1"
    assert config["serviceWorker"] == "/phone/sw.js" and config["scope"] == "/phone/"
    # The default background: no tiles from any other site (maps/basemap.py), Leaflet's credit without its flag.
    assert config["map"]["kind"] == "none" and config["map"]["tiles"] == [] and config["map"]["overlays"] == []
    assert config["map"]["attributionPrefix"].endswith(">Leaflet</a>")
    # What the app needs to be installed, work offline, and switch language.
    assert 'rel="manifest" href="/phone/manifest.webmanifest"' in content
    # The event stream's client is in the bundle, not a script of its own.
    assert "/static/frontend/build/phone.js" in content and "/static/frontend/events.js" not in content
    assert "leaflet/leaflet.css" in content
    assert content.count('class="language-switch"') == 1
    assert 'name="next" type="hidden" value="/phone/"' in content
    # Every camera input takes photos from the back camera.
    assert content.count('accept="image/*" capture="environment"') == 2


def test_the_page_is_english_after_the_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/phone/"})
    content = client.get("/phone/").content.decode()
    assert '<html lang="en"' in content
    assert "Report an event" in content
    strings, config = strings_and_config(content)
    assert strings["state"]["waiting"] == "Waiting for signal"
    assert config["language"] == "en"


def test_the_page_holds_nothing_of_the_signed_in_user(client, django_user_model):
    user = django_user_model.objects.create_user("gridworker-x", password="secret-password-1")
    client.force_login(user)
    content = client.get("/phone/").content.decode()
    assert "gridworker-x" not in content  # the service worker may keep this page for anyone on the phone


def test_the_service_worker_is_served_for_the_phone_scope_and_never_cached(client):
    response = client.get("/phone/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/phone/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    match = re.match(r"self\.GRIDGOV_OFFLINE = (\{.*?\});\n", body)
    assert match, body[:200]
    offline = json.loads(match.group(1))
    assert offline["page"] == "/phone/" and offline["manifest"] == "/phone/manifest.webmanifest"
    assert re.fullmatch(r"[0-9a-f]{16}", offline["version"])
    for path in ("/static/frontend/build/phone.js", "/static/leaflet/leaflet.js"):
        assert path in offline["files"]
    # Every file it keeps exists.
    for path in offline["files"]:
        assert finders.find(path.removeprefix("/static/")), path
    assert "addEventListener" in body[match.end() :]  # the bundle follows the settings


def test_a_new_build_gives_a_new_service_worker_version(client, monkeypatch):
    first = client.get("/phone/sw.js").content.decode()
    monkeypatch.setattr(phone, "read_bundle", lambda name: "/* a new build */")
    second = client.get("/phone/sw.js").content.decode()
    version = re.compile(r'"version": "([0-9a-f]+)"')
    assert version.search(first).group(1) != version.search(second).group(1)


def test_the_manifest_is_translated_and_its_icons_exist(client):
    response = client.get("/phone/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "gridgov 网格员"
    assert manifest["short_name"] == "网格"
    assert manifest["lang"] == "zh-hans"
    assert manifest["start_url"] == manifest["scope"] == manifest["id"] == "/phone/"
    assert manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found, icon["src"]
        with Image.open(found) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon["purpose"]))
    # What browsers need to offer installation: 192 and 512 pixels, and maskable ones for Android.
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_the_manifest_follows_the_language(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/phone/"})
    manifest = json.loads(client.get("/phone/manifest.webmanifest").content)
    assert manifest["name"] == "gridgov gridworker"
    assert manifest["lang"] == "en"
