"""Browser tests: Debian's Chromium, driven by Playwright, against a real server on the demo county.

The package starts one server for all its tests: `manage.py runserver` (Daphne, the in-memory
channel layer) on a free port, on its own database built like a newcomer's — migrate, seed_demo,
build_linkage. The database is a SpatiaLite file in a temporary folder, or, when DATABASE_URL
names PostGIS, that database's name with `_browser` (and the xdist worker's name) appended,
dropped and created afresh. Under pytest-xdist the tests run in two groups (tests/conftest.py),
each on one worker with a server of its own.
The tests reach the server only through HTTP, the websocket and `manage.py`, as users would.

Everything here is package-scoped: Playwright's event loop lives only while these tests run, so
it never meets the Django tests that follow (Django refuses ORM calls inside a running loop).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "gridgov-demo"

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1440, "height": 900}}
WALL = {"viewport": {"width": 1920, "height": 1080}}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browser_database_url(tmp_dir):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgis://", "postgres://", "postgresql://")):
        return f"spatialite:///{tmp_dir / 'browser.sqlite3'}"
    import dj_database_url
    import psycopg
    from psycopg import sql

    db = dj_database_url.parse(url)
    # Under pytest-xdist each worker running browser tests has its own server and database.
    name = f"{db['NAME']}_browser{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    head, _sep, _old = url.rpartition("/")
    return f"{head}/{name}"


class Server:
    """One gridgov server process on the demo county; stop, start and restart keep the database."""

    def __init__(self, database_url, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process = None
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "WARNING",
            # Every test signs in from 127.0.0.1; the production rate (30/hour) would refuse them.
            "THROTTLE_LOGIN": "10000/hour",
            # Exports and other files of this server's own, not the developer's var/media.
            "MEDIA_ROOT": str(Path(log_path).parent / "media"),
        }
        # The in-memory channel layer, as on a newcomer's machine.
        self.env.pop("REDIS_URL", None)

    def manage(self, *args, timeout=600):
        """Run a management command against the server's database; returns its standard output."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self):
        assert self.process is None, "already running"
        log = open(self.log_path, "a")  # noqa: SIM115 - closed with the process in stop()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.process.log = log
        # The job runner beside the server, as ./dev run and the compose file have it (exports).
        self.worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.3", "--no-startup-delay"],
            cwd=ROOT,
            env={**self.env, "DEBUG": "0", "SECRET_KEY": "browser-tests"},  # DEBUG: reload on code changes
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise AssertionError(f"the server did not answer within 60 s; see {self.log_path}")

    def stop(self):
        if self.process is None:
            return
        for process in (self.worker, self.process):
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.process.log.close()
        self.process = None

    def restart(self):
        self.stop()
        self.start()

    def token(self, username):
        """An API token for a demo user (the phone app's sign-in)."""
        return self.post_json("/api/auth/token/", {"username": username, "password": PASSWORD})["token"]

    def post_json(self, path, data, token=None):
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def get_json(self, path, token):
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"Token {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture(scope="package")
def server(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("browser")
    server = Server(browser_database_url(tmp_dir), tmp_dir / "server.log")
    server.manage("migrate", "--noinput", "-v", "0")
    server.manage("seed_demo", "--if-empty")
    server.manage("build_linkage", "--if-empty")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: ./dev test installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, server):
    """Make browser contexts (one per simulated device); all are closed after the test.

    `new_context(PHONE)` or `new_context(WALL, locale="en-US")`; pages default to Chinese, as
    for a user who has not switched language.
    """
    contexts = []

    def make(profile=None, **options):
        context = browser.new_context(base_url=server.url, **{"locale": "zh-CN", **(profile or {}), **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def sign_in(page, username, next_path="/"):
    """Sign in through the sign-in page, as a person would, and land on `next_path`."""
    page.goto(f"/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def screenshot(page, name):
    """Save a screenshot to docs/screenshots/ (the README shows them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def check_accessibility(page, rules=("color-contrast", "label", "button-name", "image-alt", "link-name")):
    """Run axe-core (from node_modules) on the page; returns the violations of `rules`."""
    page.add_script_tag(path=str(ROOT / "node_modules" / "axe-core" / "axe.min.js"))
    result = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'rule', values: rules}})",
        list(rules),
    )
    return [
        {"rule": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
