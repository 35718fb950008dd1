"""Phone tokens: they expire after TOKEN_IDLE_DAYS without use, sign-out and an administrator
revoke them, and each failure is a 401 in the error shape with its own code."""

import datetime

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import tokens
from accounts.models import TokenActivity
from core import versions
from grid.members import deactivate_member, revoke_phone_sign_ins
from realtime.auth import user_for_token

from .conftest import assert_error, phone, sign_in

CELLS = "/maps/cells.geojson?mine=1"


def age(token, days):
    """As if the token was last used `days` ago: in the database, and in the processes' memory (an
    update by SQL, which the memory's version does not see; in life, time passes for both)."""
    TokenActivity.objects.filter(token=token).update(last_used=timezone.now() - datetime.timedelta(days=days))
    versions.forget_all()


def reads_token(queries):
    return any('FROM "authtoken_token"' in query["sql"] for query in queries)


def authenticate_capturing(key):
    with CaptureQueriesContext(connection) as queries:
        user, _token = tokens.authenticate(key)
    return user, queries


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


def test_last_use_is_written_at_most_once_an_hour(gridworker):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    token = Token.objects.get(key=key)
    recent = TokenActivity.objects.get(token=key).last_used
    # Used again within the hour: the token is read, nothing written.
    user, queries = authenticate_capturing(key)
    assert user == gridworker and TokenActivity.objects.get(token=key).last_used == recent
    assert reads_token(queries) and all(query["sql"].startswith("SELECT") for query in queries)
    age(token, 0.1)  # 2.4 hours ago
    tokens.authenticate(key)
    assert TokenActivity.objects.get(token=key).last_used > recent


def test_a_token_is_read_once_then_remembered_and_each_request_gets_its_own_user(gridworker):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    first, queries = authenticate_capturing(key)
    assert reads_token(queries)
    second, queries = authenticate_capturing(key)
    assert not reads_token(queries), [query["sql"] for query in queries]
    assert second == first == gridworker and second is not first
    first.remembered_by_a_request = True  # what a request keeps on its user stays with it
    assert not hasattr(tokens.authenticate(key)[0], "remembered_by_a_request")


def test_a_sign_in_does_not_drop_what_is_remembered_but_a_change_of_the_user_does(gridworker):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    tokens.authenticate(key)
    gridworker.last_login = timezone.now()
    gridworker.save(update_fields=["last_login"])
    assert not reads_token(authenticate_capturing(key)[1])
    gridworker.first_name = "亮"
    gridworker.save()
    user, queries = authenticate_capturing(key)
    assert reads_token(queries) and user.first_name == "亮"


def test_a_revocation_rolled_back_keeps_the_token_and_one_committed_ends_it(gridworker):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    tokens.authenticate(key)
    try:
        with transaction.atomic():
            tokens.revoke(gridworker)
            assert tokens.user_for_key(key) is None  # seen at once inside the transaction
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert tokens.authenticate(key)[0] == gridworker
    tokens.revoke(gridworker)
    assert tokens.user_for_key(key) is None


def test_a_token_deleted_behind_the_signals_back_is_refused_after_the_time_limit(gridworker, settings):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    tokens.authenticate(key)
    with connection.cursor() as cursor:  # SQL: no signal, no new version
        cursor.execute('DELETE FROM "accounts_tokenactivity" WHERE "token_id" = %s', [key])
        cursor.execute('DELETE FROM "authtoken_token" WHERE "key" = %s', [key])
    assert tokens.authenticate(key)[0] == gridworker, "remembered"
    settings.MEMBERS_REMEMBERED_SECONDS = 0
    assert tokens.user_for_key(key) is None


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
    assert phone(key).get(CELLS).status_code == 200  # used, so remembered
    assert revoke_phone_sign_ins(gridworker) == 1
    assert_error(phone(key).get(CELLS), 401, "token_invalid")

    key = sign_in(APIClient(), "gridworker").json()["token"]
    assert phone(key).get(CELLS).status_code == 200
    deactivate_member(gridworker.memberships.get())
    assert_error(phone(key).get(CELLS), 401, "token_invalid")
    assert gridworker.memberships.get().active is False


def test_an_inactive_user_token_is_refused(gridworker):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    assert phone(key).get(CELLS).status_code == 200  # used, so remembered
    gridworker.is_active = False
    gridworker.save()
    assert_error(phone(key).get(CELLS), 401, "token_invalid")
