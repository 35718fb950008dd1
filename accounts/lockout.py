"""Login lockout: too many wrong passwords for one username lock that username for a while,
whatever address they come from (the per-address `login` throttle slows down one sender).

It is one of the API's throttles (scope `login_failures`, rate in
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], e.g. "10/hour"), kept in the throttles' cache, but it
counts only failures: a sign-in checks `wait` first, then reports `failed` or `succeeded`. The
phone's sign-in (`POST /api/auth/token/`), the web's sign-in page and the admin's all use it.
"""

import hashlib
import math

from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class LockedOut(exceptions.Throttled):
    """429 with Retry-After, code `locked_out`."""

    error_code = "locked_out"

    def __init__(self, wait):
        super().__init__(detail=locked_message(wait))  # the message says how long; no English tail
        self.wait = wait


def locked_message(wait):
    minutes = max(1, math.ceil((wait or 60) / 60))
    return ngettext(
        "Too many wrong passwords for this user: signing in is locked for %(minutes)d minute.",
        "Too many wrong passwords for this user: signing in is locked for %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LoginLockout(SimpleRateThrottle):
    scope = "login_failures"
    default_rate = "10/hour"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or self.default_rate

    def key_for(self, username):
        ident = hashlib.sha256(str(username or "").strip().casefold().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def _history(self, username):
        self.key = self.key_for(username)
        self.now = self.timer()
        history = self.cache.get(self.key, [])
        return [moment for moment in history if moment > self.now - self.duration]

    def wait(self, username):
        """Seconds until `username` may try again, or None when it is not locked."""
        if self.rate is None:
            return None
        self.history = self._history(username)
        if len(self.history) < self.num_requests:
            return None
        # Unlocked when the oldest failure that counts ages out of the window.
        return max(1, math.ceil(self.history[self.num_requests - 1] - (self.now - self.duration)))

    def failed(self, username):
        if self.rate is None:
            return
        history = self._history(username)
        history.insert(0, self.now)
        self.cache.set(self.key, history, self.duration)

    def succeeded(self, username):
        self.cache.delete(self.key_for(username))

    def allow_request(self, request, view):  # counted by the sign-in itself, never per request
        return True


def check(username):
    """Raise LockedOut when `username` is locked."""
    wait = LoginLockout().wait(username)
    if wait:
        raise LockedOut(wait)


def failed(username):
    LoginLockout().failed(username)


def succeeded(username):
    LoginLockout().succeeded(username)
