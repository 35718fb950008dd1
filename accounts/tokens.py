"""Phone tokens: issued at sign-in, sent as `Authorization: Token …`, expired after
TOKEN_IDLE_DAYS without use, revoked at sign-out, by an administrator (a lost phone, a departed
member) and when the password changes.

The token is DRF's (`rest_framework.authtoken`): one per user, so signing out on one phone signs
out every phone of that user. When it was last used lives beside it (`TokenActivity`) and is
written at most once an hour, so a busy phone costs no write per request.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

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
        TokenActivity.objects.bulk_create([TokenActivity(token=token, last_used=now)], ignore_conflicts=True)
    else:
        TokenActivity.objects.filter(pk=token.pk, last_used__lt=now - TOUCH_INTERVAL).update(last_used=now)


def authenticate(key):
    """(user, token) for a valid token `key`; raises TokenInvalid or TokenExpired (both 401)."""
    if not key or not isinstance(key, str) or len(key) > 64:
        raise TokenInvalid()
    token = Token.objects.select_related("user", "activity").filter(key=key).first()
    if token is None or not token.user.is_active:
        raise TokenInvalid()
    now = timezone.now()
    if is_expired(token, now):
        raise TokenExpired()
    touch(token, now)
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
