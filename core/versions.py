"""Per-process caches of reference data, one scheme for all of them.

Reference data — categories and their time limits, units, regions, the linkage chain — is read
by every report and changed by an administrator a few times a year. Each process keeps it in
memory under a name, and one table (DataVersion) holds a random token per name:

- a change to the rows a cache is built from writes a new token for that name, **in the same
  transaction** (`watch` connects the models' save and delete signals to `bump`; bulk writes call
  `bump` themselves). Other processes therefore see the new token exactly when they can see the
  new rows — on commit — and a rolled-back change leaves a token that nobody will write again;
- before answering from memory, a cache compares its token with the table's. The tokens of all
  caches are read in one query, at most once per request (the memo is dropped when a request
  starts or ends, and whenever this thread bumps). Background work — a job, a command, a sweep —
  marks its unit of work with `reading()` to get the same; outside both, every look-up checks.

A cache built inside a transaction that later rolls back is labelled with the token that
transaction wrote, which the table no longer holds, so it is rebuilt on the next look-up.
"""

import contextlib
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.db import connection

_local = threading.local()
_lock = threading.Lock()
_caches = {}


def _tokens():
    memo = getattr(_local, "tokens", None)
    if memo is not None and memo[0] == _database():
        return memo[1]
    from .models import DataVersion

    tokens = dict(DataVersion.objects.values_list("name", "token"))
    if getattr(_local, "in_request", False) and not getattr(_local, "bumped", False):
        _local.tokens = (_database(), tokens)
    return tokens


def _database():
    return (connection.alias, connection.settings_dict["NAME"])


def request_started(**kwargs):
    """From here to the end of the request, the tokens are read once (connected in apps.py)."""
    _local.tokens = None
    _local.bumped = False
    _local.in_request = True


def request_finished(**kwargs):
    _local.tokens = None
    _local.bumped = False
    _local.in_request = False


@contextlib.contextmanager
def reading():
    """A unit of background work that reads the tokens once, as a request does (re-entrant)."""
    if getattr(_local, "in_request", False):
        yield
        return
    request_started()
    try:
        yield
    finally:
        request_finished()


def token(name):
    """The current token of `name` ("" before its first change)."""
    return _tokens().get(name, "")


def bump(name, **kwargs):
    """Record that the data behind `name` changed, in the current transaction.

    Takes signal keyword arguments so it can be connected to save and delete signals."""
    from .models import DataVersion

    new = uuid.uuid4().hex
    _local.tokens = None
    _local.bumped = True  # no memo for the rest of this request: the change may still roll back
    if not DataVersion.objects.filter(name=name).update(token=new):
        _, created = DataVersion.objects.get_or_create(name=name, defaults={"token": new})
        if not created:
            DataVersion.objects.filter(name=name).update(token=new)


class VersionedCache:
    """A value built from the database, kept per process and database until `name`'s token moves."""

    def __init__(self, name, build):
        self.name = name
        self.build = build
        self._entries = {}
        with _lock:
            _caches[name] = self

    def get(self):
        current = token(self.name)
        key = _database()
        entry = self._entries.get(key)
        if entry is None or entry[0] != current:
            entry = (current, self.build())
            with _lock:
                self._entries[key] = entry
        return entry[1]

    def forget(self):
        with _lock:
            self._entries.clear()

    def watch(self, *models, m2m=(), unless=None):
        """Bump this cache's token whenever a row of `models` (or an `m2m` through table) changes,
        except for the changes `unless(**signal_kwargs)` says leave the cache as it is."""
        from django.db.models.signals import m2m_changed, post_delete, post_save

        def changed(**kwargs):
            if unless is None or not unless(**kwargs):
                bump(self.name)

        self._receiver = changed  # signals hold weak references
        for model in models:
            label = f"{self.name}.{model._meta.label}"
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"versions.save.{label}")
            post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"versions.delete.{label}")
        for through in m2m:
            m2m_changed.connect(
                changed, sender=through, weak=False, dispatch_uid=f"versions.m2m.{self.name}.{through._meta.label}"
            )


class Recent:
    """What a process remembers per user or token under one version of a VersionedCache: at most
    MEMBERS_REMEMBERED keys, the least recently used dropped first, each for at most
    MEMBERS_REMEMBERED_SECONDS (the bound for a change written by SQL, behind the signals' back).
    Both settings are read at each use."""

    def __init__(self):
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The value remembered for `key`, or None."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or now - entry[0] >= settings.MEMBERS_REMEMBERED_SECONDS:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key, value, since):
        """Remember `value` for `key`, as read at `since` (`time.monotonic()` before reading it)."""
        with self._lock:
            self._entries[key] = (since, value)
            self._entries.move_to_end(key)
            while len(self._entries) > settings.MEMBERS_REMEMBERED:
                self._entries.popitem(last=False)
        return value


def forget_all():
    """Drop every cache's entries in this process (tests that bypass signals use it)."""
    with _lock:
        caches = list(_caches.values())
    for cache in caches:
        cache.forget()
    _local.tokens = None
