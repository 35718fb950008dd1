import pytest
from django.db import connection

# Under pytest-xdist (`./dev test` runs `-n auto --dist loadgroup`) the browser tests run in two
# groups of about the same length, each kept together on one worker, which starts one server on
# the demo county for it (tests/browser/conftest.py).
BROWSER_GROUPS = {"test_wall": "wall", "test_live": "wall", "test_language": "wall"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith("tests/browser/"):
            module = item.nodeid.split("/")[2].split(".py")[0]
            item.add_marker(pytest.mark.xdist_group(f"browser-{BROWSER_GROUPS.get(module, 'field')}"))


@pytest.fixture
def on_postgis():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def audit_purge_permit(request):
    """Let a transactional test's teardown flush the append-only audit log.

    Requesting transactional_db from here makes it finish after this fixture, so the
    permit exists when the tables are flushed (and is flushed with them).
    """
    if "transactional_db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from disputes.models import AuditPurgePermit

    AuditPurgePermit.objects.create(reason="test teardown")


@pytest.fixture(autouse=True)
def fresh_reference_caches():
    """Tests write reference rows with bulk_create and raw SQL too, which send no signal and
    so write no version token (core.versions); start each test from empty caches."""
    from core import versions

    versions.forget_all()


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


@pytest.fixture(autouse=True)
def fresh_throttles(request):
    """Throttle counters live in Django's cache: one test's requests must not slow down the next.

    Without Redis the cache is a database table, so only a test with database access can have
    touched it (and can clear it); a transactional test's flush leaves that table alone.
    """
    if not (DB_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db")):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
