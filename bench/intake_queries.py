"""Count the database round trips of one report: POST /api/reports/ in this process, on PostGIS.

    .venv/bin/python bench/intake_queries.py [--cells 100000] [--reports 200] [--db gridgov_bench]

Uses bench/intake.py's county, committees and gridworker (its database, gridgov_bench, generated
on first use and kept; --db names another database holding the same generated county, such as
bench/maps.py's gridgov_benchmaps with its million cases). Each report goes through Django's test
client with the gridworker's token (authentication, validation, intake, the receipt, the work done
after commit), inside django.test.utils.CaptureQueriesContext. Printed: statements per report
(every report the same, or the spread), the statements of one report in order with their share of
its database time, and the in-process time per report (median, p90) beside the time of the same
number of `SELECT 1` round trips (the floor for that many statements). The HTTP throughput is
bench/intake.py's.
"""

import argparse
import collections
import json
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import intake as intake_bench  # noqa: E402  (bench/intake.py: prepare, body)
import locate as county_bench  # noqa: E402

ROOT = HERE.parent


def shape(sql):
    """A statement without its values, short enough to print."""
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    sql = re.sub(r"\s+", " ", sql).strip()
    return sql[:110]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--db", default="gridgov_bench", help="the PostGIS database holding the generated county")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    county_bench.BENCH_DB = args.db
    token = intake_bench.prepare(args.cells, args.seed)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from disputes.models import Report

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    # New places on every run: a run's reports are open cases the next run would find as duplicates.
    rng = random.Random(args.seed + Report.objects.count())

    def report():
        response = client.post("/api/reports/", intake_bench.body(rng), content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")

    for _ in range(20):  # warm caches (categories, regions, the linkage chain) and the connection
        report()
    before = Report.objects.count()
    counts, seconds, db_seconds, first = [], [], [], None
    for _ in range(args.reports):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            report()
            seconds.append(time.perf_counter() - started)
        counts.append(len(queries))
        db_seconds.append(sum(float(q["time"]) for q in queries.captured_queries))
        if first is None:
            first = list(queries.captured_queries)
    stored = Report.objects.count() - before

    with connection.cursor() as cursor:
        floor = []
        for _ in range(200):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            floor.append(time.perf_counter() - started)
    select1 = statistics.median(floor)

    seconds.sort()
    per = statistics.fmean(counts)
    print(
        f"gridgov intake round trips · PostGIS · {connection.settings_dict['NAME']} · "
        f"{args.reports} reports · load average {os.getloadavg()[0]:.2f}"
    )
    spread = ", ".join(f"{n} statements: {k} reports" for n, k in sorted(collections.Counter(counts).items()))
    print(f"  statements per report: {per:.2f} ({spread}); stored {stored} of {args.reports}")
    print(
        f"  in-process time per report: p50 {statistics.median(seconds) * 1e3:.1f} ms,"
        f" p90 {seconds[int(0.9 * len(seconds))] * 1e3:.1f} ms;"
        f" of which in the database (as the driver sees it) p50 {statistics.median(db_seconds) * 1e3:.1f} ms"
    )
    print(
        f"  baseline: {round(per)} × SELECT 1 round trips = {round(per) * select1 * 1e3:.1f} ms"
        f" (one: {select1 * 1e6:.0f} µs)"
    )
    print("  the statements of one report, in order:")
    total = sum(float(q["time"]) for q in first) or 1
    for index, query in enumerate(first, 1):
        print(f"   {index:>2}. {float(query['time']) / total:5.0%}  {shape(query['sql'])}")
    out = ROOT / "bench" / "results" / f"intake_queries-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "db": args.db,
                "reports": args.reports,
                "statements_per_report": per,
                "p50_ms": statistics.median(seconds) * 1e3,
                "select1_us": select1 * 1e6,
                "statements": [shape(q["sql"]) for q in first],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"results: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
