"""The throttles (sign-in, resident look-ups) count by an address the client cannot forge, in a
cache every worker process shares."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from rest_framework.test import APIClient

from tests.disputes.test_api import assert_error, submit


def limit(settings, **rates):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def wrong_password(client, **headers):
    return client.post("/api/auth/token/", {"username": "gridworker", "password": "wrong"}, **headers)


def test_a_forged_forwarded_for_does_not_escape_the_sign_in_throttle(world, settings):
    limit(settings, login="3/hour")
    client = APIClient()
    for attempt in range(3):
        response = wrong_password(client, HTTP_X_FORWARDED_FOR=f"10.9.{attempt}.1")
        assert_error(response, 400, "invalid")
    assert_error(wrong_password(client, HTTP_X_FORWARDED_FOR="10.9.99.1"), 429, "throttled")


def test_a_forged_forwarded_for_does_not_escape_the_resident_throttle(world, settings):
    limit(settings, resident="2/hour", resident_case="100/hour")
    case = submit(world)
    resident = APIClient()
    for attempt in range(2):
        response = resident.get(
            f"/api/public/cases/{case.number}/", {"code": "0"}, HTTP_X_FORWARDED_FOR=f"1.2.3.{attempt}"
        )
        assert response.status_code == 404
    response = resident.get(f"/api/public/cases/{case.number}/", {"code": "0"}, HTTP_X_FORWARDED_FOR="1.2.3.99")
    assert_error(response, 429, "throttled")


def test_behind_a_trusted_proxy_each_client_counts_by_the_address_the_proxy_saw(world, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    limit(settings, login="2/hour")
    client = APIClient(REMOTE_ADDR="10.0.0.2")
    # The proxy appends the address it received the request from; what is left of it is the client's word.
    for forged in ("6.6.6.1", "6.6.6.2"):
        response = wrong_password(client, HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7")
        assert_error(response, 400, "invalid")
    assert_error(wrong_password(client, HTTP_X_FORWARDED_FOR="6.6.6.3, 203.0.113.7"), 429, "throttled")
    # Another client behind the same proxy has its own count.
    assert_error(wrong_password(client, HTTP_X_FORWARDED_FOR="203.0.113.8"), 400, "invalid")
    # Straight from an untrusted peer, the header is not believed at all.
    direct = APIClient(REMOTE_ADDR="198.51.100.5")
    assert_error(wrong_password(direct, HTTP_X_FORWARDED_FOR="203.0.113.9"), 400, "invalid")
    assert_error(wrong_password(direct, HTTP_X_FORWARDED_FOR="203.0.113.10"), 400, "invalid")
    assert_error(wrong_password(direct, HTTP_X_FORWARDED_FOR="203.0.113.11"), 429, "throttled")


def test_throttle_counters_live_in_the_shared_cache(world, settings):
    # Counters in one process's memory reset on restart and let each worker count on its own.
    limit(settings, login="3/hour")
    assert "locmem" not in settings.CACHES["default"]["BACKEND"]
    client = APIClient(REMOTE_ADDR="192.0.2.1")
    wrong_password(client)
    wrong_password(client)
    # A fresh cache connection (as in another worker process, or after a restart) sees both.
    other_worker = caches.create_connection("default")
    history = other_worker.get("throttle_login_192.0.2.1")
    assert history is not None and len(history) == 2
    other_worker.close()
    cache.clear()


def _settings_in(env):
    """config.settings as a fresh process with `env` reads them."""
    code = "import config.settings as s; print(s.CACHES['default']['BACKEND'], s.TRUSTED_PROXIES)"
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL", "TRUSTED_PROXIES"}}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "django.core.cache.backends.db.DatabaseCache []"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "django.core.cache.backends.redis.RedisCache []"),
        ({"CACHE_URL": "redis://cache:6379/1"}, "django.core.cache.backends.redis.RedisCache []"),
        (
            {"TRUSTED_PROXIES": "127.0.0.1, 172.16.0.0/12"},
            "django.core.cache.backends.db.DatabaseCache ['127.0.0.1', '172.16.0.0/12']",
        ),
    ],
)
def test_the_cache_and_the_proxies_come_from_the_environment(env, expected):
    assert _settings_in(env) == expected
