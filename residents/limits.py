"""Counting attempts in the shared cache (Redis in production, the database table otherwise), so
that a limit holds across every worker process: per phone number and per client address."""

import hashlib

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from core.errors import WorkflowError


class TooMany(WorkflowError):
    code = "throttled"
    status = 429
    default_message = _("Too many attempts: wait a while and try again.")


def parse_rate(rate):
    """ "5/hour" → (5, 3600)."""
    count, _slash, period = rate.partition("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]


def _key(kind, ident):
    return f"residents:{kind}:{hashlib.sha256(str(ident).encode()).hexdigest()[:32]}"


def spend(kind, ident, rate):
    """Count one attempt of `kind` by `ident`; raise TooMany once the rate is used up (nothing else
    happens then). A fixed window: the first attempt starts it, the count expires with it."""
    limit, window = parse_rate(rate)
    key = _key(kind, ident)
    cache.add(key, 0, window)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
        used = 1
    if used > limit:
        raise TooMany()


def spent(kind, ident):
    return cache.get(_key(kind, ident)) or 0
