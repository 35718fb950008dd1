"""What sending one realtime event costs the process that committed it, with the Redis layer.

    .venv/bin/python bench/fanout.py [--events 500] [--redis redis://127.0.0.1:6379/14]

An event goes to its groups (six here: county, township, village, cell, a unit, a user) after
commit. Three ways, in one run, on the same message, each per event:

- `async_to_sync` per event, as `realtime.publish.fan_out` did before: a new event loop, and with
  it a new connection to Redis, for every event, inside the request;
- the process's sender (`realtime.publish.Sender`), as now: the request hands the event over and
  goes on; one long-lived loop and connection send it;
- the baseline: redis-py publishing the same frame to the same six channels from one connection
  (what the PUB/SUB layer must do at least).

Printed: the time the caller waits, the time until all are sent, and the CPU of this process.
No database is needed (Django is set up on an unused SQLite file).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = [
    "region.159999000000",
    "region.159999006000",
    "region.159999006032",
    "cell.159999006032057",
    "unit.5",
    "user.3",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    os.environ.update(
        DATABASE_URL=f"spatialite:///{ROOT / 'var' / 'bench' / 'fanout.sqlite3'}",
        REDIS_URL=args.redis,
        DEBUG="0",
        SECRET_KEY="gridgov-bench-not-a-secret",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from realtime import publish

    layer = get_channel_layer()
    message = {"type": publish.MESSAGE_TYPE, "event": {"seq": 1}, "frame": '{"seq": 1, "kind": "case_opened"}'}
    n = args.events
    rows = []

    # Before: a loop and a connection per event, in the caller.
    async_to_sync(publish._send_all)(layer, message, GROUPS)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        async_to_sync(publish._send_all)(layer, message, GROUPS)
    elapsed = (time.perf_counter() - wall) / n
    rows.append(("async_to_sync per event (before)", elapsed, elapsed, (time.process_time() - cpu) / n))

    # Now: handed to the process's sender.
    publish.fan_out(message, GROUPS)
    publish.sender.flush()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        publish.fan_out(message, GROUPS)
    handed = (time.perf_counter() - wall) / n
    publish.sender.flush(timeout=120)
    sent = (time.perf_counter() - wall) / n
    rows.append(("the process's sender (now)", handed, sent, (time.process_time() - cpu) / n))

    # Baseline: the same publishes from one redis-py connection.
    client = redis.Redis.from_url(args.redis)
    frame = message["frame"].encode()
    client.ping()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        pipe = client.pipeline(transaction=False)
        for group in GROUPS:
            pipe.publish(f"bench.{group}", frame)
        pipe.execute()
    elapsed = (time.perf_counter() - wall) / n
    rows.append(("redis-py, one pipeline (baseline)", elapsed, elapsed, (time.process_time() - cpu) / n))

    print(f"gridgov realtime fan-out · {n} events × {len(GROUPS)} groups · Redis {args.redis}")
    print(f"  {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"  {'':<36} {'caller waits':>13} {'all sent':>10} {'CPU':>9} {'CPU ÷ baseline':>15}")
    base = rows[-1][3]
    for name, waits, sent, cpu_each in rows:
        print(
            f"  {name:<36} {waits * 1e3:>10.3f} ms {sent * 1e3:>7.2f} ms {cpu_each * 1e3:>6.2f} ms"
            f" {cpu_each / base:>14.1f}×"
        )


if __name__ == "__main__":
    main()
