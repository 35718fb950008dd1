"""A photo cut at 50 % on a weak signal, resumed after the app restarts (issue 17's "Done when").

The phone reaches the server through a small proxy on localhost that counts the bytes the phone
sends and, once half of the photo has gone through, resets every connection (a real dropped TCP
connection) and refuses new ones until the test lets the signal back. The app is then closed and
opened again: it asks the server how far the upload got (tus HEAD) and sends only the rest. One
file is stored, and the bytes sent in total are close to the size of one photo.
"""

import contextlib
import hashlib
import io
import random
import select
import socket
import struct
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, check_accessibility, screenshot
from .test_phone import READ_OUTBOX, card, cell_point, fill_report, newest_card, open_app, save, sign_in  # noqa: F401


class CuttingProxy:
    """TCP to the server, counting what the phone sends; `cut_after(n)` drops everything after n more bytes."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.sent = 0
        self.cut_at = None
        self.down = False
        self.cuts = 0
        self.open = set()
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def count_from_zero(self):
        with self.lock:
            self.sent = 0

    def cut_after(self, count):
        with self.lock:
            self.cut_at = self.sent + count

    def up(self):
        with self.lock:
            self.down = False

    def accept(self):
        while not self.closed:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            with self.lock:
                down = self.down
            if down:
                self.reset(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                self.reset(client)
                continue
            with self.lock:
                self.open.update((client, upstream))
            threading.Thread(target=self.pump, args=(client, upstream), daemon=True).start()

    def pump(self, client, upstream):
        peers = {client: upstream, upstream: client}
        try:
            while True:
                readable, _w, _x = select.select(list(peers), [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
                    if sock is client:
                        with self.lock:
                            self.sent += len(data)
                            due = self.cut_at is not None and self.sent >= self.cut_at
                        if due:
                            self.cut()
                            return
        except (OSError, ValueError):
            return
        finally:
            for sock in (client, upstream):
                with self.lock:
                    self.open.discard(sock)
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self):
        """The signal is gone: every connection is reset, and new ones are refused, until `up()`."""
        with self.lock:
            self.cut_at = None
            self.down = True
            self.cuts += 1
            sockets = list(self.open)
            self.open.clear()
        for sock in sockets:
            self.reset(sock)

    @staticmethod
    def reset(sock):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
            sock.close()
        except OSError:
            pass

    def close(self):
        self.closed = True
        self.listener.close()
        self.cut()


@pytest.fixture
def proxy(server):
    proxy = CuttingProxy(server.port)
    yield proxy
    proxy.close()


def big_jpeg():
    """A real photo of about 3 MB that the phone sends byte for byte (under its 4 MB redraw threshold)."""
    from PIL import Image

    rng = random.Random("resumable")
    size = (1200, 900)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, subsampling=0)
    data = out.getvalue()
    assert 2_000_000 < len(data) < 4 * 1024 * 1024, len(data)
    return data


def wait_until(probe, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"not within {timeout} s")


def failed_photo(page, report_id):
    """The photo's entry once the outbox has counted a failed try (else None)."""
    item = page.evaluate(READ_OUTBOX, report_id)
    photo = item and item["photos"][0]
    return photo if photo and photo.get("attempts") else None


def media_root(server):
    return Path(server.env["MEDIA_ROOT"])


def stored_photos(server, sha256):
    return int(
        server.manage(
            "shell", "-c", f"from disputes.models import Photo; print(Photo.objects.filter(sha256='{sha256}').count())"
        )
        .strip()
        .splitlines()[-1]
    )


def test_a_photo_cut_at_half_resumes_after_the_app_restarts_and_is_stored_once(browser, server, proxy, cell_point):  # noqa: F811
    photo = big_jpeg()
    sha256 = hashlib.sha256(photo).hexdigest()
    geolocation = {key: cell_point[key] for key in ("latitude", "longitude", "accuracy")}
    context = browser.new_context(base_url=proxy.url, locale="zh-CN", geolocation=geolocation, **PHONE)
    try:
        context.set_default_timeout(15_000)
        context.grant_permissions(["geolocation"])
        page = context.new_page()
        sign_in(page)
        page.wait_for_selector("#phone-app[data-categories=loaded]", state="attached")
        fill_report(page, "排水沟堵塞，污水外溢（大照片，弱信号）", category="垃圾堆放")
        page.set_input_files("#photos", files=[{"name": "drain.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        expect(page.locator("#photo-list img")).to_have_count(1)

        # From here, count what the phone sends; the signal drops once half of the photo has gone.
        proxy.count_from_zero()
        proxy.cut_after(len(photo) // 2)
        save(page)
        report_id = newest_card(page).get_attribute("data-id")
        expect(card(page, report_id)).to_have_attribute("data-state", "sent", timeout=20_000)
        row = card(page, report_id).locator(".photo-progress li")
        # The cut, then tus-js-client's two quick retries into no signal, then the outbox's backoff.
        kept = wait_until(lambda: failed_photo(page, report_id), timeout=60)
        assert proxy.cuts == 1
        expect(row).to_have_attribute("data-state", "waiting")
        assert kept["uploadUrl"] and "/api/uploads/" in kept["uploadUrl"]
        # Whole chunks the server confirmed before the cut: about half, the cut chunk not among them.
        assert 0.25 * len(photo) <= kept["offset"] <= 0.55 * len(photo), kept["offset"]
        percent = int(row.get_attribute("data-percent"))
        assert 25 <= percent <= 55, percent
        expect(row.locator("progress")).to_have_attribute("aria-label", "照片 1 的上传进度")
        expect(row).to_contain_text("无信号")  # why it waits, and when it tries again
        expect(page.locator("#toast")).to_be_hidden(timeout=10_000)
        screenshot(page, "phone-upload")
        assert check_accessibility(page) == []
        assert stored_photos(server, sha256) == 0
        page.close()  # the app is closed while the signal is gone

        # Signal again; the app starts afresh, asks how far the upload got and sends the rest.
        proxy.up()
        page = context.new_page()
        open_app(page)
        page.click("#tabs [data-view=queue]")
        expect(card(page, report_id).locator("[data-slot=photos]")).to_have_attribute(
            "data-done", "true", timeout=60_000
        )
        total = proxy.sent
    finally:
        context.close()

    assert stored_photos(server, sha256) == 1
    root = media_root(server)
    assert (root / "photos" / "original" / f"{sha256}.jpg").read_bytes() == photo
    assert list((root / "uploads" / "partial").glob("*.part")) == []
    # Everything the phone sent (report, photo, headers, page loads, the lost part of the cut chunk)
    # is close to one photo: far from the one and a half a restart from zero would have cost.
    assert len(photo) < total < 1.2 * len(photo), (total, len(photo))
