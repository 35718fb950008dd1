"""What the PostGIS benchmarks share: a database of their own on the server in BENCH_POSTGRES_URL
(default postgis://postgres@127.0.0.1:5432/), made fresh (or kept with --keep), and Django set up
on it without Redis, as production runs but alone."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgis://postgres@127.0.0.1:5432/").rstrip("/")


def setup_django(database, **environ):
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ["DEBUG"] = "0"
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("SECRET_KEY", f"bench-{database}")
    os.environ.update(environ)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def admin_connection():
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(f"{SERVER}/postgres")
    return psycopg.connect(
        dbname="postgres", host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None, autocommit=True
    )


def fresh_database(database, keep):
    """Drop and create `database`, unless it exists and `keep`; True when it is new."""
    with admin_connection() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and keep:
            return False
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    return True


def drop_database(database):
    from django.db import connections

    connections.close_all()
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
