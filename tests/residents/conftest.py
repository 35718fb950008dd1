import re
import uuid

import pytest
from rest_framework.test import APIClient

from sms.models import Message
from tests import worlds
from tests.disputes.conftest import POINT_V1_C1
from tests.disputes.test_escalation import build_chain

PHONE = "13912345678"


@pytest.fixture
def world(db):
    return build_chain(worlds.build())


@pytest.fixture
def resident():
    return APIClient(REMOTE_ADDR="10.1.2.3")


def code_sent_to(phone):
    message = Message.objects.filter(phone=phone, template="verification_code").order_by("-pk").first()
    return message.params["code"]


def verified(client, phone=PHONE):
    """The token a resident holds after confirming `phone` with the code sent to it."""
    assert client.post("/r/api/phone/code/", {"phone": phone}, format="json").status_code == 202
    response = client.post("/r/api/phone/verify/", {"phone": phone, "code": code_sent_to(phone)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def report_body(world, token, point=POINT_V1_C1, **overrides):
    body = {
        "id": str(uuid.uuid4()),
        "token": token,
        "category": world.neighbours.code,
        "description": "邻居家的狗夜里一直叫",
        "lon": point[0],
        "lat": point[1],
    }
    body.update(overrides)
    return body


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code, body
    if field:
        assert field in body["fields"], body


DIGITS = re.compile(r"\d{11}")
