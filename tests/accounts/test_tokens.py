"""Phone tokens: they expire after TOKEN_IDLE_DAYS without use, sign-out and an administrator
revoke them, and each failure is a 401 in the error shape with its own code."""

import datetime

from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import tokens
from accounts.models import TokenActivity
from grid.members import deactivate_member, revoke_phone_sign_ins
from realtime.auth import user_for_token

from .conftest import assert_error, phone, sign_in

CELLS = "/maps/cells.geojson?mine=1"


def age(token, days):
    TokenActivity.objects.filter(token=token).update(last_used=timezone.now() - datetime.timedelta(days=days))


def test_a_token_used_within_the_idle_limit_keeps_working(gridworker, settings):
    settings.TOKEN_IDLE_DAYS = 30
    key = sign_in(APIClient(), "gridworker").json()["token"]
    age(key, 29)
    assert phone(key).get(CELLS).status_code == 200
    # The use was recorded: the clock starts again.
    assert timezone.now() - TokenActivity.objects.get(token=key).last_used < datetime.timedelta(minutes=1)


def test_an_idle_token_expires_with_its_own_code_and_a_sign_in_gives_a_new_one(gridworker, settings):
    settings.TOKEN_IDLE_DAYS = 30
    key = sign_in(APIClient(), "gridworker").json()["token"]
    age(key, 31)
    response = phone(key).get(CELLS)
    body = assert_error(response, 401, "token_expired")
    assert response["WWW-Authenticate"].startswith("Token")
    assert "重新登录" in body["message"]  # Chinese by default
    assert user_for_token(key) is None  # the websocket refuses it too
    fresh = sign_in(APIClient(), "gridworker").json()["token"]
    assert fresh != key
    assert phone(fresh).get(CELLS).status_code == 200
    assert not Token.objects.filter(key=key).exists()


def test_no_expiry_when_the_limit_is_zero(gridworker, settings):
    settings.TOKEN_IDLE_DAYS = 0
    key = sign_in(APIClient(), "gridworker").json()["token"]
    age(key, 3650)
    assert phone(key).get(CELLS).status_code == 200


def test_a_token_made_without_sign_in_counts_from_its_creation(gridworker, settings):
    settings.TOKEN_IDLE_DAYS = 30
    token = Token.objects.create(user=gridworker)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=40))
    assert_error(phone(token.key).get(CELLS), 401, "token_expired")


def test_last_use_is_written_at_most_once_an_hour(gridworker, django_assert_num_queries):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    token = Token.objects.get(key=key)
    recent = TokenActivity.objects.get(token=key).last_used
    # Used again within the hour: the token is read, nothing written.
    with django_assert_num_queries(1):
        user, _token = tokens.authenticate(key)
    assert user == gridworker and TokenActivity.objects.get(token=key).last_used == recent
    age(token, 0.1)  # 2.4 hours ago
    tokens.authenticate(key)
    assert TokenActivity.objects.get(token=key).last_used > recent


def test_sign_out_revokes_the_token(gridworker):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    client = phone(key)
    response = client.post("/api/auth/logout/")
    assert response.status_code == 204
    assert not Token.objects.filter(key=key).exists()
    assert_error(client.get(CELLS), 401, "token_invalid")
    assert_error(client.post("/api/auth/logout/"), 401, "token_invalid")
    assert_error(APIClient().post("/api/auth/logout/"), 401, "not_authenticated")


def test_a_lost_phone_and_a_deactivated_member_are_signed_out(gridworker):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    assert revoke_phone_sign_ins(gridworker) == 1
    assert_error(phone(key).get(CELLS), 401, "token_invalid")

    key = sign_in(APIClient(), "gridworker").json()["token"]
    deactivate_member(gridworker.memberships.get())
    assert_error(phone(key).get(CELLS), 401, "token_invalid")
    assert gridworker.memberships.get().active is False


def test_an_inactive_user_token_is_refused(gridworker):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    gridworker.is_active = False
    gridworker.save()
    assert_error(phone(key).get(CELLS), 401, "token_invalid")
