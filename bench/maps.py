"""Benchmark the map layers over HTTP: grid cells by view box and zoom, region boundaries by level.

    .venv/bin/python bench/maps.py --db spatialite|postgis [--cells 100000] [--requests 200] [--keep]

Uses the generated county of bench/locate.py (same generator, same --cells and --seed) in a
database of its own, gridgov_benchmaps (PostGIS on the server in BENCH_POSTGRES_URL, or
var/bench/gridgov_benchmaps.sqlite3), so it never collides with the other benchmarks. To the
county it adds people as demo/county.py has them: a village committee per village, one gridworker
per cell and one volunteer per village holding all its cells, so that every cell feature names
its gridworker and volunteer as it would in service. A superuser with an API token reads the
cells (a superuser sees every cell; the jurisdiction filter is one prefix test for others).

One daphne process (DEBUG off, persistent database connection) serves; one client with one
keep-alive connection sends the requests one after another:

* GET /maps/cells.geojson?bbox=…&zoom=Z for the view of a phone (390 x 844 CSS pixels) and of
  a laptop (1440 x 900) at zoom 16, 14 and 12, each request at a new seeded random place in the
  county (so no two bodies are the same); the cells returned are checked against the
  generator's own geometry (every cell whose bounding box meets the view, and no other);
* the laptop z14 requests again with If-None-Match (their ETags): 304;
* GET /maps/regions.geojson?level=village|township&zoom=Z at zoom 8, 10 and 12 (whole county).

Printed per view: requests per second, p50/p90/p99/max latency, response size in bytes (and
gzip -6 of it, what a compressing proxy would send), features per response; GET /healthz as the
floor. Then, in this process, where one cells response's time goes: the queries (cells, members
prefetch), layers.draw's checks, the serializer and the JSON renderer, beside the main query run
raw and a cheaper way to read the members (see breakdown). Results are also written as JSON
under bench/results/ (ignored by git).
"""

import argparse
import gzip
import http.client
import json
import math
import os
import random
import socket
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import intake as intake_bench  # noqa: E402  (bench/intake.py: start_servers)
import locate as county_bench  # noqa: E402  (bench/locate.py: the generated county and its database)

ROOT = HERE.parent
RESULTS_DIR = ROOT / "bench" / "results"
# A database of our own (locate.py's functions read these module globals when called).
county_bench.BENCH_DB = "gridgov_benchmaps"
county_bench.SQLITE_PATH = ROOT / "var" / "bench" / f"{county_bench.BENCH_DB}.sqlite3"

SCREENS = {"phone": (390, 844), "laptop": (1440, 900)}  # CSS pixels: a common phone, a common laptop
CELL_ZOOMS = (16, 14, 12)
REGION_ZOOMS = (8, 10, 12)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "秀英", "志强", "桂兰", "海燕", "军", "丽", "勇", "敏", "伟")
# The spatial indexes keep bounding boxes as float32 rounded outwards (~8e-6° at lon 114):
# a cell whose box passes within that of the view's edge may come back too.
INDEX_SLACK = 2e-5


# --------------------------------------------------------------------------- the data


def prepare(db, cells, seed):
    """The bench database with the county and its people. Returns (county, generation seconds or None)."""
    county = county_bench.County(cells, seed)
    county_bench.create_database(db)
    county_bench.configure_django(db)
    county_bench.migrate()
    generation = None
    if not (county_bench.holds_county(county, cells) and holds_people(cells)):
        county_bench.drop_database(db)
        county_bench.create_database(db)
        county_bench.migrate()
        print(
            f"generating {cells:,} cells: {county.townships} townships, {county.vx * county.vy:,} villages "
            f"({county.vx} x {county.vy}), cells {county.dx:.4f}° x {county.dy:.4f}°"
        )
        started = time.perf_counter()
        county_bench.generate(county, seed)
        add_people(seed)
        generation = time.perf_counter() - started
        print(f"generated the county and its people in {generation:.1f} s")
    else:
        print(f"reusing the generated county ({cells:,} cells, seed {seed}) and its people")
    return county, generation


def holds_people(cells):
    from grid.models import Member, Role

    return (
        Member.objects.filter(role=Role.GRIDWORKER).count() == cells
        and Member.objects.filter(role=Role.VOLUNTEER).count() == cells // county_bench.CELLS_PER_VILLAGE
    )


def add_people(seed):
    """As demo/county.py: per village a committee, a gridworker per cell, a volunteer for all cells."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from grid.models import GridCell, Member, Region, RegionLevel, Role, Unit, UnitKind

    rng = random.Random(seed + 5)
    User = get_user_model()
    Through = Member.cells.through

    def person(username):
        return User(
            username=username,
            password="!",  # unusable: nobody signs in as them
            last_name=rng.choice(SURNAMES),
            first_name=rng.choice(GIVEN),
        )

    with transaction.atomic():
        villages = list(Region.objects.filter(level=RegionLevel.VILLAGE).defer("boundary").order_by("code"))
        units = Unit.objects.bulk_create(
            [
                Unit(code=f"{v.code}-vc", name=f"{v.name}村委会", kind=UnitKind.VILLAGE_COMMITTEE, region=v)
                for v in villages
            ],
            batch_size=county_bench.BATCH,
        )
        unit_of = {unit.region_id: unit for unit in units}
        cells = list(GridCell.objects.defer("boundary").order_by("code").values_list("pk", "code", "village_id"))
        users = [person(f"gw-{code}") for _pk, code, _v in cells]
        users += [person(f"vol-{v.code}") for v in villages]
        users = User.objects.bulk_create(users, batch_size=county_bench.BATCH)
        members = [
            Member(user=u, role=Role.GRIDWORKER, unit=unit_of[v])
            for u, (_pk, _c, v) in zip(users[: len(cells)], cells, strict=True)
        ]
        members += [
            Member(user=u, role=Role.VOLUNTEER, unit=unit_of[v.pk])
            for u, v in zip(users[len(cells) :], villages, strict=True)
        ]
        members = Member.objects.bulk_create(members, batch_size=county_bench.BATCH)
        volunteer_of = {m.unit.region_id: m for m in members[len(cells) :]}
        links = [
            Through(member_id=m.pk, gridcell_id=pk)
            for m, (pk, _c, _v) in zip(members[: len(cells)], cells, strict=True)
        ]
        links += [Through(member_id=volunteer_of[v].pk, gridcell_id=pk) for pk, _c, v in cells]
        Through.objects.bulk_create(links, batch_size=county_bench.BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def reader_token():
    """A superuser (sees every cell) with an API token, as bench/intake.py authenticates."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(
        username="bench-maps-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    return user, Token.objects.get_or_create(user=user)[0].key


# Cases (--cases N, PostGIS): made by SQL in one statement, spread over the cells with a skew (some
# townships busier than others), a realistic mix of states and grades, created over the past year;
# the map's squares are then rebuilt from them (maps.casemap.rebuild).
CASES_SQL = """
CREATE TEMP TABLE bench_cells AS
SELECT row_number() OVER (ORDER BY c.id) AS rn, c.id, c.code, c.village_id, u.id AS unit_id,
       ST_X(ST_Centroid(c.boundary)) AS x, ST_Y(ST_Centroid(c.boundary)) AS y
  FROM grid_gridcell c JOIN grid_unit u ON u.region_id = c.village_id AND u.code LIKE '%%-vc';
CREATE TEMP TABLE bench_categories AS
SELECT row_number() OVER (ORDER BY id) AS rn, id, kind FROM disputes_category;
SELECT setseed(%(seed)s);
INSERT INTO disputes_case (
    number, verification_code, kind, category_id, grade, severity, description, point, cell_id, region_id,
    area_code, state, handling, first_unit_id, current_unit_id, version, stage_limit, stage_pauses, paused_from,
    mediation_source, reason, rework_count, resident_rating, created_at, due_at, due_provisional)
SELECT 'B' || lpad(g.i::text, 9, '0'), '000000', k.kind, k.id,
       (ARRAY['green','green','green','green','yellow','yellow','yellow','orange','orange','red'])
           [1 + (r.a * 10)::int %% 10],
       1, '压测案件 ' || g.i,
       ST_SetSRID(ST_MakePoint(c.x + (r.b - 0.5) * 0.0015, c.y + (r.c - 0.5) * 0.0024), 4326),
       c.id, c.village_id, c.code,
       (ARRAY['closed','closed','closed','closed','closed','closed','reported','accepted','dispatched',
              'in_progress','resolved','verified','deferred','rejected','merged','awaiting_materials'])
           [1 + (r.d * 16)::int %% 16],
       'promised', c.unit_id, c.unit_id, 1, '{}'::jsonb, '[]'::jsonb, '', '', '', 0, '',
       now() - r.e * interval '365 days', now() - r.e * interval '365 days' + interval '15 days', false
  FROM generate_series(1, %(n)s) AS g(i)
  CROSS JOIN LATERAL (SELECT random() a, random() b, random() c, random() d, random() e, random() f,
                             random() h, g.i AS keep) r
  JOIN bench_cells c ON c.rn = 1 + floor(power(r.f, 1.3) * %(cells)s)::int %% %(cells)s
  JOIN bench_categories k ON k.rn = 1 + floor(r.h * %(categories)s)::int %% %(categories)s;
DROP TABLE bench_cells;
DROP TABLE bench_categories;
"""


def holds_cases(n):
    from disputes.models import Case

    return Case.objects.filter(number__startswith="B").count() == n


def add_cases(n, seed):
    from django.db import connection

    from disputes.models import Category
    from grid.models import GridCell
    from maps import casemap

    values = {"seed": (seed % 1000) / 1000, "n": n, "cells": GridCell.objects.count()}
    values["categories"] = Category.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM disputes_case WHERE number LIKE 'B%'")
        for statement in (CASES_SQL % values).split(";\n"):
            if statement.strip():
                cursor.execute(statement)
    casemap.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --------------------------------------------------------------------------- views


def view_box(lon, lat, zoom, width_px, height_px):
    """The lon/lat box a Web Mercator map of width_px x height_px CSS pixels shows at `zoom`."""
    world = 256 * 2**zoom  # pixels round the equator
    half_lon = width_px / world * 360 / 2
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    half_y = height_px / world * 2 * math.pi / 2

    def to_lat(v):
        return math.degrees(2 * math.atan(math.exp(v)) - math.pi / 2)

    return (lon - half_lon, to_lat(y - half_y), lon + half_lon, to_lat(y + half_y))


def random_boxes(n, zoom, screen, seed):
    """`n` views at `zoom` on `screen`, centred at seeded random places, each wholly inside the county."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = county_bench.EXTENT
    w, h = SCREENS[screen]
    sample = view_box((x0 + x1) / 2, (y0 + y1) / 2, zoom, w, h)
    half_w, half_h = (sample[2] - sample[0]) / 2, (sample[3] - sample[1]) / 2
    boxes = []
    for _ in range(n):
        lon = rng.uniform(x0 + half_w, x1 - half_w)
        lat = rng.uniform(y0 + half_h * 1.01, y1 - half_h * 1.01)
        boxes.append(tuple(round(v, 6) for v in view_box(lon, lat, zoom, w, h)))
    return boxes


class Expected:
    """Which cells' bounding boxes meet a box, from the generator's own vertices."""

    def __init__(self, county):
        self.county = county
        self.villages = {(vi, vj): county_bench.village_code(t, seq) for t, seq, vi, vj in county.villages()}

    def code(self, i, j):
        side = county_bench.VILLAGE_SIDE
        return f"{self.villages[i // side, j // side]}{(j % side) * side + i % side + 1:03d}"

    def bounds(self, i, j):
        corners = [self.county.vertex(a, b) for a, b in ((i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1))]
        xs, ys = [x for x, _ in corners], [y for _, y in corners]
        return min(xs), min(ys), max(xs), max(ys)

    def cells(self, box, slack=0.0):
        c = self.county
        x0, y0, _, _ = county_bench.EXTENT
        minlon, minlat, maxlon, maxlat = box[0] - slack, box[1] - slack, box[2] + slack, box[3] + slack
        i0, i1 = max(int((minlon - x0) / c.dx) - 1, 0), min(int((maxlon - x0) / c.dx) + 2, c.nx)
        j0, j1 = max(int((minlat - y0) / c.dy) - 1, 0), min(int((maxlat - y0) / c.dy) + 2, c.ny)
        found = set()
        for i in range(i0, i1):
            for j in range(j0, j1):
                bx0, by0, bx1, by1 = self.bounds(i, j)
                if bx0 <= maxlon and bx1 >= minlon and by0 <= maxlat and by1 >= minlat:
                    found.add(self.code(i, j))
        return found


# --------------------------------------------------------------------------- measuring


class Client:
    """One keep-alive HTTP connection; get() returns (seconds, status, body, headers)."""

    def __init__(self, port, token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Token {token}"} if token else {}

    def get(self, path, **headers):
        started = time.perf_counter()
        self.conn.request("GET", path, headers={**self.headers, **headers})
        response = self.conn.getresponse()
        body = response.read()
        return time.perf_counter() - started, response.status, body, response


def pct(values, p):
    return county_bench.percentile(sorted(values), p)


def latency(seconds):
    """Like locate.summarize, from seconds; per_second is one client's rate (1 / mean latency)."""
    values = sorted(seconds)
    return {
        "n": len(values),
        "per_second": len(values) / sum(values),
        "p50_ms": pct(values, 50) * 1e3,
        "p90_ms": pct(values, 90) * 1e3,
        "p99_ms": pct(values, 99) * 1e3,
        "max_ms": values[-1] * 1e3,
    }


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fmt_ms(ms):
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.1f} ms"


def fmt_bytes(n):
    if n >= 1e6:
        return f"{n / 1e6:.2f} MB"
    return f"{n / 1e3:.1f} kB" if n >= 1e3 else f"{n:.0f} B"


def show(label, row):
    lat, size, features = row["latency"], row["bytes"], row["features"]
    print(
        f"  {label:<22} {lat['per_second']:>6.1f}/s  p50 {fmt_ms(lat['p50_ms']):>8}  p90 {fmt_ms(lat['p90_ms']):>8}"
        f"  p99 {fmt_ms(lat['p99_ms']):>8}  max {fmt_ms(lat['max_ms']):>8}  {fmt_bytes(size['median']):>8}"
        f" (gzip {fmt_bytes(row['gzip_bytes']['median']):>8})  features {features['median']:>7,.0f}"
        f" [{features['min']:,}–{features['max']:,}]  n={lat['n']}"
    )


def run(client, paths, budget, warmup=3, check=None):
    """GET each path in turn (after `warmup` untimed ones) until all are done or `budget` seconds pass."""
    for path in paths[:warmup]:
        client.get(path)
    seconds, sizes, gzipped, features, vertices, etags, problems = [], [], [], [], [], [], []
    deadline = time.monotonic() + budget
    for index, path in enumerate(paths[warmup:]):
        took, status, body, response = client.get(path)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}: {body[:300]!r}")
        seconds.append(took)
        sizes.append(len(body))
        collection = json.loads(body)
        features.append(len(collection["features"]))
        if index < 20:  # gzip and vertex counting cost client time; a sample is enough
            gzipped.append(len(gzip.compress(body, 6)))
            vertices.append(sum(vertex_count(f["geometry"]) for f in collection["features"]))
        etags.append((path, response.getheader("ETag")))
        if check is not None:
            problem = check(index, collection)
            if problem:
                problems.append(problem)
        if time.monotonic() > deadline and len(seconds) >= 10:
            break
    return {
        "latency": latency(seconds),
        "bytes": spread(sizes),
        "gzip_bytes": spread(gzipped),
        "features": spread(features),
        "vertices_per_feature": sum(vertices) / max(sum(features[: len(vertices)]), 1),
        "problems": problems,
        "etags": etags,
    }


def vertex_count(geometry):
    from maps.layers import vertex_count

    return vertex_count(geometry)


def cells_path(box, zoom):
    return "/maps/cells.geojson?" + urlencode({"bbox": ",".join(f"{v:.6f}" for v in box), "zoom": zoom})


def regions_path(level, zoom):
    return "/maps/regions.geojson?" + urlencode({"level": level, "zoom": zoom})


def cell_checker(expected, boxes, limit=50):
    """Check the first `limit` answers: every expected cell present, extras only within the index's slack."""

    def check(index, collection):
        if index >= limit:
            return None
        box = boxes[index]
        got = {feature["id"] for feature in collection["features"]}
        missing = expected.cells(box) - got
        extra = got - expected.cells(box, slack=INDEX_SLACK)
        bad = [f["id"] for f in collection["features"] if f["geometry"]["type"] != "MultiPolygon"]
        unnamed = [f["id"] for f in collection["features"] if len(f["properties"]["gridworkers"]) != 1]
        if missing or extra or bad or unnamed:
            return {
                "box": box,
                "missing": sorted(missing)[:5],
                "extra": sorted(extra)[:5],
                "not_multipolygon": bad[:5],
                "without_one_gridworker": unnamed[:5],
            }
        return None

    check.limit = limit
    return check


def revalidate(client, etags, budget):
    """The same requests again with If-None-Match: the server still builds the body, but sends 304."""
    seconds = []
    deadline = time.monotonic() + budget
    for path, etag in etags:
        took, status, body, _ = client.get(path, **{"If-None-Match": etag})
        if status != 304:
            raise SystemExit(f"{path} with If-None-Match: HTTP {status}, expected 304")
        seconds.append(took)
        if time.monotonic() > deadline and len(seconds) >= 10:
            break
    return latency(seconds)


def breakdown(user, box, zoom, repeat):
    """Where one cells.geojson response's time goes, in this process (no HTTP): median ms per phase.

    queries: the view's queryset evaluated (cells, then the members prefetch with their users);
    cells_sql: its main query alone, run raw (the database simplifying and writing GeoJSON);
    cells_orm: the same queryset without the prefetch; members_values: the members the prefetch
    loads, fetched instead as plain values in one query that selects the cells by a subquery (an
    alternative, not what the view does; with a list of 11,000 ids instead, SQLite's plan takes a minute);
    then layers.draw (shape checks), the serializer, and the JSON renderer.
    """
    from django.db import connection, reset_queries
    from rest_framework.renderers import JSONRenderer
    from rest_framework.test import APIRequestFactory, force_authenticate

    from maps import layers
    from maps.views import CellLayer

    phases = {name: [] for name in ("queries", "draw", "serialize", "render", "cells_sql", "cells_orm")}
    phases["members_values"] = []
    queries = 0
    for _ in range(repeat):
        request = APIRequestFactory().get(cells_path(box, zoom))
        force_authenticate(request, user=user)
        view = CellLayer()
        view.setup(request)
        view.request = view.initialize_request(request)
        view.format_kwarg, view.headers = None, {}
        view.zoom = zoom
        queryset = view.filter_queryset(view.get_queryset())

        sql, sql_params = queryset.query.sql_with_params()
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            cursor.fetchall()
        phases["cells_sql"].append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        list(queryset._chain().prefetch_related(None))
        phases["cells_orm"].append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        list(layers.assignments(view.filter_queryset(layers.cells_visible_to(user))))
        phases["members_values"].append((time.perf_counter() - t) * 1e3)

        t0 = time.perf_counter()
        connection.force_debug_cursor = True
        reset_queries()
        rows = list(queryset)
        queries = len(connection.queries)
        connection.force_debug_cursor = False
        t1 = time.perf_counter()
        layers.draw(rows, zoom)
        t2 = time.perf_counter()
        data = view.get_serializer(rows, many=True).data
        t3 = time.perf_counter()
        JSONRenderer().render(data)
        t4 = time.perf_counter()
        for name, took in (("queries", t1 - t0), ("draw", t2 - t1), ("serialize", t3 - t2), ("render", t4 - t3)):
            phases[name].append(took * 1e3)
    result = {name: statistics.median(values) for name, values in phases.items()}
    result["total"] = sum(result[name] for name in ("queries", "draw", "serialize", "render"))
    result["members_prefetch"] = result["queries"] - result["cells_orm"]
    result["queries_count"] = queries
    result["features"] = len(rows)
    return result


def port_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


# --------------------------------------------------------------------------- cases (--cases)

CASE_ZOOMS = (10, 11, 12, 13, 14, 15, 16)  # a county on a laptop, down to a street
MVT_SQL = """
SELECT ST_AsMVT(q, 'cases', 4096, 'geom') FROM (
  SELECT id, state, grade,
         ST_AsMVTGeom(ST_Transform(point, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
    FROM disputes_case
   WHERE point && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326)) q
"""


def tile_of(lon, lat, zoom):
    n = 2**zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return int((lon + 180) / 360 * n), int((1 - y / math.pi) / 2 * n)


def cases_path(box, zoom):
    return "/maps/cases.geojson?" + urlencode({"bbox": ",".join(f"{v:.6f}" for v in box), "zoom": zoom})


def p95(values):
    return pct(values, 95)


def measure_cases(client, user, args):
    """The case layer at each zoom over HTTP, beside the same answer computed in this process and a
    bare ST_AsMVT of the tile at the view's centre (one 256-pixel tile; a laptop view shows ~20)."""
    from django.contrib.gis.geos import Polygon
    from django.db import connection

    from disputes.models import Case
    from maps import casemap

    rows = {}
    print(f"\nGET /maps/cases.geojson?bbox=…&zoom=Z, laptop view (1440x900), {args.cases:,} cases, one client")
    print(
        "  zoom  source    p50       p95       p99       bytes (gzip)        features  cases in view"
        "   in-process p95   ST_AsMVT tile p95 (bytes)"
    )
    for zoom in CASE_ZOOMS:
        boxes = random_boxes(args.requests + 3, zoom, "laptop", args.seed * 100 + zoom)
        for box in boxes[:3]:
            client.get(cases_path(box, zoom))
        seconds, sizes, gzipped, features, counts, sources = [], [], [], [], [], set()
        deadline = time.monotonic() + args.budget
        for box in boxes[3:]:
            took, status, body, _ = client.get(cases_path(box, zoom))
            if status != 200:
                raise SystemExit(f"zoom {zoom}: HTTP {status}: {body[:300]!r}")
            seconds.append(took)
            sizes.append(len(body))
            answer = json.loads(body)
            features.append(len(answer["features"]))
            counts.append(answer["count"])
            sources.add(answer["source"])
            if len(gzipped) < 20:
                gzipped.append(len(gzip.compress(body, 6)))
            if time.monotonic() > deadline and len(seconds) >= 10:
                break
        # The same answers computed here, without HTTP, DRF or JSON: the floor of this design.
        inproc = []
        for box in boxes[3:33]:
            polygon = Polygon.from_bbox(box)
            polygon.srid = 4326
            started = time.perf_counter()
            if zoom >= casemap.POINTS_FROM_ZOOM:
                list(Case.objects.filter(point__contained=polygon)[: casemap.MAX_POINTS + 1])
            elif casemap.level_for(zoom) is not None:
                casemap.clusters_from_summary(casemap.level_for(zoom), [""], polygon, zoom)
            else:
                casemap.clusters_from_cases(Case.objects.filter(point__contained=polygon), zoom)
            inproc.append(time.perf_counter() - started)
        # A bare vector tile of the cases (no clustering), where one tile stays small enough to time.
        mvt, mvt_bytes = [], []
        if zoom >= 13:
            for box in boxes[3:23]:
                x, y = tile_of((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, zoom)
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(MVT_SQL, {"z": zoom, "x": x, "y": y})
                    tile = cursor.fetchone()[0]
                mvt.append(time.perf_counter() - started)
                mvt_bytes.append(len(tile or b""))
        row = {
            "latency": latency(seconds),
            "p95_ms": p95(seconds) * 1e3,
            "bytes": spread(sizes),
            "gzip_bytes": spread(gzipped),
            "features": spread(features),
            "cases_in_view": spread(counts),
            "source": sorted(sources),
            "in_process_p95_ms": p95(inproc) * 1e3,
            "mvt_tile_p95_ms": p95(mvt) * 1e3 if mvt else None,
            "mvt_tile_bytes": spread(mvt_bytes) if mvt else None,
        }
        rows[zoom] = row
        lat = row["latency"]
        mvt_text = (
            f"{fmt_ms(row['mvt_tile_p95_ms']):>8} ({fmt_bytes(row['mvt_tile_bytes']['median'])})"
            if mvt
            else "       — (a tile holds 10^5 cases)"
        )
        print(
            f"  z{zoom:<4} {'/'.join(row['source']):<8} {fmt_ms(lat['p50_ms']):>8}  {fmt_ms(row['p95_ms']):>8}"
            f"  {fmt_ms(lat['p99_ms']):>8}  {fmt_bytes(row['bytes']['median']):>8}"
            f" ({fmt_bytes(row['gzip_bytes']['median']):>8})"
            f"  {row['features']['median']:>8,.0f}  {row['cases_in_view']['median']:>12,.0f}"
            f"   {fmt_ms(row['in_process_p95_ms']):>14}   {mvt_text}  n={lat['n']}"
        )
    return rows


def measure_list(client, args):
    """The case list: the first page, a page 10,000 rows deep by cursor (keyset), and the same depth
    by page number (COUNT + OFFSET, what the list did before)."""
    from django.db import connection

    from core.pagination import KeysetPages

    with connection.cursor() as cursor:
        cursor.execute("SELECT created_at, id FROM disputes_case ORDER BY created_at DESC, id DESC OFFSET 9999 LIMIT 1")
        at, pk = cursor.fetchone()

    class Row:
        created_at, pk_ = at, pk

    row = Row()
    row.pk = pk
    cursor_value = KeysetPages().make_cursor(row)
    paths = {
        "first page (keyset)": "/api/cases/?page_size=100",
        "10,000 rows deep (cursor)": f"/api/cases/?page_size=100&cursor={cursor_value}",
        "10,000 rows deep (page=101)": "/api/cases/?page_size=100&page=101",
    }
    result = {}
    print(f"\nGET /api/cases/ (100 rows a page), {args.cases:,} cases")
    for label, path in paths.items():
        client.get(path)
        seconds = []
        deadline = time.monotonic() + args.budget / 2
        for _ in range(min(args.requests, 50)):
            took, status, body, _ = client.get(path)
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status}: {body[:300]!r}")
            seconds.append(took)
            if time.monotonic() > deadline and len(seconds) >= 5:
                break
        lat = latency(seconds)
        result[label] = {**lat, "p95_ms": p95(seconds) * 1e3}
        print(
            f"  {label:<28} p50 {fmt_ms(lat['p50_ms']):>8}  p95 {fmt_ms(p95(seconds) * 1e3):>8}"
            f"  p99 {fmt_ms(lat['p99_ms']):>8}  n={lat['n']}"
        )
    return result


# --------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["spatialite", "postgis"], required=True)
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per view (at most)")
    parser.add_argument("--budget", type=float, default=30, help="seconds per view before it stops early")
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--keep", action="store_true", help="keep the bench database for the next run")
    parser.add_argument("--cases", type=int, default=0, help="PostGIS: this many cases for the case layer and list")
    parser.add_argument("--only-cases", action="store_true", help="measure the case layer and list only")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    started = time.monotonic()

    county, generation = prepare(args.db, args.cells, args.seed)
    from django.db import connection

    if args.cases:
        if args.db != "postgis":
            raise SystemExit("--cases needs --db postgis (the cases are made by SQL)")
        if holds_cases(args.cases):
            print(f"reusing the generated cases ({args.cases:,})")
        else:
            print(f"generating {args.cases:,} cases and the map's squares …")
            started_cases = time.perf_counter()
            add_cases(args.cases, args.seed)
            print(f"generated the cases in {time.perf_counter() - started_cases:.1f} s")

    from grid.models import GridCell, Member, Region

    user, token = reader_token()
    print(
        f"gridgov map layers benchmark · {args.db} · {connection.settings_dict['NAME']} · "
        f"{GridCell.objects.count():,} cells, {Region.objects.count():,} regions, {Member.objects.count():,} members"
    )
    facts = county_bench.machine_facts(args.db)
    for key, value in facts.items():
        print(f"  {key}: {value}")

    if not port_free(args.port):
        raise SystemExit(f"port {args.port} is taken: use --port")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    # One daphne process; a persistent connection, as production keeps one (PostGIS: a pool instead).
    # MAPS_MAX_CELLS=0: the laptop z12 view (11,700 cells) is over the default limit, measured anyway.
    servers = intake_bench.start_servers(
        1, port=args.port, name=f"maps-{args.db}", DB_CONN_MAX_AGE="600", MAPS_MAX_CELLS="0"
    )
    expected = Expected(county)
    cells, regions, revalidation, parts = {}, {}, {}, {}
    try:
        client = Client(args.port, token)
        for _ in range(5):
            client.get("/healthz")
        floor = latency([client.get("/healthz")[0] for _ in range(200)])
        print(
            f"\nGET /healthz (daphne round trip, a database connection, SELECT 1): p50 {fmt_ms(floor['p50_ms'])}"
            f"  p99 {fmt_ms(floor['p99_ms'])}  n={floor['n']}"
        )
        case_rows, list_rows = {}, {}
        if args.cases:
            case_rows = measure_cases(client, user, args)
            list_rows = measure_list(client, args)
        if not args.only_cases:
            print(f"\nGET /maps/cells.geojson?bbox=…&zoom=Z, one client, one daphne, up to {args.requests} views each")
            for zoom in CELL_ZOOMS:
                for screen in SCREENS:
                    label = f"{screen} z{zoom} ({SCREENS[screen][0]}x{SCREENS[screen][1]})"
                    boxes = random_boxes(args.requests + 3, zoom, screen, args.seed * 100 + zoom)
                    paths = [cells_path(box, zoom) for box in boxes]
                    row = run(client, paths, args.budget, check=cell_checker(expected, boxes[3:]))
                    cells[label] = row
                    show(label, row)
                    if row["problems"]:
                        print(f"    WRONG ANSWERS: {len(row['problems'])}; first: {row['problems'][0]}")
                    if screen == "laptop" and zoom == 14:
                        revalidation[label] = revalidate(client, row["etags"][:50], args.budget / 2)
                        r = revalidation[label]
                        print(
                            f"  {'  same, If-None-Match':<22} {r['per_second']:>6.1f}/s  p50 {fmt_ms(r['p50_ms']):>8}"
                            f"  p90 {fmt_ms(r['p90_ms']):>8}  p99 {fmt_ms(r['p99_ms']):>8}  → 304, no body  n={r['n']}"
                        )
            checked = sum(min(row["latency"]["n"], 50) for row in cells.values())
            wrong = sum(len(row["problems"]) for row in cells.values())
            print(f"  answers checked against the generator's geometry: {checked - wrong} of {checked} right")

            print(f"\nGET /maps/regions.geojson?level=L&zoom=Z (whole county, no bbox), up to {args.requests} each")
            anonymous = Client(args.port)
            for level in ("village", "township"):
                for zoom in REGION_ZOOMS:
                    label = f"{level} z{zoom}"
                    row = run(anonymous, [regions_path(level, zoom)] * (args.requests + 3), args.budget)
                    regions[label] = row
                    show(label, row)
                    print(f"  {'':<22} {row['vertices_per_feature']:,.1f} vertices a feature")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)

    if not args.only_cases:
        print("\nwhere a cells response's time goes, in this process (no HTTP), median ms of 5")
        print(
            "  view         cells   queries =    cells + members       draw  serialize    render     total"
            "   cells SQL   members\n"
            "                                    (ORM)   prefetch                                 "
            "           raw  values()"
        )
        for zoom in CELL_ZOOMS:
            for screen in SCREENS:
                label = f"{screen} z{zoom}"
                box = random_boxes(1, zoom, screen, args.seed * 100 + zoom)[0]
                parts[label] = p = breakdown(user, box, zoom, repeat=5)
                print(
                    f"  {label:<11} {p['features']:>6,}  {p['queries']:>8,.1f} = {p['cells_orm']:>8,.1f}"
                    f" + {p['members_prefetch']:>8,.1f}  {p['draw']:>8,.1f}  {p['serialize']:>9,.1f}"
                    f"  {p['render']:>8,.1f}  {p['total']:>8,.1f}   {p['cells_sql']:>9,.1f}"
                    f"  {p['members_values']:>8,.1f}"
                )

    facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at end: {facts['load average at end']}; run took {time.monotonic() - started:.0f} s")
    for row in cells.values():
        row.pop("etags")
    for row in regions.values():
        row.pop("etags")
    out = RESULTS_DIR / f"maps-{args.db}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(
        json.dumps(
            {
                "db": args.db,
                "cells_generated": args.cells,
                "seed": args.seed,
                "generation_s": generation,
                "facts": facts,
                "cells": cells,
                "healthz": floor,
                "revalidation": revalidation,
                "regions": regions,
                "breakdown": parts,
                "cases": {"generated": args.cases, "layer": case_rows, "list": list_rows},
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"results: {out.relative_to(ROOT)}")

    if args.keep:
        print(f"kept the bench database ({connection.settings_dict['NAME']})")
    else:
        county_bench.drop_database(args.db)
        print("dropped the bench database (use --keep to reuse it)")


if __name__ == "__main__":
    main()
