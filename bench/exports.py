"""Benchmark the ledger exports: the case register (案件登记台账) of N cases as .xlsx and CSV.

    .venv/bin/python bench/exports.py [--cases 1000000] [--keep] [--writers csv,xlsx,xlsxwriter]

A PostGIS database of its own, gridgov_benchexports (server in BENCH_POSTGRES_URL, default
postgis://postgres@127.0.0.1:5432/), is migrated and filled by SQL (generate_series): one county,
10 townships, 100 villages with a cell each, a village committee per village, and N cases spread
over them and over the standard categories, every third with two parties. A superuser asks for the
export, as a county operator would see everything.

Each export runs in a fresh child process exactly as the job runner runs it (ledgers.services.write),
so its peak memory (ru_maxrss) is the export's own. Writers: `csv`, `xlsx` (ledgers.writers.XlsxSink,
the one exports use) and `xlsxwriter` (XlsxWriterSink: the same workbook written cell by cell by
xlsxwriter's constant-memory mode, for comparison). Printed per writer: seconds, the process's CPU
seconds (less sensitive to other work on the machine than the wall clock), rows per second, peak
memory of the process, file size; beside it the baseline from the same run: PostgreSQL
writing the same rows with the same joins as CSV (COPY … TO STDOUT, read by the client), i.e.
what the database alone costs. The goal (issue 14): 1,000,000 rows to .xlsx in under 60 s and
under 300 MB peak.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import _postgis

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "gridgov_benchexports"


def setup_django():
    _postgis.setup_django(BENCH_DB, MEDIA_ROOT=str(ROOT / "var" / "bench" / "media"))


FILL = """
INSERT INTO disputes_case (number, verification_code, kind, category_id, grade, severity, description,
    point, cell_id, region_id, area_code, state, handling, first_unit_id, current_unit_id, version,
    stage_limit, stage_pauses, due_at, due_provisional, paused_from, mediation_source, reason,
    rework_count, resident_rating, created_at, stage_started_at, stage, closed_at)
SELECT lpad(g::text, 12, '0'), 'abcd1234', CASE WHEN g %% 3 = 0 THEN 'dispute' ELSE 'event' END,
    c.ids[1 + g %% array_length(c.ids, 1)], (ARRAY['green','yellow','orange','red'])[1 + g %% 4], 1,
    '两户因宅前排水沟堵塞发生争吵，村民反映多次未果，请求协调处理',
    ST_SetSRID(ST_MakePoint(114 + (g %% 100) / 100.0, 41.5),
    4326),
    cells.ids[1 + g %% 100], villages.ids[1 + g %% 100], villages.codes[1 + g %% 100],
    (ARRAY['reported','accepted','in_progress','resolved','closed','closed'])[1 + g %% 6], 'promised',
    units.ids[1 + g %% 100], units.ids[1 + g %% 100], 1, '{}'::jsonb, '[]'::jsonb,
    now() + ((g %% 40) - 20) * interval '1 day', false, '', '', '', 0, '',
    now() - (g %% 365) * interval '1 day', now() - (g %% 365) * interval '1 day', 'handle',
    CASE WHEN g %% 6 >= 4 THEN now() - (g %% 300) * interval '1 day' END
FROM generate_series(1, %(cases)s) AS g,
    (SELECT array_agg(id ORDER BY id) AS ids FROM disputes_category WHERE level = 3) AS c,
    (SELECT array_agg(id ORDER BY code) AS ids FROM grid_gridcell) AS cells,
    (SELECT array_agg(id ORDER BY code) AS ids, array_agg(code ORDER BY code) AS codes
       FROM grid_region WHERE level = 'village') AS villages,
    (SELECT array_agg(u.id ORDER BY r.code) AS ids FROM grid_unit u JOIN grid_region r ON r.id = u.region_id
       WHERE u.kind = 'village_committee') AS units
"""

PARTIES = """
INSERT INTO disputes_party (case_id, name, role, id_number, phone, address, refuses_mediation)
SELECT id, name, role, '11010519491231002X', phone, '东沟村3组', false
FROM disputes_case, (VALUES ('王建国', 'applicant', '13812345678'), ('李卫东', 'respondent', '13987654321'))
    AS p(name, role, phone)
WHERE id %% 3 = 0
"""

BASELINE = """
COPY (
    SELECT c.number, c.created_at, c.kind, cat.name, c.grade, r.name, cell.name,
        (SELECT string_agg(p.name, '；') FROM disputes_party p WHERE p.case_id = c.id),
        (SELECT string_agg(p.phone, '；') FROM disputes_party p WHERE p.case_id = c.id),
        c.description, u.name, c.state, c.due_at, c.closed_at
    FROM disputes_case c JOIN disputes_category cat ON cat.id = c.category_id
    JOIN grid_region r ON r.id = c.region_id LEFT JOIN grid_gridcell cell ON cell.id = c.cell_id
    LEFT JOIN grid_unit u ON u.id = c.current_unit_id ORDER BY c.id
) TO STDOUT WITH (FORMAT csv)
"""


def build(cases):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from grid.models import UnitKind
    from tests import factories as f

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    county = f.county(bounds=(114, 41, 115, 42))
    for t in range(10):
        town = f.township(county, f"15092210{t}000", f"镇{t}", (114 + t / 10, 41, 114 + (t + 1) / 10, 42))
        for v in range(10):
            box = (114 + t / 10, 41 + v / 10, 114 + (t + 1) / 10, 41 + (v + 1) / 10)
            village = f.village(town, f"15092210{t}2{v:02d}", f"村{t}{v}", box)
            f.cell(village, 1, box)
            f.unit(village, UnitKind.VILLAGE_COMMITTEE, f"村{t}{v}村委会")
    get_user_model().objects.create_superuser("bench", password="x")
    with connection.cursor() as cursor:
        cursor.execute(FILL, {"cases": cases})
        cursor.execute(PARTIES, {})
        cursor.execute("ANALYZE")
    return time.monotonic() - started


def child(writer):
    """In a fresh process: one export as the worker runs it; prints seconds, CPU seconds, rows, peak
    RSS, bytes."""
    setup_django()
    from django.contrib.auth import get_user_model

    from ledgers import services, writers
    from ledgers.models import Export

    if writer == "xlsxwriter":
        writers.SINKS["xlsx"] = writers.XlsxWriterSink
    user = get_user_model().objects.get(username="bench")
    export = Export.objects.create(user=user, register="cases", format=writer.replace("xlsxwriter", "xlsx"), filters={})
    started, cpu = time.monotonic(), _cpu()
    services.write(export.pk)
    seconds, cpu = time.monotonic() - started, _cpu() - cpu
    export.refresh_from_db()
    assert export.state == "done", export.error
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"{seconds:.3f} {cpu:.3f} {export.rows_done} {peak} {export.size}")
    services.path_of(export).unlink()


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def baseline():
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    started, size = time.monotonic(), 0
    with raw.cursor() as cursor, cursor.copy(BASELINE) as copy:
        for block in copy:
            size += len(block)
    return time.monotonic() - started, size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the database of an earlier --keep run")
    parser.add_argument("--writers", default="csv,xlsx,xlsxwriter", help="which, comma-separated")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child)
        return
    fresh = _postgis.fresh_database(BENCH_DB, options.keep)
    setup_django()
    if fresh:
        print(f"generated {options.cases:,} cases in {build(options.cases):.1f} s")
    else:
        print("reusing the kept database")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('disputes_case') IS NOT NULL")
        rows = 0
        if cursor.fetchone()[0]:
            cursor.execute("SELECT count(*) FROM disputes_case")
            rows = cursor.fetchone()[0]
    if not rows:
        sys.exit(f"{BENCH_DB} holds no cases (a run stopped while generating?): run again without --keep")
    print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, {rows:,} cases")
    seconds, size = baseline()
    print(
        f"{'baseline: COPY of the same rows':<34} {seconds:8.1f} s {rows / seconds:>10,.0f} rows/s {size / 1e6:9.1f} MB"
    )
    for writer in options.writers.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--child", writer], capture_output=True, text=True, check=True
        ).stdout.split()
        took, cpu, done, peak, size = float(out[0]), float(out[1]), int(out[2]), int(out[3]), int(out[4])
        print(
            f"{'export ' + writer:<34} {took:8.1f} s {done / took:>10,.0f} rows/s {size / 1e6:9.1f} MB"
            f"   peak {peak / 1e6:6.0f} MB   {took / seconds:4.1f}× the baseline   CPU {cpu:6.1f} s"
        )
    print(f"load at the end {os.getloadavg()[0]:.2f}")
    if not options.keep:
        _postgis.drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
