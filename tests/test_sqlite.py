"""The embedded default (SpatiaLite) under concurrent writers: writes wait their turn, never fail.

The test database is in memory and private to one connection, so this test opens its own
connections, configured exactly as config/settings.py configures the default, to a file.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.contrib.gis.db.backends.spatialite",
    reason="the embedded default's settings",
)

WRITERS = 6
ROUNDS = 5


def atomically(connection, work):
    """What transaction.atomic() does for an outermost block, on a connection of our own handler."""
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        work()
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.set_autocommit(True)


def test_concurrent_writers_wait_rather_than_fail(tmp_path, django_db_blocker):
    config = {**settings.DATABASES["default"], "NAME": str(tmp_path / "writers.sqlite3")}
    handler = ConnectionHandler({"default": config})
    errors = []
    barrier = threading.Barrier(WRITERS)

    def writer():
        connection = handler["default"]  # a connection per thread, as under the ASGI server
        try:
            barrier.wait()
            for _ in range(ROUNDS):

                def read_then_write():
                    # As intake does (workflow.open_case): read, then write, in one transaction.
                    # In SQLite's default DEFERRED mode the read lock cannot become a write lock
                    # while another writer holds the file, and SQLite says "database is locked"
                    # at once instead of waiting out the timeout.
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT count(*) FROM counted")
                        seen = cursor.fetchone()[0]
                        time.sleep(0.01)
                        cursor.execute("INSERT INTO counted (seen) VALUES (%s)", [seen])

                atomically(connection, read_then_write)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        with handler["default"].cursor() as cursor:
            cursor.execute("CREATE TABLE counted (id INTEGER PRIMARY KEY, seen INTEGER NOT NULL)")
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"  # readers go on while one writer writes
        handler["default"].close()

        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        with handler["default"].cursor() as cursor:
            cursor.execute("SELECT seen FROM counted ORDER BY id")
            seen = [row[0] for row in cursor.fetchall()]
        handler["default"].close()
    # Every writer waited its turn: each saw all the rows committed before it.
    assert seen == list(range(WRITERS * ROUNDS))
