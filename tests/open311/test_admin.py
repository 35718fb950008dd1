"""Clients are managed in the admin: a new client's key is shown once and kept only as its digest."""

import hashlib
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import get_messages

from open311.models import Client
from tests.open311.helpers import post, request_fields

pytestmark = pytest.mark.django_db


def shown_keys(response):
    return [m for message in get_messages(response.wsgi_request) for m in re.findall(r"o311_[\w-]+", str(message))]


def test_adding_a_client_shows_its_key_once(client, world):
    client.force_login(world.admin)
    response = client.post(
        "/admin/open311/client/add/",
        {"name": "12345热线平台", "contact": "县政务服务中心", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    [key] = shown_keys(response)
    stored = Client.objects.get()
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest() and stored.key_prefix == key[:11]
    assert stored.user.last_name == "12345热线平台" and not stored.user.has_usable_password()
    page = client.get(f"/admin/open311/client/{stored.pk}/change/").content.decode()
    assert key not in page and stored.key_hash not in page
    assert post(client, **request_fields(key)).status_code == 201


def test_renewing_keys_from_the_list(client, world, key):
    client.force_login(world.admin)
    response = client.post(
        "/admin/open311/client/",
        {"action": "renew_keys", "_selected_action": [key.client.pk]},
        follow=True,
    )
    [new] = shown_keys(response)
    entry = LogEntry.objects.get(object_id=str(key.client.pk), action_flag=CHANGE)
    assert entry.user == world.admin and "api_key" in entry.get_change_message() and new not in entry.change_message
    assert post(client, **request_fields(key)).status_code == 403
    assert post(client, **request_fields(new)).status_code == 201


def test_an_operator_without_the_permission_cannot_see_clients(client, world):
    client.force_login(world.county_operator)
    assert client.get("/admin/open311/client/").status_code in (302, 403)
