"""Time one early-warning analysis through the database: 5,000 cells and 27 weeks of cases.

    .venv/bin/python bench/early_warning_db.py [--cells 5000] [--per-day 0.1]

`bench/early_warning.py` measures what the detectors find; this measures what one run of
`earlywarning.analysis.run` costs on SpatiaLite (var/bench/gridgov_ew.sqlite3, rebuilt on every
run; the developer's database is never opened): reading the window's cases, the queen adjacency
from the cells' boundaries, Gi* with 999 permutations, the trends, the parties, the risk words,
the hot-cell layer and the warnings. Beside it, the baseline: the raw counting query alone (the
cases of the 27 weeks by cell and day, as the analysis reads them).

The county: a lattice of square cells (50 columns) in villages of 5 × 5, 10 townships; every
cell its own rate (gamma, mean `--per-day`); cases with their report inserted in bulk for the
189 days the analysis reads (the week and the 26 before it that a trend learns from), a tenth
with two parties, one in fifty with a risk word.
"""

import argparse
import datetime
import hashlib
import os
import sys
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE_PATH = ROOT / "var" / "bench" / "gridgov_ew.sqlite3"

from earlywarning.detectors import TREND_HISTORY_WINDOWS  # noqa: E402 - after the path (no Django in it)

DAYS_READ = 7 * (TREND_HISTORY_WINDOWS + 1)
COUNTY = "159998000000"
COLUMNS = 50
SIDE = 0.01  # degrees


def configure():
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"spatialite:///{SQLITE_PATH}"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "gridgov-bench-not-a-secret"
    os.environ["REDIS_URL"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def box(x, y, w, h):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    return MultiPolygon(Polygon.from_bbox((x, y, x + w, y + h)), srid=4326)


def build(n_cells, per_day, rng):
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.db import transaction
    from django.utils import timezone

    from disputes.models import Case, Category, Party, Report
    from grid.models import GridCell, Region, Unit, UnitKind

    rows = int(np.ceil(n_cells / COLUMNS))
    width, height = COLUMNS * SIDE, rows * SIDE
    x0, y0 = 113.0, 40.0
    now = timezone.now()
    with transaction.atomic():
        county = Region.objects.create(code=COUNTY, name="基准县", level="county", boundary=box(x0, y0, width, height))
        towns, villages = {}, {}
        vcols = COLUMNS // 5
        for i in range(n_cells):
            col, row = i % COLUMNS, i // COLUMNS
            t = col // 5 % 10
            if t not in towns:
                towns[t] = Region.objects.create(
                    code=f"159998{100 + t:03d}000",
                    name=f"镇{t}",
                    level="township",
                    parent=county,
                    boundary=box(x0, y0, width, height),
                )
            v = (row // 5) * vcols + col // 5
            if v not in villages:
                villages[v] = Region.objects.create(
                    code=f"{towns[t].code[:9]}{200 + v:03d}",
                    name=f"村{v}",
                    level="village",
                    parent=towns[t],
                    boundary=box(x0 + (col // 5) * 5 * SIDE, y0 + (row // 5) * 5 * SIDE, 5 * SIDE, 5 * SIDE),
                )
        cells = GridCell.objects.bulk_create(
            [
                GridCell(
                    code=f"{villages[(i // COLUMNS // 5) * vcols + i % COLUMNS // 5].code}{i % 1000:03d}",
                    name=f"网格{i}",
                    village=villages[(i // COLUMNS // 5) * vcols + i % COLUMNS // 5],
                    boundary=box(x0 + i % COLUMNS * SIDE, y0 + i // COLUMNS * SIDE, SIDE, SIDE),
                )
                for i in range(n_cells)
            ],
            batch_size=1000,
        )
        cells = list(GridCell.objects.order_by("pk"))
        unit = Unit.objects.create(
            code="bench-centre", name="基准县综治中心", kind=UnitKind.COUNTY_CENTRE, region=county
        )
        user = get_user_model().objects.create_user("bench-gridworker", password="x-bench-password-1")
        category = Category.objects.get(code="1101")
        rate = rng.gamma(2.0, per_day / 2, n_cells)
        counts = rng.poisson(np.outer(np.ones(DAYS_READ), rate))  # days × cells
        cases, reports, parties = [], [], []
        for day in range(DAYS_READ):
            for i in np.flatnonzero(counts[day]):
                for _n in range(int(counts[day, i])):
                    cell = cells[i]
                    when = now - datetime.timedelta(days=day, seconds=float(rng.uniform(0, 86400)))
                    centre = Point(x0 + (i % COLUMNS + 0.5) * SIDE, y0 + (i // COLUMNS + 0.5) * SIDE, srid=4326)
                    words = "，扬言要报复" if rng.random() < 0.02 else ""
                    cases.append(
                        Case(
                            kind="dispute",
                            category=category,
                            grade="green",
                            description=f"邻里纠纷{words}",
                            point=centre,
                            cell=cell,
                            region_id=cell.village_id,
                            area_code=cell.code,
                            first_unit=unit,
                            current_unit=unit,
                            verification_code="00000000",
                            created_at=when,
                        )
                    )
                    reports.append((when, centre, cell))
        cases = Case.objects.bulk_create(cases, batch_size=2000)
        Report.objects.bulk_create(
            [
                Report(
                    id=uuid.uuid4(),
                    content_hash=hashlib.sha256(str(case.pk).encode()).hexdigest(),
                    source="app",
                    category=category,
                    description=case.description,
                    point=point,
                    cell=cell,
                    region_id=cell.village_id,
                    occurred_at=when,
                    received_at=when,
                    reporter=user,
                    case=case,
                )
                for case, (when, point, cell) in zip(cases, reports, strict=True)
            ],
            batch_size=2000,
        )
        for case in cases:
            if rng.random() < 0.1:
                parties.append(Party(case=case, name="甲", phone=f"138{rng.integers(10**7, 10**8)}"))
        Party.objects.bulk_create(parties, batch_size=2000)
    return county, len(cases)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=5000)
    parser.add_argument("--per-day", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    configure()
    from django.db.models import Min
    from django.utils import timezone

    from disputes.models import Report
    from earlywarning import analysis
    from earlywarning.models import Warning

    t = time.perf_counter()
    county, n_cases = build(args.cells, args.per_day, np.random.default_rng(args.seed))
    seconds = time.perf_counter() - t
    print(f"generated {args.cells:,} cells and {n_cases:,} cases over {DAYS_READ} days in {seconds:.1f} s")

    def counting_query():
        start = timezone.now() - datetime.timedelta(days=DAYS_READ)
        return list(
            Report.objects.filter(case__area_code__startswith=county.prefix, case__merged_into__isnull=True)
            .filter(occurred_at__gte=start)
            .values("case_id", "case__cell_id", "case__region_id")
            .annotate(at=Min("occurred_at"))
            .values_list("case_id", "case__cell_id", "case__region_id", "at")
        )

    baseline = []
    for _n in range(3):
        t = time.perf_counter()
        counting_query()
        baseline.append(time.perf_counter() - t)
    runs = []
    for n in range(3):
        t = time.perf_counter()
        summary = analysis.run(county)
        runs.append(time.perf_counter() - t)
        print(
            f"run {n + 1}: {runs[-1]:.2f} s, found {summary.found}, raised {summary.raised}, updated {summary.updated}"
        )
    print()
    print(f"{'':44} {'median':>8} {'best':>8}")
    print(f"{'one analysis (analysis.run), SpatiaLite':44} {np.median(runs):>7.2f}s {min(runs):>7.2f}s   goal < 60 s")
    print(f"{'the raw counting query alone (baseline)':44} {np.median(baseline):>7.2f}s {min(baseline):>7.2f}s")
    print(f"open warnings: {Warning.objects.count()}; load {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
