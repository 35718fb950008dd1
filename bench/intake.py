"""Benchmark report intake end to end: HTTP → locate → insert → case → audit, on PostGIS.

    .venv/bin/python bench/intake.py [--cells 100000] [--reports 2000] [--clients 1,8,32]
    .venv/bin/python bench/intake.py --server daphne --servers 2     # the ASGI server instead

Uses the same generated county and database as bench/locate.py (gridgov_bench; generated on
first use and kept), adds a village committee for every village and one gridworker with an
API token, then starts the HTTP server as production runs it (gunicorn's sync workers with
docker/gunicorn.conf.py, 2 × cores + 1 of them, the Redis channel layer on; or `--server daphne`)
on ports 8101… and drives POST /api/reports/ from client threads, each with its own keep-alive
connection, spread over the servers. Every report is a new device-made UUID at a random
point of the county, category 邻里纠纷. Printed per concurrency level: reports per second,
p50/p90/p99/max latency, and a check that the database holds exactly the reports sent; then the
same SQL in pgbench, and one request's token authentication in-process, from the process's memory
and from the database, beside a bare `SELECT 1`.
"""

import argparse
import collections
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import locate as county_bench  # noqa: E402  (bench/locate.py: the generated county and its database)
import servers as servers_bench  # noqa: E402  (bench/servers.py: gunicorn's command, waiting for /healthz)

ROOT = HERE.parent
PORT = 8101


def prepare(cells, seed):
    """The bench database with the county, its village committees and a gridworker. Returns the token."""
    county = county_bench.County(cells, seed)
    county_bench.create_database("postgis")
    county_bench.configure_django("postgis")
    county_bench.migrate()
    if not county_bench.holds_county(county, cells):
        county_bench.drop_database("postgis")
        county_bench.create_database("postgis")
        county_bench.migrate()
        print(f"generating {cells:,} cells …")
        county_bench.generate(county, seed)

    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from grid.members import assign_member
    from grid.models import GridCell, Region, Role, Unit, UnitKind

    villages = Region.objects.filter(level="village").defer("boundary")
    existing = set(Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE).values_list("region_id", flat=True))
    Unit.objects.bulk_create(
        [
            Unit(code=f"{v.code}-vc", name=f"{v.name}村委会", kind=UnitKind.VILLAGE_COMMITTEE, region=v)
            for v in villages
            if v.pk not in existing
        ]
    )
    user, _ = get_user_model().objects.get_or_create(username="bench-gridworker")
    cell = GridCell.objects.defer("boundary").order_by("code").first()
    committee = Unit.objects.get(region=cell.village_id, kind=UnitKind.VILLAGE_COMMITTEE)
    assign_member(user, Role.GRIDWORKER, committee, [cell])
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def start_servers(count, port=PORT, name="intake", server="daphne", workers=None, **extra_env):
    """The HTTP servers on ports port… (DEBUG off, a database pool each); waits for /healthz.

    `daphne`: `count` ASGI processes. `gunicorn`: `count` gunicorn masters with production's
    configuration (docker/gunicorn.conf.py: sync workers, `workers` each, two connections a worker).
    """
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "gridgov-bench-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_POOL_MAX_SIZE": "8",
        "LOG_LEVEL": "ERROR",
        "THROTTLE_LOGIN": "100000/hour",
        **extra_env,
    }
    bin_dir = Path(sys.executable).parent
    if server == "gunicorn":
        env.update(DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE="2", WEB_WORKERS=str(workers or os.cpu_count() * 2 + 1))
        commands = [servers_bench.gunicorn_command(port + i) for i in range(count)]
    else:
        commands = [
            [str(bin_dir / "daphne"), "-p", str(port + i), "-b", "127.0.0.1", "config.asgi:application"]
            for i in range(count)
        ]
    servers = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(ROOT / "bench" / "results" / f"{name}-server-{i}.log", "w"),  # noqa: SIM115
        )
        for i, command in enumerate(commands)
    ]
    for i, process in enumerate(servers):
        servers_bench.wait_for(port + i, process)
    return servers


def body(rng):
    x0, y0, x1, y1 = county_bench.EXTENT
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "source": "app",
            "category": "1101",
            "description": "两户因宅前排水沟堵塞发生争吵",
            "lon": round(rng.uniform(x0 + 0.001, x1 - 0.001), 6),
            "lat": round(rng.uniform(y0 + 0.001, y1 - 0.001), 6),
            "accuracy_m": 8.0,
            "occurred_at": datetime.now(UTC).isoformat(),
            "severity": 2,
        }
    ).encode()


def run_level(token, clients, reports, servers, seed):
    """`clients` threads send `reports` reports in all; returns latencies (s), wall time and failures."""
    per_client = [reports // clients + (1 if i < reports % clients else 0) for i in range(clients)]
    latencies, failures = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(index):
        rng = random.Random(seed * 1000 + index)
        conn = http.client.HTTPConnection("127.0.0.1", PORT + index % servers, timeout=30)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        mine = []
        payloads = [body(rng) for _ in range(per_client[index])]
        barrier.wait()
        for payload in payloads:
            started = time.perf_counter()
            conn.request("POST", "/api/reports/", payload, headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            mine.append(time.perf_counter() - started)
            if response.status != 201:
                with lock:
                    failures.append((response.status, text[:300]))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, failures


def captured_report(token, seed):
    """The statements of one report as the service sends them (values bound), made in this process
    through Django's test client after a warm-up, and the report's id and its case's id."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from disputes.models import Report

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", SERVER_NAME="127.0.0.1")
    rng = random.Random(seed)
    for _ in range(20):  # caches warm, as in a server that has run for a while
        client.post("/api/reports/", body(rng), content_type="application/json")
    payload = body(rng)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/reports/", payload, content_type="application/json")
    if response.status_code != 201:
        raise SystemExit(f"the captured report failed: HTTP {response.status_code} {response.content[:300]!r}")
    report = Report.objects.get(pk=json.loads(payload)["id"])
    return [q["sql"] for q in queries.captured_queries], str(report.pk), report.case_id, report.cell_id


def pgbench_script(statements, report_id, case_id, cell_id):
    """The same statements as a pgbench script, each transaction a new report as the HTTP clients
    send them: a new report id (its last 12 digits from `random`), a random point in the county
    and a random cell (so no one cell's counts and look-ups grow as the run goes on), and the case
    id the INSERT returns (`\\gset`) wherever the captured one appeared."""
    from django.db.models import Max, Min

    from grid.models import GridCell

    first, last = GridCell.objects.aggregate(first=Min("pk"), last=Max("pk")).values()
    x0, y0, x1, y1 = county_bench.EXTENT
    lines = [
        "\\set r random(100000000000, 999999999999)",
        f"\\set cell random({first}, {last})",
        f"\\set lon {x0} + random(1000, {round((x1 - x0) * 1e6) - 1000}) / 1000000.0",
        f"\\set lat {y0} + random(1000, {round((y1 - y0) * 1e6) - 1000}) / 1000000.0",
    ]
    case_literal = re.compile(rf"(?<![\\d.]){case_id}(?![\\d.])")
    cell_literal = re.compile(rf"(?<![\\d.]){cell_id}(?![\\d.])")
    point_literal = re.compile(r"'0101000020e6100000[0-9a-f]{32}'::geometry")
    for sql in statements:
        sql = " ".join(sql.split())
        for form in (report_id, report_id.replace("-", "")):  # as text, and as the uuid column's hex
            sql = sql.replace(form, f"{form[:-12]}:r")
        sql = point_literal.sub("ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)", sql)
        sql = cell_literal.sub(":cell", sql)
        if sql.startswith('INSERT INTO "disputes_case"'):
            lines.append(sql + " \\gset c_")  # RETURNING "disputes_case"."id" → :c_id
        else:
            lines.append(case_literal.sub(":c_id", sql) + ";")
    return "\n".join(lines) + "\n"


def pgbench(script, clients, seconds):
    """Transactions a second for `script` run by pgbench (simple protocol) with `clients` clients."""
    path = ROOT / "bench" / "results" / "intake-pgbench.sql"
    path.write_text(script)
    url = county_bench.postgres_server_url()
    parts = urlsplit(url)
    command = ["pgbench", "-n", "-M", "simple", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds)]
    command += ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    command += ["-f", str(path), county_bench.BENCH_DB]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"pgbench failed: {out.stderr[-800:]}")
    return float(re.search(r"tps = ([\d.]+)", out.stdout).group(1))


def cpu_seconds(pids):
    """CPU seconds (user + system) used so far by the processes `pids` and their children (gunicorn's
    workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, seen, todo = 0, set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        todo.extend(int(child) for child in children)
    return total


def authentication_costs(token, rounds=3000):
    """p50 and p99 in µs of one request's token authentication in this process: from the process's
    memory (accounts.tokens.remembered), from the database (the memory forgotten before each), and
    the baseline, a bare `SELECT 1` on the same connection. The version tokens, read once by every
    request for its other caches anyway, are read before the clock starts."""
    from django.db import connection

    from accounts import tokens
    from core import versions

    def timed(before, call):
        samples = []
        for _ in range(rounds):
            versions.request_started()
            versions.token("tokens")
            before()
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
            versions.request_finished()
        samples.sort()
        return pct(samples, 50) * 1e6, pct(samples, 99) * 1e6

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    tokens.authenticate(token)
    return {
        "memory": timed(lambda: None, lambda: tokens.authenticate(token)),
        "database": timed(tokens.remembered.forget, lambda: tokens.authenticate(token)),
        "select_1": timed(lambda: None, select_one),
    }


def pct(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--reports", type=int, default=2000, help="reports per concurrency level")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument(
        "--server",
        choices=("gunicorn", "daphne"),
        default="gunicorn",
        help="gunicorn's sync workers as production serves HTTP (docker/gunicorn.conf.py), or daphne",
    )
    parser.add_argument(
        "--servers", type=int, default=None, help="daphne processes (default 2) or gunicorn masters (default 1)"
    )
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default 2 × cores + 1)")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/14",
        help="the channel layer's Redis, as in production ('' for none)",
    )
    parser.add_argument(
        "--db", default="gridgov_bench", help="a database holding the same generated county (e.g. gridgov_benchmaps)"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=10, help="length of each pgbench run")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    county_bench.BENCH_DB = args.db

    if args.servers is None:
        args.servers = 1 if args.server == "gunicorn" else 2
    workers = args.workers or os.cpu_count() * 2 + 1
    token = prepare(args.cells, args.seed)
    from disputes.models import Report
    from grid.models import GridCell

    serving = f"{args.servers} daphne processes" if args.server == "daphne" else f"gunicorn × {workers} sync workers"
    print(f"gridgov intake benchmark · PostGIS · {GridCell.objects.count():,} cells · {serving}")
    print(f"  channel layer: {'Redis ' + args.redis if args.redis else 'none'}")
    print(f"  machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    servers = start_servers(args.servers, server=args.server, workers=workers, REDIS_URL=args.redis)
    results = []
    try:
        # Warm up every process's connections and caches (the cell index takes about a second to build).
        processes = workers * args.servers if args.server == "gunicorn" else args.servers
        run_level(token, 2 * processes, 40 * processes, args.servers, args.seed)
        for clients in [int(c) for c in args.clients.split(",")]:
            before = Report.objects.count()
            cpu_before = cpu_seconds([server.pid for server in servers])
            latencies, wall, failures = run_level(token, clients, args.reports, args.servers, args.seed + clients)
            stored = Report.objects.count() - before
            server_cpu = cpu_seconds([server.pid for server in servers]) - cpu_before
            latencies.sort()
            row = {
                "clients": clients,
                "reports": len(latencies),
                "per_second": len(latencies) / wall,
                "p50_ms": pct(latencies, 50) * 1000,
                "p90_ms": pct(latencies, 90) * 1000,
                "p99_ms": pct(latencies, 99) * 1000,
                "max_ms": latencies[-1] * 1000,
                "mean_ms": statistics.fmean(latencies) * 1000,
                "stored": stored,
                "server_cpu_ms": server_cpu / max(1, len(latencies)) * 1000,
                "failures": len(failures),
            }
            if failures:
                row["failure_statuses"] = dict(collections.Counter(status for status, _ in failures))
                row["first_failure"] = failures[0][1]
            results.append(row)
            print(
                f"  {clients:>3} clients: {row['per_second']:7.0f} reports/s   p50 {row['p50_ms']:6.1f} ms"
                f"   p90 {row['p90_ms']:6.1f} ms   p99 {row['p99_ms']:6.1f} ms   max {row['max_ms']:6.1f} ms"
                f"   stored {stored}/{len(latencies)}   failures {len(failures)}"
                f"   server CPU {row['server_cpu_ms']:.1f} ms a report"
            )
            if failures:
                print(f"      failures by status: {row['failure_statuses']}; first: {row['first_failure']}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
    # The baseline: the very statements of one report, run by pgbench at the same concurrency.
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    statements, report_id, case_id, cell_id = captured_report(token, args.seed + 7)
    script = pgbench_script(statements, report_id, case_id, cell_id)
    print(f"  the same SQL in pgbench ({len(statements)} statements a report, bench/results/intake-pgbench.sql):")
    for row in results:
        row["pgbench_per_second"] = pgbench(script, row["clients"], args.pgbench_seconds)
        row["ratio"] = row["per_second"] / row["pgbench_per_second"]
        print(
            f"  {row['clients']:>3} clients: {row['pgbench_per_second']:7.0f} reports/s in pgbench;"
            f" HTTP reaches {row['ratio']:.2f} of it"
        )
    costs = authentication_costs(token)
    print(
        "  token authentication in-process, p50 / p99:"
        f" from memory {costs['memory'][0]:.0f} / {costs['memory'][1]:.0f} µs,"
        f" from the database {costs['database'][0]:.0f} / {costs['database'][1]:.0f} µs;"
        f" baseline SELECT 1 {costs['select_1'][0]:.0f} / {costs['select_1'][1]:.0f} µs"
    )
    print(f"  load average {os.getloadavg()[0]:.2f} at the end")
    out = ROOT / "bench" / "results" / f"intake-postgis-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {"cells": args.cells, "servers": args.servers, "levels": results, "authentication_us": costs}
    out.write_text(json.dumps(summary, indent=2))
    print(f"results: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
