"""manage.py issue_display_token prints the address to open on the wall's screen, not a websocket path."""

import io
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command

from tests import worlds


@pytest.fixture
def world(db):
    return worlds.build()


def test_the_command_prints_the_walls_address_and_it_opens_the_wall(world, client, settings):
    settings.SITE_URL = "https://zz.example.gov.cn"
    out = io.StringIO()
    call_command("issue_display_token", world.t1.code, stdout=out)
    lines = out.getvalue().splitlines()
    token = lines[1]
    link = next(line for line in lines if line.startswith("https://"))
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "zz.example.gov.cn", "/wall/")
    assert "/ws/" not in out.getvalue()

    response = client.get(f"{parts.path}?{parts.query}")  # the token survives the query string's encoding
    assert response.status_code == 200
    assert token.split(":")[1] == world.t1.code and world.t1.name in response.content.decode()


def test_an_unknown_region_is_named(world):
    with pytest.raises(CommandError, match="150922999999"):
        call_command("issue_display_token", "150922999999", stdout=io.StringIO())
