"""Benchmark the assessment (管理考核): a year's ranking of every township, every unit and every
gridworker of a county holding N cases.

    .venv/bin/python bench/assessment.py [--cases 1000000] [--repeat 5] [--keep] [--database NAME]

A PostGIS database of its own, gridgov_benchassessment, is migrated and filled by SQL
(generate_series): one county, 10 townships, 100 villages of 10 cells each (1,000 cells), a
village committee per village and a centre per township, a gridworker per cell, and N cases
spread over January–November 2026, each with its report (by the cell's gridworker; every tenth
settled on the spot); two in three closed (a fifth of them by the township's centre), each closed
case verified by a gridworker (an audit entry), every third closed case visited (回访), every
fiftieth flagged for supervision (督办).

Printed for each ranking (assessment.scores.ranking for the year 2026 and, as the ranking shows the
change, 2025) and for the whole assessment page's data (assessment.overview.overview): the median
and best of --repeat runs, the number of queries, and beside it the baseline from the same run:
the very same SQL statements, captured from the ranking and replayed raw on the same connection,
i.e. what the database alone costs. The goal (issue 14): every township and every gridworker
ranked for a year of 1,000,000 cases in under 1 s. Then the two goal rankings again, in turns
with and without the indexes the assessment reads alone (COVERING, dropped in a transaction that
is rolled back): what those indexes are worth, measured under the same load.
"""

import argparse
import os
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import _postgis

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "gridgov_benchassessment"
CELLS_PER_VILLAGE = 10

PEOPLE = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
    date_joined)
SELECT '!', false, 'gw-' || cell.code, '', '网格员' || cell.code, '', false, true, now()
FROM grid_gridcell cell ORDER BY cell.code;

INSERT INTO grid_member (role, phone, active, user_id, unit_id)
SELECT 'gridworker', '', true, u.id, unit.id
FROM grid_gridcell cell JOIN auth_user u ON u.username = 'gw-' || cell.code
JOIN grid_unit unit ON unit.region_id = cell.village_id AND unit.kind = 'village_committee';

INSERT INTO grid_member_cells (member_id, gridcell_id)
SELECT m.id, cell.id FROM grid_gridcell cell JOIN auth_user u ON u.username = 'gw-' || cell.code
JOIN grid_member m ON m.user_id = u.id;
"""

CASES = """
INSERT INTO disputes_case (number, verification_code, kind, category_id, grade, severity, description,
    point, cell_id, region_id, area_code, state, handling, first_unit_id, current_unit_id, version,
    stage_limit, stage_pauses, due_at, due_provisional, paused_from, mediation_source, reason,
    rework_count, resident_rating, created_at, accepted_at, stage_started_at, stage, closed_at)
SELECT lpad(g::text, 12, '0'), 'abcd1234', CASE WHEN g %% 3 = 0 THEN 'dispute' ELSE 'event' END,
    c.ids[1 + g %% array_length(c.ids, 1)], (ARRAY['green','yellow','orange','red'])[1 + g %% 4], 1,
    '两户因宅前排水沟堵塞发生争吵', ST_SetSRID(ST_MakePoint(114.05, 41.05), 4326),
    cells.ids[1 + g %% cells.n], cells.villages[1 + g %% cells.n], cells.area_codes[1 + g %% cells.n],
    CASE WHEN g %% 3 = 0 THEN 'in_progress' ELSE 'closed' END, 'promised',
    cells.committees[1 + g %% cells.n],
    CASE WHEN g %% 3 <> 0 AND g %% 5 = 0 THEN cells.centres[1 + g %% cells.n]
        ELSE cells.committees[1 + g %% cells.n] END,
    1, '{}'::jsonb, '[]'::jsonb, t.created + interval '15 days', false, '', '', '', (g %% 40 = 0)::int, '',
    t.created, t.created + interval '2 hours', t.created, 'handle',
    CASE WHEN g %% 3 <> 0 THEN t.created + (g %% 20) * interval '1 day' END
FROM generate_series(1, %(cases)s) AS g
CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 08:00+08' + (g %% 334) * interval '1 day'
    + (g %% 600) * interval '1 minute' AS created) AS t,
    (SELECT array_agg(id ORDER BY id) AS ids FROM disputes_category WHERE level = 3) AS c,
    (SELECT count(*)::int AS n, array_agg(cell.id ORDER BY cell.code) AS ids,
        array_agg(cell.village_id ORDER BY cell.code) AS villages,
        array_agg(cell.code ORDER BY cell.code) AS area_codes,
        array_agg(vc.id ORDER BY cell.code) AS committees, array_agg(tc.id ORDER BY cell.code) AS centres
     FROM grid_gridcell cell JOIN grid_region v ON v.id = cell.village_id
     JOIN grid_unit vc ON vc.region_id = v.id AND vc.kind = 'village_committee'
     JOIN grid_unit tc ON tc.region_id = v.parent_id AND tc.kind = 'township_centre') AS cells
"""

REPORTS = """
INSERT INTO disputes_report (id, content_hash, source, description, point, accuracy_m, occurred_at, received_at,
    contact_name, contact_phone, on_behalf_of, severity, resolved_on_site, on_site_result, parties, case_id,
    category_id, cell_id, region_id, reporter_id)
SELECT gen_random_uuid(), md5(c.id::text) || md5(c.number), 'app', c.description, c.point, 8, c.created_at,
    c.created_at, '', '', '', 1, c.id %% 10 = 0, '', '[]'::jsonb, c.id, c.category_id, c.cell_id, c.region_id,
    m.user_id
FROM disputes_case c JOIN grid_member_cells mc ON mc.gridcell_id = c.cell_id
JOIN grid_member m ON m.id = mc.member_id
"""

AUDIT = """
INSERT INTO disputes_auditentry (action, from_state, to_state, details, at, actor_id, unit_id, case_id)
SELECT 'verify', 'resolved', 'verified', '{}'::jsonb, c.closed_at - interval '1 hour', r.reporter_id,
    c.current_unit_id, c.id
FROM disputes_case c JOIN disputes_report r ON r.case_id = c.id WHERE c.state = 'closed';

INSERT INTO disputes_auditentry (action, from_state, to_state, details, at, actor_id, unit_id, case_id)
SELECT 'deadline_breached', c.state, c.state, '{"stage": "handle", "supervise": true}'::jsonb,
    c.due_at, NULL, c.current_unit_id, c.id
FROM disputes_case c WHERE c.id %% 50 = 0;

INSERT INTO disputes_followup (visited_at, performed, satisfaction, notes, case_id, visited_by_id)
SELECT c.closed_at + interval '1 day', true, (ARRAY['satisfied','basic','dissatisfied'])[1 + c.id / 9 %% 3], '',
    c.id, r.reporter_id
FROM disputes_case c JOIN disputes_report r ON r.case_id = c.id WHERE c.state = 'closed' AND c.id %% 9 IN (1, 2);
"""


def build(cases):
    from django.core.management import call_command
    from django.db import connection

    from grid.models import UnitKind
    from tests import factories as f

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    county = f.county(bounds=(114, 41, 115, 42))
    for t in range(10):
        town = f.township(county, f"15092210{t}000", f"镇{t}", (114 + t / 10, 41, 114 + (t + 1) / 10, 42))
        f.unit(town, UnitKind.TOWNSHIP_CENTRE, f"镇{t}综治中心")
        for v in range(10):
            box = (114 + t / 10, 41 + v / 10, 114 + (t + 1) / 10, 41 + (v + 1) / 10)
            village = f.village(town, f"15092210{t}2{v:02d}", f"村{t}{v}", box)
            f.unit(village, UnitKind.VILLAGE_COMMITTEE, f"村{t}{v}村委会")
            width = (box[2] - box[0]) / CELLS_PER_VILLAGE
            for n in range(CELLS_PER_VILLAGE):
                f.cell(village, n + 1, (box[0] + n * width, box[1], box[0] + (n + 1) * width, box[3]))
    with connection.cursor() as cursor:
        for sql in (PEOPLE, CASES, REPORTS, AUDIT):
            for statement in filter(str.strip, sql.split(";\n")):
                cursor.execute(statement, {"cases": cases})
        # As a settled database is (autovacuum): statistics, and the visibility map that lets an
        # index answer alone.
        cursor.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def recount():
    """The summaries the verbs keep (assessment.summary), recounted after the SQL above."""
    from django.db import connection, transaction

    from assessment import summary

    started = time.monotonic()
    with transaction.atomic():
        summary.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE assessment_closedcases")
        cursor.execute("VACUUM ANALYZE assessment_followupcounts")
        cursor.execute(
            "SELECT (SELECT count(*) FROM assessment_closedcases), (SELECT count(*) FROM assessment_followupcounts)"
        )
        closed, follow_ups = cursor.fetchone()
    print(
        f"summaries recounted in {time.monotonic() - started:.1f} s: {closed:,} rows of closed cases,"
        f" {follow_ups:,} rows of follow-ups"
    )


def timed(work, repeat):
    """Runs of `work` as one request makes them (the reference caches' tokens read once)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core import versions

    with versions.reading():
        work()  # warm: caches of categories, regions, the holiday calendar
    runs = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured, versions.reading():
            started = time.perf_counter()
            work()
            runs.append(time.perf_counter() - started)
    return runs, [query["sql"] for query in captured.captured_queries]


def replay(statements, repeat):
    """The same SQL, raw, on the same connection: the database's share."""
    from django.db import connection

    runs = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            runs.append(time.perf_counter() - started)
    return runs


# The indexes from which the assessment reads alone (PostgreSQL's index-only scans): a gridworker's
# verifications; the case's area, state and due time by id for follow-ups and 督办 flags; reports per
# person and local day; the open cases by area and creation (closed ones come from the summaries).
COVERING = (
    "disputes_audit_verifications",
    "disputes_case_area_by_id",
    "disputes_report_by_reporter_day",
    "disputes_case_open_by_area",
)


def before_and_after(work, names, repeat):
    """The same rankings with and without COVERING (dropped in a transaction rolled back), in turns."""
    from django.db import connection, transaction

    from core import versions

    runs = {name: ([], []) for name in names}
    for _ in range(repeat):
        for without in (False, True):
            with transaction.atomic():
                if without:
                    with connection.cursor() as cursor:
                        for index in COVERING:
                            cursor.execute(f"DROP INDEX {index}")
                for name in names:
                    with versions.reading():
                        started = time.perf_counter()
                        work[name]()
                        runs[name][without].append(time.perf_counter() - started)
                transaction.set_rollback(True)
    show_turns("without the covering indexes", runs, names, repeat)


def show_turns(title, runs, names, repeat):
    """Medians of runs made in turns, with and without something, and their ratio."""
    print(f"{title:<30} {'with':>9} {'without':>9}   ratio   (medians of {repeat}, in turns)")
    for name, (with_, without) in runs.items():
        a, b = statistics.median(with_), statistics.median(without)
        print(f"{name:<30} {a * 1000:6.0f} ms {b * 1000:6.0f} ms   {b / a:5.2f}×")
    a = sum(statistics.median(runs[name][0]) for name in names)
    b = sum(statistics.median(runs[name][1]) for name in names)
    print(f"{'both':<30} {a * 1000:6.0f} ms {b * 1000:6.0f} ms   {b / a:5.2f}×")


def with_and_without_summaries(work, names, repeat):
    """The same rankings reading closed cases and follow-ups from the summaries, and from the cases
    alone (as before them: `summary.span` answering None), in turns."""
    from unittest import mock

    from assessment import summary
    from core import versions

    runs = {name: ([], []) for name in names}
    for _ in range(repeat):
        for without in (False, True):
            with mock.patch.object(summary, "span", lambda *args: None) if without else nullcontext():
                for name in names:
                    with versions.reading():
                        started = time.perf_counter()
                        work[name]()
                        runs[name][without].append(time.perf_counter() - started)
    show_turns("with and without the summaries", runs, names, repeat)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse the database of an earlier --keep run")
    parser.add_argument("--database", default=BENCH_DB, help=f"the database's name (default {BENCH_DB})")
    options = parser.parse_args()
    fresh = _postgis.fresh_database(options.database, options.keep)
    _postgis.setup_django(options.database)
    if fresh:
        seconds = build(options.cases)
        print(f"generated {options.cases:,} cases with their reports, verifications and visits in {seconds:.1f} s")
        recount()
    else:
        from django.core.management import call_command

        print("reusing the kept database")
        call_command("migrate", verbosity=0)  # a database kept from before a migration gets it

    from django.db import connection

    from assessment import overview, periods, scores
    from grid.models import Region

    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM disputes_case), (SELECT count(*) FROM disputes_report)")
        case_count, report_count = cursor.fetchone()
    print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, {case_count:,} cases, {report_count:,} reports")
    county = Region.objects.get(level="county")
    year = periods.parse("2026")
    work = {
        "townships ranked (areas)": lambda: scores.ranking(county, year, "areas"),
        "units ranked": lambda: scores.ranking(county, year, "units"),
        "gridworkers ranked (people)": lambda: scores.ranking(county, year, "people"),
        "the assessment page's data": lambda: overview.overview(county, year),
    }
    print(f"{'':<30} {'median':>9} {'best':>9} {'queries':>8}   {'same SQL raw':>12}   ratio")
    medians, bests = {}, {}
    for name, run in work.items():
        runs, statements = timed(run, options.repeat)
        raw = replay(statements, options.repeat)
        medians[name], bests[name] = statistics.median(runs), min(runs)
        print(
            f"{name:<30} {statistics.median(runs) * 1000:7.0f} ms {min(runs) * 1000:7.0f} ms {len(statements):>8}"
            f"   {statistics.median(raw) * 1000:9.0f} ms   {statistics.median(runs) / statistics.median(raw):5.2f}×"
        )
    rows = len(scores.ranking(county, year, "people"))
    goal = ("townships ranked (areas)", "gridworkers ranked (people)")
    median, best = sum(medians[k] for k in goal), sum(bests[k] for k in goal)
    print(f"every township and every gridworker ({rows:,}) ranked for a year: median {median:.2f} s, best {best:.2f} s")
    print("goal (issue 14): under 1 s")
    with_and_without_summaries(work, goal, options.repeat)
    before_and_after(work, goal, options.repeat)
    print(f"load at the end {os.getloadavg()[0]:.2f}")
    if not options.keep:
        _postgis.drop_database(options.database)


if __name__ == "__main__":
    sys.exit(main())
