"""Benchmark grid.locate on a generated county of 100,000 grid cells.

    .venv/bin/python bench/locate.py --db spatialite|postgis [--cells 100000] [--lookups 20000] [--keep]

The benchmark never touches the developer's database. It builds its own:

* PostGIS: a database named gridgov_bench on the server in BENCH_POSTGRES_URL
  (default postgis://postgres@127.0.0.1:5432/), created with the postgis extension
  and migrated with Django's migrate command;
* SpatiaLite: the file var/bench/gridgov_bench.sqlite3.

Without --keep the database is dropped at the end. With --keep it stays, and the
next run reuses it when it holds the same generated county (same --cells and --seed).

The county is a lattice of quadrilateral cells whose interior vertices are jittered
(seeded), so neighbouring cells share their edges exactly: 1 county, 10 townships in
column strips, villages of 10 x 10 cells, covering lon 113.5-114.5, lat 41.5-42.5.
Every random lookup point lies in the county, so every lookup should find a cell.

Printed: generation time, lookups per second from one client, latency percentiles,
hits, a check of 1,000 answers against the generator's own geometry, proof that the
spatial index is used, and a breakdown of where the time of one lookup goes.
Results are also written as JSON under bench/results/ (ignored by git).
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "gridgov_bench"
SQLITE_PATH = ROOT / "var" / "bench" / f"{BENCH_DB}.sqlite3"
RESULTS_DIR = ROOT / "bench" / "results"

COUNTY_CODE = "159999"  # not a real county: 15 is Inner Mongolia, 99 is unused
EXTENT = (113.5, 41.5, 114.5, 42.5)  # lon/lat, about 83 km x 111 km
VILLAGE_SIDE = 10  # a village is VILLAGE_SIDE x VILLAGE_SIDE cells
CELLS_PER_VILLAGE = VILLAGE_SIDE * VILLAGE_SIDE
TOWNSHIPS = 10
JITTER = 0.3  # interior vertices move up to 0.3 of a cell: quadrilaterals stay simple
BATCH = 5000


# --------------------------------------------------------------------------- the county


class County:
    """The generated geometry: a vertex lattice and how cells group into villages and townships.

    Pure Python and deterministic for a given (cells, seed): the same run on another
    machine builds the same coordinates.
    """

    def __init__(self, cells, seed):
        if cells % CELLS_PER_VILLAGE:
            raise SystemExit(f"--cells must be a multiple of {CELLS_PER_VILLAGE}")
        villages = cells // CELLS_PER_VILLAGE
        # Village grid VX x VY: the factor pair of the village count nearest to a square, wider than tall.
        vy = max(d for d in range(1, int(villages**0.5) + 1) if villages % d == 0)
        self.vx, self.vy = villages // vy, vy
        self.townships = min(TOWNSHIPS, self.vx)
        if villages / self.townships > 999:
            raise SystemExit("too many villages per township for 3-digit village codes: use fewer --cells")
        self.nx, self.ny = self.vx * VILLAGE_SIDE, self.vy * VILLAGE_SIDE
        x0, y0, x1, y1 = EXTENT
        self.dx, self.dy = (x1 - x0) / self.nx, (y1 - y0) / self.ny
        rng = random.Random(seed)
        xs, ys = [], []
        for i in range(self.nx + 1):
            col_x, col_y = [], []
            for j in range(self.ny + 1):
                interior = 0 < i < self.nx and 0 < j < self.ny
                jx = rng.uniform(-JITTER, JITTER) if interior else 0.0
                jy = rng.uniform(-JITTER, JITTER) if interior else 0.0
                # The last row and column are set to the extent exactly, not by accumulating steps.
                col_x.append(x1 if i == self.nx else x0 + (i + jx) * self.dx)
                col_y.append(y1 if j == self.ny else y0 + (j + jy) * self.dy)
            xs.append(col_x)
            ys.append(col_y)
        self.xs, self.ys = xs, ys

    def vertex(self, i, j):
        return (self.xs[i][j], self.ys[i][j])

    def ring(self, i0, j0, i1, j1):
        """The closed counter-clockwise boundary of the lattice block [i0, i1] x [j0, j1]."""
        points = [self.vertex(i, j0) for i in range(i0, i1)]
        points += [self.vertex(i1, j) for j in range(j0, j1)]
        points += [self.vertex(i, j1) for i in range(i1, i0, -1)]
        points += [self.vertex(i0, j) for j in range(j1, j0, -1)]
        points.append(points[0])
        return points

    def township_of(self, vi):
        return vi * self.townships // self.vx

    def township_columns(self, t):
        """The village columns [first, last) of township t (townships are column strips)."""
        columns = [vi for vi in range(self.vx) if self.township_of(vi) == t]
        return columns[0], columns[-1] + 1

    def villages(self):
        """(township index, village sequence 1.., vi, vj) in code order."""
        for t in range(self.townships):
            first, last = self.township_columns(t)
            seq = 0
            for vj in range(self.vy):
                for vi in range(first, last):
                    seq += 1
                    yield t, seq, vi, vj

    def cell_ij(self, lon, lat):
        """The unjittered lattice square holding a point (its cell is this one or a neighbour)."""
        x0, y0, _, _ = EXTENT
        i = min(int((lon - x0) / self.dx), self.nx - 1)
        j = min(int((lat - y0) / self.dy), self.ny - 1)
        return i, j


def township_code(t):
    return f"{COUNTY_CODE}{t + 1:03d}000"


def village_code(t, seq):
    return f"{COUNTY_CODE}{t + 1:03d}{seq:03d}"


def multipolygon(ring):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    return MultiPolygon(Polygon(ring), srid=4326)


def generate(county, seed):
    """Insert the county, townships, villages and cells with bulk_create. Returns seconds taken."""
    from django.db import connection, transaction

    from grid.models import GridCell, Region, RegionLevel

    rng = random.Random(seed + 1)
    started = time.perf_counter()
    side = VILLAGE_SIDE
    with transaction.atomic():
        county_region = Region.objects.create(
            code=f"{COUNTY_CODE}000000",
            name="基准县",
            level=RegionLevel.COUNTY,
            boundary=multipolygon(county.ring(0, 0, county.nx, county.ny)),
        )
        townships = []
        for t in range(county.townships):
            first, last = county.township_columns(t)
            townships.append(
                Region(
                    code=township_code(t),
                    name=f"第{t + 1}镇",
                    level=RegionLevel.TOWNSHIP,
                    parent=county_region,
                    boundary=multipolygon(county.ring(first * side, 0, last * side, county.ny)),
                )
            )
        townships = Region.objects.bulk_create(townships)
        villages, places = [], []
        for t, seq, vi, vj in county.villages():
            villages.append(
                Region(
                    code=village_code(t, seq),
                    name=f"{townships[t].name}{seq}村",
                    level=RegionLevel.VILLAGE,
                    parent=townships[t],
                    boundary=multipolygon(county.ring(vi * side, vj * side, (vi + 1) * side, (vj + 1) * side)),
                )
            )
            places.append((vi, vj))
        villages = Region.objects.bulk_create(villages, batch_size=BATCH)
        batch = []
        for village, (vi, vj) in zip(villages, places, strict=True):
            for n in range(CELLS_PER_VILLAGE):
                i, j = vi * side + n % side, vj * side + n // side
                batch.append(
                    GridCell(
                        code=f"{village.code}{n + 1:03d}",
                        name=f"{village.name}第{n + 1}网格",
                        village=village,
                        households=rng.randint(80, 400),
                        boundary=multipolygon(county.ring(i, j, i + 1, j + 1)),
                    )
                )
            if len(batch) >= BATCH:
                GridCell.objects.bulk_create(batch)
                batch = []
        GridCell.objects.bulk_create(batch)
    # Fresh statistics, or the PostgreSQL planner may prefer walking the code index (ORDER BY code LIMIT 1).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def expected_cell_code(county, villages_by_ij, lon, lat):
    """The code of the cell holding (lon, lat) according to the generator's own geometry (GEOS)."""
    from django.contrib.gis.geos import Point, Polygon

    point = Point(lon, lat)
    ci, cj = county.cell_ij(lon, lat)
    found = []
    for i in range(max(ci - 1, 0), min(ci + 2, county.nx)):
        for j in range(max(cj - 1, 0), min(cj + 2, county.ny)):
            if Polygon(county.ring(i, j, i + 1, j + 1)).intersects(point):
                vi, vj = i // VILLAGE_SIDE, j // VILLAGE_SIDE
                n = (j % VILLAGE_SIDE) * VILLAGE_SIDE + i % VILLAGE_SIDE
                found.append(f"{villages_by_ij[vi, vj]}{n + 1:03d}")
    return min(found) if found else None


# --------------------------------------------------------------------------- databases


def postgres_server_url():
    """scheme://user:password@host:port of BENCH_POSTGRES_URL; any database name in it is ignored."""
    url = urlsplit(os.environ.get("BENCH_POSTGRES_URL", "postgis://postgres@127.0.0.1:5432/"))
    return f"{url.scheme}://{url.netloc}"


def psycopg_dsn(dbname):
    # psycopg wants postgresql://; the database name is always ours.
    return f"postgresql://{urlsplit(postgres_server_url()).netloc}/{dbname}"


def create_database(db):
    if db == "spatialite":
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    with psycopg.connect(psycopg_dsn("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    with psycopg.connect(psycopg_dsn(BENCH_DB), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def drop_database(db):
    from django.db import connections

    connections.close_all()
    if db == "spatialite":
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(psycopg_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def configure_django(db):
    """Point Django at the bench database, as production would run it (DEBUG off: no query log)."""
    if db == "spatialite":
        os.environ["DATABASE_URL"] = f"spatialite:///{SQLITE_PATH}"
    else:
        os.environ["DATABASE_URL"] = f"{postgres_server_url()}/{BENCH_DB}"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "gridgov-bench-not-a-secret"
    os.environ["REDIS_URL"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def holds_county(county, cells):
    """Does the bench database already hold exactly this generated county?"""
    from grid.models import GridCell, Region

    if GridCell.objects.count() != cells:
        return False
    if Region.objects.count() != 1 + county.townships + cells // CELLS_PER_VILLAGE:
        return False
    last = GridCell.objects.order_by("-code").first()
    t, seq, vi, vj = list(county.villages())[-1]
    i, j = (vi + 1) * VILLAGE_SIDE - 1, (vj + 1) * VILLAGE_SIDE - 1
    return last.code == f"{village_code(t, seq)}{CELLS_PER_VILLAGE:03d}" and last.boundary.equals_exact(
        multipolygon(county.ring(i, j, i + 1, j + 1)), tolerance=1e-12
    )


# --------------------------------------------------------------------------- measuring


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def summarize(durations_ns):
    values = sorted(durations_ns)
    total_s = sum(values) / 1e9
    return {
        "n": len(values),
        "per_second": len(values) / total_s if total_s else float("nan"),
        "mean_us": statistics.fmean(values) / 1e3,
        "p50_us": percentile(values, 50) / 1e3,
        "p90_us": percentile(values, 90) / 1e3,
        "p99_us": percentile(values, 99) / 1e3,
        "max_us": values[-1] / 1e3,
    }


def fmt_us(us):
    return f"{us / 1e3:.2f} ms" if us >= 1000 else f"{us:.0f} µs"


def show(label, s):
    print(
        f"  {label:<44} {s['per_second']:>9,.0f}/s   p50 {fmt_us(s['p50_us']):>9}   p90 {fmt_us(s['p90_us']):>9}"
        f"   p99 {fmt_us(s['p99_us']):>9}   max {fmt_us(s['max_us']):>9}   (n={s['n']:,})"
    )


def timed(fn, points):
    out = []
    for lon, lat in points:
        t0 = time.perf_counter_ns()
        fn(lon, lat)
        out.append(time.perf_counter_ns() - t0)
    return out


def random_points(n, seed):
    rng = random.Random(seed)
    x0, y0, x1, y1 = EXTENT
    return [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(n)]


def outside_points(n, seed):
    """Points in a 0.1° band around the county: locate finds no cell and falls back to the regions query."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = EXTENT
    points = []
    while len(points) < n:
        lon, lat = rng.uniform(x0 - 0.1, x1 + 0.1), rng.uniform(y0 - 0.1, y1 + 0.1)
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            points.append((lon, lat))
    return points


def machine_facts(db):
    from django import get_version
    from django.contrib.gis.geos import geos_version
    from django.db import connection

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    facts = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": get_version(),
        "geos (django)": geos_version().decode(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    with connection.cursor() as cursor:
        if db == "postgis":
            cursor.execute("SELECT version(), postgis_full_version()")
            facts["database"], facts["postgis"] = cursor.fetchone()
        else:
            cursor.execute("SELECT sqlite_version(), spatialite_version(), geos_version(), proj_version()")
            sqlite, spatialite, geos, proj = cursor.fetchone()
            facts["database"] = f"SQLite {sqlite}"
            facts["spatialite"] = f"{spatialite} (GEOS {geos}, PROJ {proj})"
    return facts


def cell_query(point):
    """The ORM queryset locate() used to run (kept for the breakdown's comparison)."""
    from grid.location import _covering
    from grid.models import GridCell

    return _covering(GridCell.objects.select_related("village__parent__parent"), point).order_by("code")[:1]


def check_index(db, point):
    """Show that the cell query goes through the spatial index. Returns (ok, plan text)."""
    from django.db import connection

    from grid.location import cell_query as locate_sql

    sql, params = locate_sql(point.x, point.y)
    with connection.cursor() as cursor:
        if db == "postgis":
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'grid_gridcell' AND indexdef ILIKE '%%USING gist%%'"
            )
            gist = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            ok = any(name in plan for name in gist)  # "Index Scan using <gist>" or "Bitmap Index Scan on <gist>"
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            ok = "idx_grid_gridcell_boundary" in plan and "VIRTUAL TABLE" in plan
    return ok, plan


BOUNDARIES = ("boundary", "village__boundary", "village__parent__boundary", "village__parent__parent__boundary")


def lean_lookup_fn(db, column="code"):
    """The smallest query that answers "which cell": one column, no joins, no geometry sent back."""
    from django.db import connection

    if db == "postgis":
        sql = (
            f"SELECT {column} FROM grid_gridcell WHERE ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
            "ORDER BY code LIMIT 1"
        )

        def params(lon, lat):
            return (lon, lat)
    else:
        sql = (
            f"SELECT {column} FROM grid_gridcell WHERE id IN (SELECT pkid FROM idx_grid_gridcell_boundary "
            "WHERE xmin <= %s AND xmax >= %s AND ymin <= %s AND ymax >= %s) "
            "AND ST_Intersects(boundary, MakePoint(%s, %s, 4326)) ORDER BY code LIMIT 1"
        )

        def params(lon, lat):
            return (lon, lon, lat, lat, lon, lat)

    cursor = connection.cursor()

    def run(lon, lat):
        cursor.execute(sql, params(lon, lat))
        return cursor.fetchone()

    return run


CHAIN_COLUMNS = {
    "cell": ("id", "code", "name", "village_id", "kind", "households"),
    "region": ("id", "code", "name", "level", "parent_id"),
}


def hand_written_fn(db):
    """One hand-written query (cell and its three ancestors, no geometries), models built with from_db().

    What locate() could do to skip the ORM's per-call query building; the answer is the same.
    """
    from django.db import connection

    from grid.models import GridCell, Region

    cell_cols = ", ".join(f"c.{name}" for name in CHAIN_COLUMNS["cell"])
    region_cols = ", ".join(f"{alias}.{name}" for alias in ("v", "t", "k") for name in CHAIN_COLUMNS["region"])
    if db == "postgis":
        where = "ST_Intersects(c.boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"

        def params(lon, lat):
            return (lon, lat)
    else:
        where = (
            "c.id IN (SELECT pkid FROM idx_grid_gridcell_boundary WHERE xmin <= %s AND xmax >= %s "
            "AND ymin <= %s AND ymax >= %s) AND ST_Intersects(c.boundary, MakePoint(%s, %s, 4326))"
        )

        def params(lon, lat):
            return (lon, lon, lat, lat, lon, lat)

    sql = (
        f"SELECT {cell_cols}, {region_cols} FROM grid_gridcell c JOIN grid_region v ON v.id = c.village_id "
        f"JOIN grid_region t ON t.id = v.parent_id JOIN grid_region k ON k.id = t.parent_id "
        f"WHERE {where} ORDER BY c.code LIMIT 1"
    )
    cursor = connection.cursor()
    alias = connection.alias
    n_cell, n_region = len(CHAIN_COLUMNS["cell"]), len(CHAIN_COLUMNS["region"])

    def run(lon, lat):
        cursor.execute(sql, params(lon, lat))
        row = cursor.fetchone()
        if row is None:
            return None
        cell = GridCell.from_db(alias, CHAIN_COLUMNS["cell"], row[:n_cell])
        regions = [
            Region.from_db(alias, CHAIN_COLUMNS["region"], row[n_cell + i * n_region : n_cell + (i + 1) * n_region])
            for i in range(3)
        ]
        village, township, county = regions
        cell.village, village.parent, township.parent = village, township, county
        return cell, village, township, county

    return run


def breakdown(db, points):
    """Split one lookup into ORM compile, database round trip (same SQL) and model building."""
    from django.contrib.gis.geos import Point
    from django.db import connection

    from grid.location import _covering
    from grid.models import GridCell

    def compile_only(lon, lat):
        return cell_query(Point(lon, lat, srid=4326)).query.sql_with_params()

    compiled = [compile_only(lon, lat) for lon, lat in points]
    cursor = connection.cursor()
    raw_ns, rows_bytes = [], 0
    for sql, params in compiled:
        t0 = time.perf_counter_ns()
        cursor.execute(sql, params)
        row = cursor.fetchone()
        raw_ns.append(time.perf_counter_ns() - t0)
        rows_bytes += sum(len(v) for v in row if isinstance(v, bytes | memoryview | str))

    def deferred(lon, lat):
        point = Point(lon, lat, srid=4326)
        queryset = GridCell.objects.select_related("village__parent__parent").defer(*BOUNDARIES)
        return _covering(queryset, point).order_by("code").first()

    lean = lean_lookup_fn(db, column="id")
    chain = GridCell.objects.select_related("village__parent__parent").defer(*BOUNDARIES)

    def two_step(lon, lat):
        row = lean(lon, lat)
        return chain.get(pk=row[0]) if row else None

    return {
        "orm_compile": summarize(timed(compile_only, points)),
        "same_sql_raw": summarize(raw_ns),
        "row_bytes_mean": rows_bytes / len(points),
        "deferred_boundaries_orm": summarize(timed(deferred, points)),
        "lean_sql": summarize(timed(lean_lookup_fn(db), points)),
        "lean_sql_then_orm_get": summarize(timed(two_step, points)),
        "hand_written_from_db": summarize(timed(hand_written_fn(db), points)),
    }


def without_index(points):
    """The cell query with no R*Tree pre-filter (SpatiaLite only): every cell is tested."""
    from django.contrib.gis.geos import Point

    from grid.models import GridCell

    def run(lon, lat):
        return GridCell.objects.filter(boundary__intersects=Point(lon, lat, srid=4326)).order_by("code").first()

    return summarize(timed(run, points))


# --------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["spatialite", "postgis"], required=True)
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--keep", action="store_true", help="keep the bench database for the next run")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when the output goes to a file

    county = County(args.cells, args.seed)
    create_database(args.db)
    configure_django(args.db)
    from django.db import connection

    from grid.location import locate

    print(f"gridgov locate benchmark · {args.db} · {connection.settings_dict['NAME']}")
    migrate()
    if holds_county(county, args.cells):
        generation = None
        print(f"reusing the generated county ({args.cells:,} cells, seed {args.seed})")
    else:
        drop_database(args.db)
        create_database(args.db)
        migrate()
        print(
            f"generating {args.cells:,} cells: {county.townships} townships, {county.vx * county.vy:,} villages "
            f"({county.vx} x {county.vy}), cells {county.dx:.4f}° x {county.dy:.4f}°"
        )
        generation = generate(county, args.seed)
        print(f"generated in {generation:.1f} s ({args.cells / generation:,.0f} cells/s, including ANALYZE)")

    facts = machine_facts(args.db)
    for key, value in facts.items():
        print(f"  {key}: {value}")

    points = random_points(args.lookups, args.seed + 2)
    warmup = random_points(args.warmup, args.seed + 3)

    print("\nspatial index")
    from django.contrib.gis.geos import Point

    ok, plan = check_index(args.db, Point(*points[0], srid=4326))
    print("  " + plan.replace("\n", "\n  "))
    print(f"  -> {'uses' if ok else 'DOES NOT USE'} the spatial index")

    from django.conf import settings

    from core import versions
    from grid import location as loc

    started = time.perf_counter()
    index = loc.cells.get()
    built = time.perf_counter() - started
    print(f"\nin-memory index (shapely STRtree): {len(index.rows):,} cells loaded and indexed in {built:.1f} s,")
    limit = settings.LOCATE_IN_MEMORY_MAX_CELLS
    print(f"  holding about {index.memory() / 1e6:,.0f} MB (LOCATE_IN_MEMORY_MAX_CELLS={limit:,})")

    def run_all(label):
        # As in a request: the reference caches' version tokens are read once (core.versions), not per look-up.
        with versions.reading():
            for lon, lat in warmup:
                locate(lon, lat)
            durations, hits, answers = [], 0, []
            for lon, lat in points:
                t0 = time.perf_counter_ns()
                location = locate(lon, lat)
                durations.append(time.perf_counter_ns() - t0)
                if location.cell is not None:
                    hits += 1
                if len(answers) < 1000:
                    answers.append(location.cell.code if location.cell else None)
        result = summarize(durations)
        show(label, result)
        print(f"  on a cell: {hits:,} of {len(points):,}")
        return result, hits, answers

    print(f"\nlocate(lon, lat), one client, {len(points):,} random points in the county after {len(warmup):,} warm-up")
    result, hits, answers = run_all("locate(), from the in-memory index")
    settings.LOCATE_IN_MEMORY = False
    from_database, _hits, database_answers = run_all("locate(), from the database")
    settings.LOCATE_IN_MEMORY = True
    same = sum(a == b for a, b in zip(answers, database_answers, strict=True))
    print(f"  the two agree on {same:,} of {len(answers):,} points")
    cursor = connection.cursor()

    def select_one(lon, lat):
        cursor.execute("SELECT 1")
        cursor.fetchone()

    baseline = summarize(timed(select_one, points[:5000]))
    show("baseline: SELECT 1 on the same connection", baseline)
    bare = summarize(timed(index.find, points))
    show("baseline: the bare STRtree query", bare)
    print(
        f"  -> p99 from memory {result['p99_us']:.0f} µs (goal < 200 µs): {result['p99_us'] / bare['p99_us']:.1f}× the"
        f" bare tree's, {from_database['p99_us'] / result['p99_us']:.1f}× faster than from the database"
    )

    villages_by_ij = {(vi, vj): village_code(t, seq) for t, seq, vi, vj in county.villages()}
    wrong = sum(
        1
        for (lon, lat), code in zip(points, answers, strict=False)
        if code != expected_cell_code(county, villages_by_ij, lon, lat)
    )
    print(f"  answers checked against the generator's geometry: {len(answers) - wrong:,} of {len(answers):,} right")

    outside = outside_points(1000, args.seed + 4)
    miss = summarize(timed(locate, outside))
    show("locate() outside the county (fallback path)", miss)

    sample = points[: min(2000, len(points))]
    print(f"\nwhere the time goes (same cell query, {len(sample):,} points)")
    parts = breakdown(args.db, sample)
    show("ORM: build and compile the queryset", parts["orm_compile"])
    show("database: the same SQL, execute + fetchone", parts["same_sql_raw"])
    size = parts["row_bytes_mean"] / 1024
    print(f"  {'':<44} mean row size {size:,.1f} KiB (boundaries of cell, village, township, county)")
    rest = result["p50_us"] - parts["orm_compile"]["p50_us"] - parts["same_sql_raw"]["p50_us"]
    print(f"  {'rest: models and geometries built (p50 diff.)':<44} {fmt_us(max(rest, 0))}")
    show("ORM, boundaries deferred", parts["deferred_boundaries_orm"])
    show("lean SQL: SELECT code ... LIMIT 1", parts["lean_sql"])
    show("lean SQL for the id, then ORM get(pk), deferred", parts["lean_sql_then_orm_get"])
    show("hand-written SQL, 4 rows' fields, from_db()", parts["hand_written_from_db"])

    no_index = None
    if args.db == "spatialite":
        no_index = without_index(sample[:50])
        show("no R*Tree pre-filter (plain Intersects)", no_index)
        faster = no_index["mean_us"] / parts["same_sql_raw"]["mean_us"]
        print(f"  -> the R*Tree makes the cell query {faster:,.0f}x faster")

    facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at end: {facts['load average at end']} (other processes on the machine skew the figures)")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"locate-{args.db}-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "db": args.db,
                "cells": args.cells,
                "seed": args.seed,
                "generation_s": generation,
                "facts": facts,
                "index_used": ok,
                "plan": plan,
                "locate": result,
                "locate_from_database": from_database,
                "select_1": baseline,
                "bare_strtree": bare,
                "index_build_s": built,
                "index_bytes": index.memory(),
                "hits": hits,
                "checked_wrong": wrong,
                "outside": miss,
                "breakdown": parts,
                "without_index": no_index,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"\nresults: {out.relative_to(ROOT)}")

    if args.keep:
        print(f"kept the bench database ({connection.settings_dict['NAME']})")
    else:
        drop_database(args.db)
        print("dropped the bench database (use --keep to reuse it)")


if __name__ == "__main__":
    main()
