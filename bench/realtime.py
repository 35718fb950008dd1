"""Benchmark the event stream: commit-to-client latency with many sockets, through daphne and Redis.

    .venv/bin/python bench/realtime.py [--sockets 100,1000] [--events 200] [--rate 20] [--layer pubsub|core]

Uses the county and database of bench/locate.py and bench/intake.py (gridgov_bench). Starts
`--servers` daphne processes with the Redis channel layer, connects `--sockets` websocket
clients to /ws/events/ (spread over the servers, each as a county-centre operator, so every
client receives every event), then opens cases through the real intake service in this
process at `--rate` a second. Each case's event is recorded with its commit time; each client
notes when the event arrives. Printed per level: delivered / expected, commit-to-client latency
p50/p90/p99/max over all deliveries, and, for a burst sent as fast as intake goes, sustained
deliveries per second.

Beside each level, in the same run, the baseline: the same clients connected to `--servers` bare
`websockets` servers fed by Redis pub/sub (`--serve-bare`: no Django, no authentication, no
database; each message broadcast as it comes, encoded once), the messages published by redis-py
straight from this process at the same pace (in the burst, at the rate the service reached). After
a few warm-up events on each side, its latency runs from the publish call to the
frame's arrival, and the figure asked of the wall is the ratio of the two p99s (issue 12: within
1.3×). Both share the machine with the clients; the absolute 100 ms needs the clients elsewhere.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import intake as intake_bench  # noqa: E402  (bench/intake.py: the prepared database)
import locate as county_bench  # noqa: E402

ROOT = HERE.parent
PORT = 8201
BARE_PORT = 8301
BARE_REDIS = "redis://127.0.0.1:6379/4"
BARE_CHANNEL = "gridgov-bench-bare"


def operator_token():
    """A county-centre operator (receives every event of the county) with an API token."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from grid.members import assign_member
    from grid.models import Region, Role, Unit, UnitKind

    county = Region.objects.defer("boundary").get(level="county")
    centre, _ = Unit.objects.get_or_create(
        code=f"{county.code}-cc", defaults={"name": "县综治中心", "kind": UnitKind.COUNTY_CENTRE, "region": county}
    )
    user, _ = get_user_model().objects.get_or_create(username="bench-operator")
    assign_member(user, Role.OPERATOR, centre)
    return Token.objects.get_or_create(user=user)[0].key


def start_servers(count, layer):
    return intake_bench.start_servers(
        count, port=PORT, name="realtime", REDIS_URL="redis://127.0.0.1:6379/3", REDIS_CHANNEL_LAYER=layer
    )


def serve_bare(port):
    """The baseline: a bare websockets server broadcasting what Redis pub/sub hands it (no Django)."""
    import redis.asyncio as aioredis
    from websockets.asyncio.server import broadcast, serve

    hello = json.dumps({"type": "hello", "last": 0})
    connections = set()

    async def handler(ws):
        connections.add(ws)
        try:
            await ws.send(hello)
            await ws.wait_closed()
        finally:
            connections.discard(ws)

    async def main():
        pubsub = aioredis.from_url(BARE_REDIS).pubsub()
        await pubsub.subscribe(BARE_CHANNEL)
        async with serve(handler, "127.0.0.1", port, ping_interval=None, backlog=2048):
            async for message in pubsub.listen():
                if message["type"] == "message":
                    broadcast(connections, message["data"].decode())  # encoded once for all

    asyncio.run(main())


def start_bare(count):
    import socket
    import subprocess

    servers = [
        subprocess.Popen([sys.executable, __file__, "--serve-bare", str(BARE_PORT + i)], cwd=ROOT) for i in range(count)
    ]
    for i, server in enumerate(servers):
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise SystemExit(f"the bare server on {BARE_PORT + i} stopped")
            try:
                socket.create_connection(("127.0.0.1", BARE_PORT + i), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the bare server on {BARE_PORT + i} did not listen") from None
                time.sleep(0.1)
    return servers


def publish_bare(count, rate, committed, first):
    """The baseline's events: published to Redis at `rate` a second, each stamped when sent."""
    import redis

    client = redis.Redis.from_url(BARE_REDIS)
    started = time.perf_counter()
    for n in range(count):
        if rate:
            time.sleep(max(0.0, started + n / rate - time.perf_counter()))
        seq = first + n
        text = json.dumps({"type": "event", "event": {"audit_seq": seq, "seq": seq}})
        committed[seq] = time.perf_counter()
        client.publish(BARE_CHANNEL, text)
    client.close()


class Clients:
    """`count` websocket clients noting when each event (by audit_seq) reaches them."""

    def __init__(self, count, servers, token, after, port=PORT):
        self.count, self.servers, self.token, self.after, self.port = count, servers, token, after, port
        self.received = [{} for _ in range(count)]
        self.ready = 0
        self.stop = None

    async def client(self, index):
        import websockets

        url = f"ws://127.0.0.1:{self.port + index % self.servers}/ws/events/?after={self.after}&token={self.token}"
        async with websockets.connect(url, max_size=2**22, open_timeout=60, ping_interval=None) as ws:
            seen = self.received[index]
            while not self.stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.5))
                except TimeoutError:
                    continue
                if message["type"] == "hello":
                    self.ready += 1
                elif message["type"] == "event":
                    seen.setdefault(message["event"]["audit_seq"], time.perf_counter())

    async def run(self, until_ready):
        self.stop = asyncio.Event()
        tasks = []
        for index in range(self.count):
            tasks.append(asyncio.create_task(self.client(index)))
            if index % 50 == 49:
                await asyncio.sleep(0.2)  # don't open a thousand handshakes in the same instant
        while self.ready < self.count:
            await asyncio.sleep(0.1)
        until_ready.set()
        while not self.finished:
            await asyncio.sleep(0.1)
        self.stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    finished = False


def send_reports(count, rate, user, committed):
    """Open `count` cases through the intake service at `rate` a second (0: as fast as possible)."""
    from django.db import close_old_connections, transaction
    from django.utils import timezone

    from disputes import intake
    from disputes.models import AuditEntry

    rng = __import__("random").Random(count)
    x0, y0, x1, y1 = county_bench.EXTENT
    started = time.perf_counter()
    for n in range(count):
        if rate:
            time.sleep(max(0.0, started + n / rate - time.perf_counter()))
        data = {
            "id": uuid.uuid4(),
            "source": "app",
            "category": "1101",
            "description": "bench",
            "lon": rng.uniform(x0 + 0.001, x1 - 0.001),
            "lat": rng.uniform(y0 + 0.001, y1 - 0.001),
            "occurred_at": timezone.now(),
            "severity": 1,
        }
        stamps = []
        with transaction.atomic():
            # Runs first among the commit callbacks, before the event's fan-out: the commit time.
            transaction.on_commit(lambda stamps=stamps: stamps.append(time.perf_counter()))
            case = intake.submit_report(user, data).case
        seq = AuditEntry.objects.filter(case=case).values_list("seq", flat=True).first()
        committed[seq] = stamps[0]
    close_old_connections()


WARM_UP = 5  # events sent and waited for before each level, not counted (first connections, imports)


def measure(sockets, servers, token, user, events, rate, bare=False, burst_rate=0):
    """The paced run at `rate`, then the burst: as fast as intake goes (the bare baseline's burst at
    `burst_rate`, the rate the service reached, so that both carry the same load)."""
    from realtime.models import Event

    after = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    clients = Clients(sockets, servers, token, after, port=BARE_PORT if bare else PORT)
    ready = threading.Event()
    loop_thread = threading.Thread(target=lambda: asyncio.run(clients.run(ready)), daemon=True)
    loop_thread.start()
    if not ready.wait(timeout=180):
        raise SystemExit(f"only {clients.ready} of {sockets} sockets got their hello")
    results = {}
    for label, count, pace in (("warm-up", WARM_UP, rate), ("paced", events, rate), ("burst", events, burst_rate)):
        committed = {}
        start = time.perf_counter()
        if bare:
            publish_bare(count, pace, committed, first=1_000_000 * (1 + len(results)))
        else:
            send_reports(count, pace, user, committed)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            if all(all(seq in seen for seq in committed) for seen in clients.received):
                break
            time.sleep(0.2)
        latencies = sorted(seen[seq] - t for seen in clients.received for seq, t in committed.items() if seq in seen)
        last = max((seen[seq] for seen in clients.received for seq in committed if seq in seen), default=start)
        expected = len(committed) * sockets
        results[label] = {
            "delivered": len(latencies),
            "expected": expected,
            "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else None,
            "p90_ms": latencies[int(len(latencies) * 0.9)] * 1000 if latencies else None,
            "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else None,
            "max_ms": latencies[-1] * 1000 if latencies else None,
            "mean_ms": statistics.fmean(latencies) * 1000 if latencies else None,
            "deliveries_per_s": len(latencies) / (last - start) if latencies else 0,
            "events_per_s_sent": len(committed) / max(1e-9, max(committed.values()) - start),
        }
        for seen in clients.received:
            seen.clear()
    clients.finished = True
    loop_thread.join(timeout=30)
    del results["warm-up"]
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", default="100,1000")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="events a second in the paced run")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--layer", choices=["core", "pubsub"], default="pubsub")
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--no-baseline", action="store_true", help="leave out the bare websockets broadcast")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        return serve_bare(args.serve_bare)
    sys.stdout.reconfigure(line_buffering=True)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)

    intake_bench.prepare(args.cells, 2024)  # sets up Django on gridgov_bench
    from django.conf import settings
    from django.contrib.auth import get_user_model

    # This process publishes too: through the same Redis layer as the servers.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"
            if args.layer == "pubsub"
            else "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/3"]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    token = operator_token()
    user = get_user_model().objects.get(username="bench-gridworker")
    print(f"gridgov realtime benchmark · {args.layer} layer · {args.servers} daphne servers · PostGIS")
    print(f"  machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    servers = start_servers(args.servers, args.layer)
    if not args.no_baseline:
        servers += start_bare(args.servers)
    out = {"layer": args.layer, "servers": args.servers, "levels": {}, "baseline": {}}

    def show(sockets, label, r, who):
        print(
            f"  {sockets:>5} sockets, {label:>5}, {who:<9}: delivered {r['delivered']}/{r['expected']}"
            f"   p50 {r['p50_ms'] or 0:7.1f} ms   p90 {r['p90_ms'] or 0:7.1f} ms"
            f"   p99 {r['p99_ms'] or 0:7.1f} ms   max {r['max_ms'] or 0:7.1f} ms"
            f"   sent {r['events_per_s_sent']:.0f} events/s   delivered {r['deliveries_per_s']:,.0f}/s"
        )

    try:
        for sockets in [int(s) for s in args.sockets.split(",")]:
            results = measure(sockets, args.servers, token, user, args.events, args.rate)
            out["levels"][sockets] = results
            if args.no_baseline:
                for label, r in results.items():
                    show(sockets, label, r, "gridgov")
                continue
            reached = results["burst"]["events_per_s_sent"]
            bare = measure(sockets, args.servers, token, user, args.events, args.rate, bare=True, burst_rate=reached)
            out["baseline"][sockets] = bare
            for label, r in results.items():
                show(sockets, label, r, "gridgov")
                show(sockets, label, bare[label], "bare")
                if r["p99_ms"] and bare[label]["p99_ms"]:
                    print(f"  {'':>5}          p99 ÷ bare p99: {r['p99_ms'] / bare[label]['p99_ms']:.2f}×")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
    path = ROOT / "bench" / "results" / f"realtime-{args.layer}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(out, indent=2))
    print(f"results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
