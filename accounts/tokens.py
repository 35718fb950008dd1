"""Phone tokens: issued at sign-in, sent as `Authorization: Token …`, expired after
TOKEN_IDLE_DAYS without use, revoked at sign-out, by an administrator (a lost phone, a departed
member) and when the password changes.

The token is DRF's (`rest_framework.authtoken`): one per user, so signing out on one phone signs
out every phone of that user. When it was last used lives beside it (`TokenActivity`) and is
written at most once an hour, so a busy phone costs no write per request.

A token found valid is remembered by the process with its user (`remembered`), so the requests of
the next hour cost no query of their own: any change of a token or a user writes a new version of
"tokens" in its transaction (watched in accounts.apps), so a sign-out, a revocation, a
deactivation or a new password reaches every process on commit, as the memberships do
(grid.jurisdiction).
"""

import copy
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from core.versions import Recent, VersionedCache

from .models import TokenActivity

# Last use is recorded to this precision: expiry is counted in days, so an hour is plenty.
TOUCH_INTERVAL = timedelta(hours=1)


class TokenExpired(exceptions.AuthenticationFailed):
    error_code = "token_expired"
    default_detail = _("Your sign-in has expired after a long time without use: sign in again.")


class TokenInvalid(exceptions.AuthenticationFailed):
    error_code = "token_invalid"
    default_detail = _("This sign-in is no longer valid (signed out, or revoked by an administrator): sign in again.")


def idle_limit():
    """How long a token may lie unused (None: for ever)."""
    days = getattr(settings, "TOKEN_IDLE_DAYS", 30)
    return timedelta(days=days) if days and days > 0 else None


def last_used(token):
    """When `token` was last used: its activity, else when it was made."""
    try:
        return token.activity.last_used
    except TokenActivity.DoesNotExist:
        return token.created


def is_expired(token, now=None):
    limit = idle_limit()
    return limit is not None and (now or timezone.now()) - last_used(token) > limit


def touch(token, now=None):
    """Record a use of `token`, at most once per TOUCH_INTERVAL (no write in between)."""
    now = now or timezone.now()
    try:
        seen = token.activity.last_used
    except TokenActivity.DoesNotExist:
        seen = None
    if seen is not None and now - seen < TOUCH_INTERVAL:
        return
    if seen is None:
        # Two first requests at once: one row wins, the other is ignored.
        activity = TokenActivity(token=token, last_used=now)
        TokenActivity.objects.bulk_create([activity], ignore_conflicts=True)
        token.activity = activity
    else:
        TokenActivity.objects.filter(pk=token.pk, last_used__lt=now - TOUCH_INTERVAL).update(last_used=now)
        token.activity.last_used = now


# The valid tokens this process served lately, by key, each with its user and activity: as many and
# for as long as the memberships (MEMBERS_REMEMBERED, MEMBERS_REMEMBERED_SECONDS).
remembered = VersionedCache("tokens", Recent)


def unchanged(created=False, update_fields=None, **kwargs):
    """Whether a save leaves every remembered token as it was: a new token or user is in nobody's
    memory, and a sign-in's `last_login` changes nothing a request is allowed by."""
    return created or (update_fields is not None and set(update_fields) <= {"last_login"})


def authenticate(key):
    """(user, token) for a valid token `key`; raises TokenInvalid or TokenExpired (both 401).

    From this process's memory while the token was last used within TOUCH_INTERVAL (no query, and
    nothing to write); else from the database, recording the use."""
    if not key or not isinstance(key, str) or len(key) > 64:
        raise TokenInvalid()
    now = timezone.now()
    memory = remembered.get()
    token = memory.get(key)
    if token is not None and now - last_used(token) < TOUCH_INTERVAL and not is_expired(token, now):
        return _own(token)
    since = time.monotonic()
    token = Token.objects.select_related("user", "activity").filter(key=key).first()
    if token is None or not token.user.is_active:
        raise TokenInvalid()
    if is_expired(token, now):
        raise TokenExpired()
    touch(token, now)
    memory.put(key, token, since)
    return _own(token)


def _own(token):
    """A request's own copies of a remembered token and its user: what a request keeps on its user
    (its jurisdiction, permissions) stays with that request."""
    token = copy.copy(token)
    token.user = copy.copy(token.user)
    return token.user, token


def user_for_key(key):
    """The user of a valid token `key`, or None (for the websocket, which has no error body)."""
    try:
        return authenticate(key)[0]
    except exceptions.AuthenticationFailed:
        return None


def issue(user):
    """The token for a sign-in of `user`: the current one while it lives, else a new one."""
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                token = Token.objects.select_related("activity").filter(user=user).first()
                if token is not None and is_expired(token, now):
                    token.delete()
                    token = None
                if token is None:
                    token = Token.objects.create(user=user)
                touch(token, now)
                return token
        except IntegrityError:  # another sign-in of the same user made it first: take theirs
            continue
    raise IntegrityError("could not issue a token")


def revoke(user):
    """Sign every phone of `user` out; returns how many tokens were revoked (0 or 1)."""
    deleted, by_model = Token.objects.filter(user=user).delete()
    return by_model.get(Token._meta.label, 0)


def revoke_key(key):
    """Revoke one token (a sign-out)."""
    Token.objects.filter(key=key).delete()
