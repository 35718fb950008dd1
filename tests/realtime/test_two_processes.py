"""Two server processes and one Redis, as the compose file runs web and realtime replicas: a report
taken by one process reaches a websocket held by the other, and nothing but Redis joins them."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import websockets
from shapely.geometry import shape

from tests.realtime.conftest import redis_up

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "gridgov-demo"
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgis://", "postgres://", "postgresql://")):
        return f"spatialite:///{tmp_path / 'two.sqlite3'}"
    import dj_database_url
    import psycopg
    from psycopg import sql

    db = dj_database_url.parse(url)
    name = f"{db['NAME']}_two{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    params = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return f"{url.rpartition('/')[0]}/{name}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if not redis_up():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    tmp = tmp_path_factory.mktemp("two")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp),
        "DEBUG": "0",
        "SECRET_KEY": "two-processes-test",
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": REDIS,
        "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:8]}",  # apart from anything else on this Redis
        "THROTTLE_LOGIN": "10000/hour",
        "MEDIA_ROOT": str(tmp / "media"),
        "LOG_LEVEL": "WARNING",
    }
    steps = (
        ("migrate", "--noinput", "-v", "0"),
        ("seed_demo", "--if-empty", "--force"),
        ("build_linkage", "--if-empty"),
    )
    for args in steps:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    daphne = str(Path(sys.executable).parent / "daphne")
    started = []
    for _ in range(2):
        port = free_port()
        log = open(tmp / f"daphne-{port}.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((port, process, log))
    try:
        for port, process, _log in started:
            wait_until_up(port, process)
        yield [port for port, _process, _log in started]
    finally:
        for _port, process, log in started:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
            log.close()


def wait_until_up(port, process):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "a daphne process exited early"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port}")


def call(port, path, data=None, token=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if data is None else json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})},
        method="GET" if data is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_a_report_taken_by_one_process_reaches_a_socket_held_by_the_other(servers):
    first, second = servers
    operator = call(first, "/api/auth/token/", {"username": "county-operator-001", "password": PASSWORD})["token"]
    gridworker = call(first, "/api/auth/token/", {"username": "gridworker-001", "password": PASSWORD})["token"]
    cell = call(first, "/maps/cells.geojson?mine=1", token=gridworker)["features"][0]
    point = shape(cell["geometry"]).representative_point()

    async def scenario():
        async with websockets.connect(f"ws://127.0.0.1:{second}/ws/events/?token={operator}") as socket_:
            hello = json.loads(await asyncio.wait_for(socket_.recv(), 10))
            assert hello["type"] == "hello"
            report = {
                "id": str(uuid.uuid4()),
                "source": "app",
                "category": "5201",
                "description": "两个进程之间的事件",
                "lon": point.x,
                "lat": point.y,
                "occurred_at": datetime.now(UTC).isoformat(),
                "photos": [],
            }
            receipt = await asyncio.to_thread(call, first, "/api/reports/", report, gridworker)
            number = receipt["case"]["number"]
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                frame = json.loads(await asyncio.wait_for(socket_.recv(), deadline - time.monotonic()))
                if frame["type"] == "event" and frame["event"]["payload"].get("case", {}).get("number") == number:
                    return frame["event"]
            raise AssertionError("the event never reached the other process's socket")

    event = asyncio.run(scenario())
    assert event["kind"] == "report_received" and event["area_code"] == cell["properties"]["code"]
