"""Signing in: the lockout of a username after repeated wrong passwords (phone, web, admin),
the password policy, self-service change, and temporary passwords set by an administrator."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import TemporaryPassword
from grid.members import reset_password

from .conftest import PASSWORD, assert_error, phone, sign_in

LIMIT = 3


@pytest.fixture
def lockout(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login_failures": f"{LIMIT}/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_wrong_passwords_lock_the_username_from_any_address(gridworker, lockout):
    for n in range(LIMIT):
        response = APIClient(REMOTE_ADDR=f"10.0.0.{n}").post(
            "/api/auth/token/", {"username": "gridworker", "password": "wrong"}, format="json"
        )
        assert_error(response, 400, "invalid")
    # Now even the right password is refused, from yet another address, with the error shape.
    response = APIClient(REMOTE_ADDR="10.9.9.9").post(
        "/api/auth/token/", {"username": "gridworker", "password": PASSWORD}, format="json"
    )
    body = assert_error(response, 429, "locked_out")
    assert int(response["Retry-After"]) > 0
    assert "密码错误次数过多" in body["message"]
    assert not Token.objects.exists()
    # The web's sign-in page is locked too.
    page = APIClient().post("/accounts/login/", {"username": "gridworker", "password": PASSWORD})
    assert page.status_code == 200 and "_auth_user_id" not in page.wsgi_request.session
    assert "密码错误次数过多" in page.content.decode()


def test_another_username_is_not_locked_and_success_clears_the_count(gridworker, lockout):
    get_user_model().objects.create_user("other", password=PASSWORD)
    for _n in range(LIMIT - 1):
        sign_in(APIClient(), "gridworker", "wrong")
    assert sign_in(APIClient(), "gridworker").status_code == 200  # clears the count
    for _n in range(LIMIT - 1):
        sign_in(APIClient(), "gridworker", "wrong")
    assert sign_in(APIClient(), "gridworker").status_code == 200
    for _n in range(LIMIT):
        sign_in(APIClient(), "gridworker", "wrong")
    assert sign_in(APIClient(), "other").status_code == 200


def test_wrong_passwords_on_the_web_lock_the_phone_too(gridworker, lockout, client):
    for _n in range(LIMIT):
        response = client.post("/accounts/login/", {"username": "gridworker", "password": "wrong"})
        assert response.status_code == 200
    assert_error(sign_in(APIClient(), "gridworker"), 429, "locked_out")


def test_the_admin_sign_in_counts_too(gridworker, lockout, client):
    for _n in range(LIMIT):
        client.post("/admin/login/", {"username": "gridworker", "password": "wrong"})
    assert_error(sign_in(APIClient(), "gridworker"), 429, "locked_out")


def test_bad_sign_in_input_is_400_and_counts_nothing(gridworker, lockout):
    for _n in range(LIMIT + 1):
        assert_error(APIClient().post("/api/auth/token/", {"username": "gridworker"}, format="json"), 400, "invalid")
    assert sign_in(APIClient(), "gridworker").status_code == 200


@pytest.mark.parametrize("password", ["short-1a", "1234567890123", "password123", "gridworker-abc"])
def test_the_password_policy_refuses_weak_passwords(gridworker, password):
    with pytest.raises(ValidationError):
        validate_password(password, gridworker)


def test_the_password_policy_asks_for_ten_characters_of_two_kinds(gridworker):
    validate_password("县里的网格员2026", gridworker)
    with pytest.raises(ValidationError, match="至少"):
        validate_password("onlylettersherefor", gridworker)


def test_a_temporary_password_must_be_changed_before_anything_else(gridworker, client):
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    old = sign_in(APIClient(), "gridworker").json()["token"]
    temporary = reset_password(gridworker, by=admin)
    assert TemporaryPassword.objects.get(user=gridworker).set_by == admin
    assert_error(phone(old).get("/maps/cells.geojson"), 401, "token_invalid")  # the phones sign in again
    # The phone cannot sign in with it: the password must be changed on the web first.
    assert_error(sign_in(APIClient(), "gridworker", temporary), 403, "password_change_required")
    # The web signs in, and sends every page to "Change password" until it is done.
    client.post("/accounts/login/", {"username": "gridworker", "password": temporary})
    assert client.get("/mediator/")["Location"] == "/accounts/password/"
    assert_error(client.get("/api/cases/"), 403, "password_change_required")
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and 'id="temporary-notice"' in page.content.decode()
    # A weak new password is refused and changes nothing.
    weak = client.post(
        "/accounts/password/", {"old_password": temporary, "new_password1": "abc", "new_password2": "abc"}
    )
    assert weak.status_code == 200 and TemporaryPassword.objects.filter(user=gridworker).exists()
    new = "my-own-pass-2027"
    done = client.post("/accounts/password/", {"old_password": temporary, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert not TemporaryPassword.objects.filter(user=gridworker).exists()
    assert client.get("/mediator/").status_code == 200
    assert sign_in(APIClient(), "gridworker", new).status_code == 200


def test_changing_ones_password_signs_out_the_phones(gridworker, client):
    key = sign_in(APIClient(), "gridworker").json()["token"]
    client.force_login(gridworker)
    new = "another-pass-2027"
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert_error(phone(key).get("/maps/cells.geojson"), 401, "token_invalid")
    assert client.get("/mediator/").status_code == 200  # this session stays signed in
