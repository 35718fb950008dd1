import pytest
from rest_framework.test import APIClient

from grid.members import assign_member
from grid.models import Role, UnitKind
from tests import factories as f

PASSWORD = "x-test-password-1"  # factories.user's


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


def sign_in(client, username, password=PASSWORD):
    return client.post("/api/auth/token/", {"username": username, "password": password}, format="json")


def phone(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def gridworker(db):
    county = f.county()
    town = f.township(county, "150922100000", "长顺镇", (114.0, 41.0, 114.5, 42.0))
    village = f.village(town, "150922100201", "东沟村", (114.0, 41.0, 114.5, 42.0))
    cell = f.cell(village, 1, (114.0, 41.0, 114.5, 42.0))
    committee = f.unit(village, UnitKind.VILLAGE_COMMITTEE)
    user = f.user("gridworker", last_name="李", first_name="明")
    assign_member(user, Role.GRIDWORKER, committee, [cell])
    return user
