"""Passwords: the policy's own rule, temporary passwords set by an administrator, and what a
change of password does (the user's phones sign in again)."""

import secrets

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import WorkflowError

from . import lockout, tokens
from .models import TemporaryPassword

# The session remembers a temporary password from sign-in, so the middleware needs no query.
SESSION_KEY = "accounts.must_change_password"

# No look-alikes (0/O, 1/l/I): a temporary password is read out over the phone.
_LETTERS = "abcdefghjkmnpqrstuvwxyz"
_DIGITS = "23456789"


class PasswordChangeRequired(WorkflowError):
    code = "password_change_required"
    status = 403
    default_message = _(
        "Your password was set by an administrator: choose your own on the web page “Change password” first."
    )


class CharacterClassesValidator:
    """At least `classes` of: letters, digits, other characters."""

    def __init__(self, classes=2):
        self.classes = classes

    def validate(self, password, user=None):
        found = (
            any(c.isalpha() for c in password)
            + any(c.isdigit() for c in password)
            + any(not c.isalnum() for c in password)
        )
        if found < self.classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return ngettext(
            "Your password must mix at least %(classes)d kind of character: letters, digits, other signs.",
            "Your password must mix at least %(classes)d kinds of character: letters, digits, other signs.",
            self.classes,
        ) % {"classes": self.classes}


def generate_temporary():
    """12 characters, letters and digits, easy to read out: passes the password policy."""
    alphabet = _LETTERS + _DIGITS
    while True:
        password = "".join(secrets.choice(alphabet) for _n in range(12))
        if any(c in _DIGITS for c in password) and any(c in _LETTERS for c in password):
            return password


@transaction.atomic
def set_temporary_password(user, by=None):
    """Give `user` a new temporary password (returned, to be handed over); they choose their own
    at the next sign-in. Their phones are signed out and a lockout on their name is lifted."""
    password = generate_temporary()
    user.set_password(password)
    user.save(update_fields=["password"])
    TemporaryPassword.objects.update_or_create(user=user, defaults={"set_by": by})
    tokens.revoke(user)
    transaction.on_commit(lambda: lockout.succeeded(user.get_username()))
    return password


@transaction.atomic
def password_changed(user):
    """After the user chose a new password: it is their own now, and their phones sign in again."""
    TemporaryPassword.objects.filter(user=user).delete()
    tokens.revoke(user)


def must_change(user):
    return TemporaryPassword.objects.filter(user=user).exists()


def sign_in(request, username, password):
    """The user for `username`/`password`, or None; raises LockedOut while the name is locked.

    Every sign-in goes through here (phone, web, admin), so wrong passwords count everywhere.
    """
    lockout.check(username)
    user = authenticate(request, username=username, password=password)
    if user is None:
        lockout.failed(username)
        return None
    lockout.succeeded(username)
    return user


def remember_on_login(sender, request, user, **kwargs):
    """user_logged_in: note a temporary password in the session (the middleware reads it)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if must_change(user):
        session[SESSION_KEY] = True
    else:
        session.pop(SESSION_KEY, None)
