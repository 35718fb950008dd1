"""The mediator's map page: who gets it, what it hands its script, and in which language."""

import json
import re

import pytest
from django.urls import resolve
from django.utils import translation

from disputes.api import serializers as s
from disputes.api.views import CaseViewSet
from disputes.workflow import catalogue
from frontend import mediator
from grid.models import UnitKind
from tests import factories as f
from tests.disputes.conftest import world  # noqa: F401 - the named users of a small county

URL = "/mediator/"


def config_of(response):
    match = re.search(
        r'<script id="mediator-config" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "the page carries its configuration"
    return json.loads(match.group(1))


def test_sign_in_is_required(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


def test_the_page_renders_for_a_mediator_with_what_its_script_needs(client, world):  # noqa: F811
    client.force_login(world.mediator)
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'class="language-switch"' in content
    assert 'action="/accounts/logout/" method="post"' in content  # sign-out is a POST (Django 5)
    assert 'id="case-map"' in content and "frontend/build/mediator.js" in content
    assert "frontend/events.js" not in content  # the event stream's client is in the bundle
    config = config_of(response)
    assert config["user"] == {"name": "刘芳", "units": [world.v1_mediation.code]}
    assert config["urls"]["caseMap"] == "/maps/cases.geojson" and config["street_zoom"] == 16
    assert config["urls"]["case"] == "/api/cases/{id}/"
    assert config["urls"]["print"] == "/api/cases/{id}/agreement/print/"
    assert config["urls"]["cells"] == "/maps/cells.geojson"
    # The map opens on the mediator's village (东沟村: 114–115 E, 41–42 N).
    [[south, west], [north, east]] = config["bounds"]
    assert (round(south, 6), round(west, 6), round(north, 6), round(east, 6)) == (41, 114, 42, 115)
    assert {value for value, *_label in config["states"]} >= {"reported", "in_progress", "closed"}


def test_the_page_makes_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.operator)
    client.get(URL)  # the session and the translations warmed up
    for index in range(5):  # more units do not mean more queries
        f.unit(world.v2, UnitKind.VILLAGE_MEDIATION, f"调委会{index}", code=f"extra-{index}")
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200


def test_the_map_starts_on_the_users_jurisdiction(client, world):  # noqa: F811
    client.force_login(world.operator)
    [[south, west], [north, east]] = config_of(client.get(URL))["bounds"]
    assert (round(west), round(east), round(south), round(north)) == (114, 115, 41, 43)
    client.force_login(world.gridworker)  # patrols a cell of 东沟村: the village
    [[south, west], [north, east]] = config_of(client.get(URL))["bounds"]
    assert (round(west), round(east), round(south), round(north)) == (114, 115, 41, 42)
    for user in (world.admin, world.outsider):  # everything, or nothing: the county
        client.force_login(user)
        [[south, west], [north, east]] = config_of(client.get(URL))["bounds"]
        assert (round(west), round(east), round(south), round(north)) == (114, 116, 41, 43)


def test_every_act_of_the_catalogue_has_an_endpoint_and_a_form(client, world):  # noqa: F811
    client.force_login(world.mediator)
    acts = {spec["rule"]: spec for spec in config_of(client.get(URL))["acts"]}
    # Everything a screen may be offered (allowed_actions lists catalogue names) has a form: regrade too.
    assert list(acts) == [entry.name for entry in catalogue.ACTS]
    for rule, spec in acts.items():
        entry = catalogue.CATALOGUE[rule]
        match = resolve(spec["url"].replace("{id}", "7"))
        if entry.target == "request":
            assert match.url_name == "request-decide"
        else:
            [attribute] = match.func.actions.values()
            assert getattr(CaseViewSet, attribute).kwargs["serializer_class"].__name__ == entry.serializer, rule
        assert spec["main"] is entry.main
        for field in spec["fields"]:
            assert field["label"] and field["kind"], (rule, field)
    assert {field["name"]: field["kind"] for field in acts["regrade"]["fields"]} == {
        "grade": "select",
        "reason": "textarea",
    }
    assert acts["record_session"]["url"] == "/api/cases/{id}/sessions/"
    assert acts["register_mediation"]["url"] == "/api/cases/{id}/register-mediation/"
    assert acts["decide_request"]["url"] == "/api/requests/{id}/decide/"


def test_the_forms_follow_the_serializers():
    specs = {spec["rule"]: spec for spec in mediator.act_specs()}
    session = {field["name"]: field for field in specs["record_session"]["fields"]}
    # Every input field of the serializer but the version (sent by the script) and the mediators.
    assert set(session) == set(s.SessionInputSerializer().fields) - {"version", "mediators"}
    assert session["held_at"]["kind"] == "datetime" and session["held_at"]["required"] is True
    assert (session["place"]["kind"], session["place"]["max_length"]) == ("text", 200)
    assert session["record"]["kind"] == "textarea"
    agreement = {field["name"]: field for field in specs["record_agreement"]["fields"]}
    assert list(agreement) == ["facts", "issues", "responsibilities", "terms", "performance", "perform_by", "oral"]
    assert agreement["perform_by"]["kind"] == "date" and agreement["oral"]["kind"] == "checkbox"
    assert agreement["oral"]["required"] is False
    register = {field["name"]: field for field in specs["register_mediation"]["fields"]}
    assert [value for value, _label in register["source"]["choices"]] == [
        "application",
        "initiative",
        "police",
        "court",
        "government",
    ]
    verify = {field["name"]: field for field in specs["verify"]["fields"]}
    assert verify["passed"]["kind"] == "yesno" and [v for v, _l in verify["passed"]["choices"]] == ["true", "false"]
    assert {field["name"]: field["kind"] for field in specs["sign_agreement"]["fields"]} == {
        "party_ids": "parties",
        "signed_at": "datetime",
    }
    assert {field["name"]: field["kind"] for field in specs["dispatch"]["fields"]}["unit"] == "unit"
    assert {field["name"]: field["kind"] for field in specs["summon"]["fields"]}["units"] == "units"
    assert {field["name"]: field["kind"] for field in specs["request_materials"]["fields"]} == {"items": "lines"}
    assert {field["name"]: field["kind"] for field in specs["merge"]["fields"]} == {"into": "case"}


def test_a_new_serializer_field_without_a_label_is_caught(monkeypatch):
    monkeypatch.setattr(
        s.ResolveSerializer,
        "_declared_fields",
        {**s.ResolveSerializer._declared_fields, "brand_new": s.serializers.CharField()},
    )
    with pytest.raises(KeyError):
        mediator.act_specs()


def test_units_carry_the_prefix_of_the_place_they_serve(client, world):  # noqa: F811
    inactive = f.unit(world.v1, UnitKind.VILLAGE_MEDIATION, "停用的调委会", code="inactive-unit")
    inactive.active = False
    inactive.save()
    client.force_login(world.operator)
    units = {unit["code"]: unit for unit in config_of(client.get(URL))["units"]}
    assert "inactive-unit" not in units
    assert units[world.v1_mediation.code]["prefix"] == world.v1.prefix
    assert units[world.t1_justice.code]["prefix"] == world.t1.prefix
    assert units[world.county_centre.code]["prefix"] == world.county.prefix
    # The nearest units come first: villages before townships before the county.
    order = [unit["code"] for unit in config_of(client.get(URL))["units"]]
    assert (
        order.index(world.v1_mediation.code)
        < order.index(world.t1_justice.code)
        < order.index(world.county_centre.code)
    )


def test_strings_are_chinese_by_default_and_english_on_request(client, world):  # noqa: F811
    client.force_login(world.mediator)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    content = response.content.decode()
    assert '<html lang="zh-hans"' in content
    assert "<h1>矛盾纠纷调解地图</h1>" in content
    config = config_of(response)
    assert config["strings"]["actions"] == "可办理事项"
    assert {spec["rule"]: spec["title"] for spec in config["acts"]}["accept"] == "受理"
    assert config["timeline"]["record_agreement"] == "记录调解协议"

    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    response = client.get(URL)
    content = response.content.decode()
    assert '<html lang="en"' in content
    assert "<h1>Mediation map</h1>" in content
    config = config_of(response)
    assert config["strings"]["actions"] == "What you can do"
    assert {spec["rule"]: spec["title"] for spec in config["acts"]}["accept"] == "Accept"
    assert config["timeline"]["record_agreement"] == "Agreement recorded"


def test_every_text_of_the_page_has_a_chinese_translation():
    texts = {**mediator.STRINGS, **mediator.TIMELINE, **mediator.DETAILS, **mediator.LABELS}
    texts.update({entry.name: entry.title for entry in catalogue.ACTS})
    texts.update({f"{entry.name}.hint": entry.hint for entry in catalogue.ACTS if entry.hint})
    with translation.override("en"):
        english = {key: str(value) for key, value in texts.items()}
    with translation.override("zh-hans"):
        chinese = {key: str(value) for key, value in texts.items()}
    words = {key: re.sub(r"%\(\w+\)s", "", text) for key, text in english.items()}  # placeholders stay as they are
    untranslated = [
        english[key] for key in texts if chinese[key] == english[key] and re.search("[A-Za-z]{2}", words[key])
    ]
    assert untranslated == []
