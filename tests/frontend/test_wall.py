"""The wall page (/wall/): who gets it, for which region, and what its script is handed."""

import json
import re

import pytest
from django.test import Client

from frontend import wall
from realtime.auth import issue_display_token
from realtime.models import Event, EventGroup
from realtime.publish import region_group
from tests.disputes import conftest as disputes_conftest

world = disputes_conftest.world  # the small county with a user for every access level

URL = "/wall/"


def config_of(response):
    match = re.search(rb'<script id="wall-config" type="application/json">(.*?)</script>', response.content, re.S)
    assert match, "the page carries its configuration"
    return json.loads(match.group(1))


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in_and_come_back(world):
    response = Client().get(URL, {"region": world.t1.code})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/wall/%3Fregion%3D{world.t1.code}"


def test_a_display_token_opens_its_region_without_sign_in_in_chinese(world):
    token, display_id = issue_display_token(world.t1.code)
    response = Client().get(URL, {"display": token})
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"  # the address holds the token: not for tile servers
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "长顺镇" in html and "实时事件" in html
    config = config_of(response)
    assert config["region"] == {"code": world.t1.code, "name": "长顺镇", "level": "township", "prefix": "150922100"}
    assert config["levels"] == {"region": "township", "children": "village"}
    # The script sends the token to the API (as a header) and to the websocket; it is in no link.
    assert config["display"] == token
    assert config["events"].startswith("/ws/events/?display=")
    assert config["api"] == f"/api/wall/?region={world.t1.code}&period=month"  # the default period
    assert not re.search(r'href="[^"]*display=', html)
    # Positions are kept per display, not per token text.
    assert config["storageKey"] == f"gridgov:wall:display:{display_id}:{world.t1.code}"
    assert token not in config["storageKey"]
    assert config["kinds"]["red_alert"] == "红色预警"
    assert config["states"]["closed"] == "已结案"


def test_the_websocket_address_carries_the_token_url_encoded(world):
    token, _display_id = issue_display_token(world.county.code, display_id="hall+1")
    config = config_of(Client().get(URL, {"display": token}))
    assert config["events"] == "/ws/events/?display=" + token.replace(":", "%3A").replace("+", "%2B")


@pytest.mark.parametrize("bad", ["forged", "truncated", "wrong-shape", "empty"])
def test_a_bad_display_token_gets_the_refused_page(world, bad):
    token, _display_id = issue_display_token(world.t1.code)
    value = {
        "forged": token.replace(world.t1.code, world.county.code),
        "truncated": token[:-2],
        "wrong-shape": "display:150922100000:abc",
        "empty": "",
    }[bad]
    response = Client().get(URL, {"display": value})
    assert response.status_code == 403
    assert response.templates[0].name == "frontend/wall_refused.html"
    assert "此大屏令牌无效" in response.content.decode()
    assert b"wall-config" not in response.content


def test_a_revoked_or_expired_display_token_is_refused_and_works_again_when_restored(world, settings):
    token, display_id = issue_display_token(world.t1.code)
    settings.REALTIME_REVOKED_DISPLAY_TOKENS = [display_id]
    assert Client().get(URL, {"display": token}).status_code == 403
    settings.REALTIME_REVOKED_DISPLAY_TOKENS = []
    assert Client().get(URL, {"display": token}).status_code == 200
    settings.REALTIME_DISPLAY_TOKEN_MAX_AGE = -1  # every token is older than that
    assert Client().get(URL, {"display": token}).status_code == 403


def test_a_display_token_of_a_region_that_no_longer_exists_is_refused(world):
    token, _display_id = issue_display_token("150922199000")  # well formed, no such region
    assert Client().get(URL, {"display": token}).status_code == 403


def test_a_display_token_wins_over_the_session_and_cannot_widen_its_region(world):
    token, _display_id = issue_display_token(world.t1.code)
    client = signed_in(world.county_operator)
    config = config_of(client.get(URL, {"display": token}))
    assert config["region"]["code"] == world.t1.code and config["display"] == token
    assert config_of(client.get(URL, {"display": token, "region": world.v1.code}))["region"]["code"] == world.v1.code
    assert client.get(URL, {"display": token, "region": world.county.code}).status_code == 403
    assert client.get(URL, {"display": token, "region": world.t2.code}).status_code == 403


def test_operators_see_their_own_region(world):
    county = config_of(signed_in(world.county_operator).get(URL))
    assert county["region"]["code"] == world.county.code
    assert county["levels"]["children"] == "township"
    assert county["display"] == "" and county["events"] == "/ws/events/"
    assert county["storageKey"] == f"gridgov:wall:user:{world.county_operator.pk}:{world.county.code}"
    township = signed_in(world.operator).get(URL)
    assert config_of(township)["region"]["code"] == world.t1.code
    assert "村排名" in township.content.decode()  # a township ranks its villages


def test_an_operator_may_narrow_but_not_leave_their_jurisdiction(world):
    client = signed_in(world.operator)
    assert config_of(client.get(URL, {"region": world.v2.code}))["region"]["code"] == world.v2.code
    for outside in (world.county.code, world.t2.code, world.v3.code, "nonsense"):
        response = client.get(URL, {"region": outside})
        assert response.status_code == 403, outside
        assert b"wall-config" not in response.content
    assert client.get(URL, {"region": "150922100299"}).status_code == 403  # inside, but no such village


@pytest.mark.parametrize("who", ["gridworker", "mediator", "justice", "committee", "outsider"])
def test_people_without_a_region_have_no_wall(world, who):
    response = signed_in(getattr(world, who)).get(URL)
    assert response.status_code == 403
    assert response.templates[0].name == "frontend/wall_refused.html"
    assert "综治中心" in response.content.decode()


def test_english_on_request(world):
    client = signed_in(world.county_operator)
    client.cookies["django_language"] = "en"
    response = client.get(URL)
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "Live events" in html and "Townships ranked" in html
    config = config_of(response)
    assert config["kinds"]["red_alert"] == "red alert"
    assert config["text"]["offlineSince"] == "Offline since %(time)s"


def test_every_placeholder_of_the_script_survives_translation(world):
    """The script fills `%(name)s`; a translation that lost one would show a raw gap on the wall."""
    english = signed_in(world.county_operator)
    english.cookies["django_language"] = "en"
    source = config_of(english.get(URL))["text"]
    chinese = config_of(signed_in(world.county_operator).get(URL))["text"]
    for key, value in source.items():
        if isinstance(value, str):
            placeholders = set(re.findall(r"%\(\w+\)s", value))
            assert set(re.findall(r"%\(\w+\)s", chinese[key])) == placeholders, key
            assert chinese[key] != value or key == "stateTo", key  # "→ %(state)s" reads the same
    assert chinese["periods"]["month"] == "本月"


def _events(count, group):
    for seq in range(1, count + 1):
        event = Event.objects.create(
            seq=seq, audit_seq=seq, kind="state_changed", case_id=seq, area_code="150922100201"
        )
        EventGroup.objects.create(event=event, group=group)


def test_a_new_screen_starts_a_few_events_back(world):
    county = region_group(world.county.code)
    _events(wall.FEED_BACKLOG + 5, county)
    Event.objects.create(seq=100, audit_seq=100, kind="state_changed", case_id=1, area_code="150922101201")
    EventGroup.objects.create(event_id=100, group=region_group(world.t2.code))  # another region's
    config = config_of(signed_in(world.county_operator).get(URL))
    assert config["startAfter"] == 5  # the 30 latest of the county's events follow
    assert config_of(signed_in(world.operator_t2).get(URL))["startAfter"] == 0  # fewer than 30: all of them


def test_the_page_carries_the_settings_the_script_needs(world, settings):
    settings.REALTIME_HEARTBEAT_SECONDS = 7
    config = config_of(signed_in(world.county_operator).get(URL))
    assert config["heartbeatSeconds"] == 7
    assert config["refreshSeconds"] == wall.REFRESH_SECONDS
    assert 30 <= config["refreshSeconds"] <= 60
    assert config["timeZone"] == settings.TIME_ZONE
    assert config["boundaries"] == "/maps/regions.geojson"


# --- the period switch and drill-down (issue 17) --------------------------------------------


def links_of(response):
    return dict(re.findall(rb'<a href="([^"]+)"[^>]*>([^<]+)</a>', response.content))


def test_the_period_switch_and_the_way_down_and_back_up(world):
    client = signed_in(world.county_operator)
    county = client.get(URL, {"period": "week"})
    config = config_of(county)
    assert config["api"].endswith(f"region={world.county.code}&period=week")
    assert config["down"] == "/wall/?period=week&region={code}"
    content = county.content.decode()
    assert f'<a href="/wall/?region={world.county.code}&amp;period=year">' in content
    assert re.search(r'<a href="/wall/\?region=\d+&amp;period=week" aria-current="true">', content)
    assert 'class="wall-up"' not in content  # the county is the operator's top: no way further up

    township = client.get(URL, {"region": world.t1.code, "period": "week"})
    config = config_of(township)
    assert config["region"]["code"] == world.t1.code and config["down"] == "/wall/?period=week&region={code}"
    assert f'<a class="wall-up" href="/wall/?region={world.county.code}&amp;period=week">' in township.content.decode()

    village = config_of(client.get(URL, {"region": world.v1.code}))
    assert village["down"] is None and village["api"].endswith("period=month")  # no level below; the default period


def test_an_unknown_period_falls_back_to_the_month_and_a_display_goes_up_to_its_own_region(world):
    token, _id = issue_display_token(world.county.code)
    response = Client().get(URL, {"display": token, "region": world.t1.code, "period": "decade"})
    config = config_of(response)
    assert config["api"].endswith("period=month") and config["display"] == token
    assert config["down"] == "/wall/?period=month&region={code}"  # the script adds the token when followed
    content = response.content.decode()
    assert f'class="wall-up" href="/wall/?region={world.county.code}&amp;period=month"' in content
    assert not re.search(r'href="[^"]*display=', content)


def test_a_township_operator_has_no_way_up_to_the_county(world):
    content = signed_in(world.operator).get(URL).content.decode()
    assert 'class="wall-up"' not in content
    assert config_of(signed_in(world.operator).get(URL))["region"]["code"] == world.t1.code
