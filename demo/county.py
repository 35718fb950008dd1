"""The demo county: a made-up but plausible 化德县 with townships, villages, grid cells, units and people.

Everything is deterministic: the same seed, the same sorted inputs and the same
geometry library give the same codes, names, boundaries and usernames on every
run, so a demo, a screenshot or a bug report can be reproduced.

The shapes are nested Voronoi tessellations inside the real county boundary:
townships tile the county, villages tile their township, cells tile their
village. Each level clips its Voronoi polygons to its parent, so children cover
the parent with no gaps or overlaps beyond floating-point noise, and every point
in the county lies in exactly one cell.

`plan_county()` and `plan_people()` are pure; `seed_demo()` writes them in one transaction.
"""

import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.db.models import Count, ProtectedError
from django.utils.translation import gettext as _

from core import versions
from grid.members import check_cells, sync_admin_access
from grid.models import GridCell, GridCellKind, Member, Region, RegionLevel, Role, Unit, UnitKind

SEED = 150922
COUNTY_CODE = "150922000000"
COUNTY_NAME = "化德县"
BOUNDARY_FILE = Path(__file__).resolve().parent / "data" / "huade-150922.geojson"
DEFAULT_PASSWORD = "gridgov-demo"
ADMIN_USERNAME = "admin"

VILLAGE_COUNT = 87  # villages and communities together
CELL_COUNT = 325
MIN_CELLS, MAX_CELLS = 3, 4
LLOYD_ITERATIONS = 5


@dataclass(frozen=True)
class TownshipSpec:
    code: str
    name: str
    short: str  # the township's name without 镇/乡, as its offices are named
    communities: int  # 社区 at the seat, numbered 0xx
    dedicated: int  # 专属网格 at the seat


TOWNSHIPS = (
    TownshipSpec("150922100000", "长顺镇", "长顺", 3, 7),  # the county seat
    TownshipSpec("150922101000", "朝阳镇", "朝阳", 2, 4),
    TownshipSpec("150922102000", "七号镇", "七号", 2, 4),
    TownshipSpec("150922200000", "德包图乡", "德包图", 0, 2),
    TownshipSpec("150922201000", "公腊胡洞乡", "公腊胡洞", 0, 2),
    TownshipSpec("150922202000", "白音特拉乡", "白音特拉", 0, 2),
)

FACILITIES = ("中心小学", "集贸市场", "卫生院", "中学", "敬老院", "客运站", "工业园区")

COUNTY_UNITS = (
    (UnitKind.COUNTY_CENTRE, "化德县综治中心"),
    (UnitKind.COUNTY_JUSTICE, "化德县司法局"),
    (UnitKind.COUNTY_POLICE, "化德县公安局"),
    (UnitKind.COUNTY_PETITION, "化德县信访局"),
    (UnitKind.COUNTY_HRSS, "化德县人力资源和社会保障局"),
    (UnitKind.COUNTY_RESOURCES, "化德县自然资源局"),
    (UnitKind.COUNTY_MARKET, "化德县市场监督管理局"),
    (UnitKind.COUNTY_HOUSING, "化德县住房和城乡建设局"),
    (UnitKind.COUNTY_ENVIRONMENT, "乌兰察布市生态环境局化德县分局"),
    (UnitKind.COUNTY_AGRICULTURE, "化德县农牧局"),
    (UnitKind.COUNTY_HEALTH, "化德县卫生健康委员会"),
)
TOWNSHIP_UNITS = (  # kind, name pattern
    (UnitKind.TOWNSHIP_CENTRE, "{name}综治中心"),
    (UnitKind.JUSTICE_OFFICE, "{short}司法所"),
    (UnitKind.POLICE_STATION, "{short}派出所"),
    (UnitKind.MARKET_OFFICE, "{short}市场监管所"),
    (UnitKind.RESOURCES_OFFICE, "{short}自然资源所"),
)
# Departments (职能部门) get department staff; centres and committees get their own roles.
DEPARTMENT_KINDS = {UnitKind.POLICE_STATION, UnitKind.MARKET_OFFICE, UnitKind.RESOURCES_OFFICE} | {
    kind for kind, _name in COUNTY_UNITS if kind != UnitKind.COUNTY_CENTRE
}

# Village names in the style of the region: family settlements, numbered gullies, compass
# points and landforms, and a few Mongolian names.
PLACE_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马胡朱郭何高林罗郑梁谢宋韩冯于董程曹袁邓许苏贾丁魏薛田任范石姚郝白崔康孟段贺乔武常"
)
FAMILY_SUFFIXES = ("营", "沟", "梁", "窑", "湾", "坊", "屯", "堡", "店", "地", "滩", "井", "圪旦", "营子")
NUMERALS = "头二三四五六七八九"
NUMBERED_FEATURES = ("道沟", "道营", "号", "股泉", "道河", "道洼")
QUALIFIERS = "东西南北前后大小上下新"
LANDFORMS = ("滩", "井", "河", "湾", "洼", "坝", "台", "房", "淖", "营子", "河子", "圪洞", "梁", "沟")
MONGOLIAN_PLACES = (
    "乌兰哈达",
    "哈拉乌素",
    "查干敖包",
    "白音淖",
    "哈达图",
    "乌兰淖",
    "巴彦淖",
    "阿拉坦",
    "沙拉哈达",
    "好来宝",
)
COMMUNITY_NAMES = ("新华", "团结", "富民", "振兴", "和平", "民主", "幸福", "建设", "兴隆", "育才", "南苑", "滨河")

FAMILY_NAMES = (
    "王李张刘陈杨赵黄周吴徐孙马胡朱郭何高林罗郑梁谢宋唐韩冯于董程"  # the commonest first
    "曹袁邓许傅沈彭吕苏卢蒋蔡贾丁魏薛叶闫杜田任姜范石姚郝白崔康孟"
)
GIVEN_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华文玉兰红梅海峰志国庆春燕晓东永辉鑫宇浩俊欣雪琳佳慧建新秀英凤荣宏斌利"
)


# ---------------------------------------------------------------- geometry


def load_county_boundary(path=BOUNDARY_FILE):
    """The county's boundary as a valid shapely MultiPolygon (the shipped ring touches itself once)."""
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    shapes = [shapely.geometry.shape(feature["geometry"]) for feature in collection["features"]]
    return polygonal(shapely.make_valid(shapely.union_all(shapes)))


def polygonal(geometry):
    """The polygon parts of a geometry as a MultiPolygon (clipping can leave stray lines and points)."""
    polygons = []
    for part in shapely.get_parts(geometry):
        if isinstance(part, shapely.Polygon):
            if not part.is_empty:
                polygons.append(part)
        elif isinstance(part, shapely.MultiPolygon | shapely.GeometryCollection):
            polygons.extend(polygonal(part).geoms)
    return shapely.MultiPolygon(polygons)


def sample_points(shape, count, rng):
    """`count` uniformly random points inside `shape`, by rejection."""
    shapely.prepare(shape)
    xmin, ymin, xmax, ymax = shape.bounds
    points = []
    while len(points) < count:
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if shapely.contains_xy(shape, x, y):
            points.append((x, y))
    return points


def voronoi_pieces(shape, seeds):
    """The Voronoi polygon of each seed, clipped to `shape`, in the order of the seeds."""
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=shape, ordered=True)
    pieces = [polygonal(cell.intersection(shape)) for cell in diagram.geoms]
    if len(pieces) != len(seeds) or any(piece.is_empty for piece in pieces):
        raise ValueError("seeds must be distinct points inside the shape")
    return pieces


def relax(shape, seeds, iterations=LLOYD_ITERATIONS, fixed=0):
    """Lloyd relaxation: move each seed (but the first `fixed`) to the centre of its piece, for rounder pieces."""
    shapely.prepare(shape)
    for _step in range(iterations):
        moved = list(seeds[:fixed])
        for piece in voronoi_pieces(shape, seeds)[fixed:]:
            centre = piece.centroid
            if not shape.contains(centre):  # a crescent's centroid lies outside it
                centre = piece.point_on_surface()
            moved.append((centre.x, centre.y))
        seeds = moved
    return seeds


def reading_order(points):
    """Indices of `points` numbered as practice numbers cells: in rows from north to south, each west to east."""
    if not points:
        return []
    rows = max(1, round(math.sqrt(len(points))))
    by_latitude = sorted(range(len(points)), key=lambda i: (-points[i][1], points[i][0]))
    size, extra = divmod(len(points), rows)
    order, start = [], 0
    for row in range(rows):
        end = start + size + (1 if row < extra else 0)
        order.extend(sorted(by_latitude[start:end], key=lambda i: (points[i][0], -points[i][1])))
        start = end
    return order


def apportion(total, weights):
    """Split `total` in proportion to `weights` (largest remainders)."""
    whole = sum(weights)
    quotas = [total * weight / whole for weight in weights]
    shares = [math.floor(quota) for quota in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


class Plane:
    """Degrees of longitude are shorter than degrees of latitude here; Voronoi works on ground-like distances."""

    def __init__(self, shape):
        self.factor = math.cos(math.radians(shape.centroid.y))

    def to_plane(self, geometry):
        return shapely.transform(geometry, lambda coords: coords * (self.factor, 1.0))

    def from_plane(self, geometry):
        return shapely.transform(geometry, lambda coords: coords / (self.factor, 1.0))


# ---------------------------------------------------------------- the plan


@dataclass
class CellPlan:
    code: str
    name: str
    kind: str
    households: int
    shape: shapely.MultiPolygon
    seed: tuple = ()


@dataclass
class RegionPlan:
    code: str
    name: str
    level: str
    shape: shapely.MultiPolygon
    children: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    short: str = ""
    seat: bool = False  # a community or the village at the township seat
    seed: tuple = ()  # the Voronoi seed; for a township, its seat
    spec: TownshipSpec | None = None

    @property
    def is_community(self):
        return self.level == RegionLevel.VILLAGE and self.code[9] == "0"


def place_names(rng, count):
    """`count` distinct village names, mostly family settlements, sampled from sorted pools for reproducibility."""
    townships = {spec.short for spec in TOWNSHIPS}
    pools = [
        {f"{surname}家{suffix}" for surname in PLACE_SURNAMES for suffix in FAMILY_SUFFIXES},
        {f"{qualifier}{landform}" for qualifier in QUALIFIERS for landform in LANDFORMS},
        {f"{numeral}{feature}" for numeral in NUMERALS for feature in NUMBERED_FEATURES},
        set(MONGOLIAN_PLACES),
    ]
    names = []
    for pool, share in zip(pools, apportion(count, [50, 25, 15, 10]), strict=True):
        names.extend(rng.sample(sorted(pool - townships), share))
    rng.shuffle(names)
    return [f"{name}村" for name in names]


def plan_county(boundary=None, seed=SEED):
    """The county, its townships, villages and cells with names and shapes. Pure: no database."""
    rng = random.Random(seed)
    boundary = load_county_boundary() if boundary is None else boundary
    plane = Plane(boundary)
    county_plane = plane.to_plane(boundary)

    township_seeds = relax(county_plane, sample_points(county_plane, len(TOWNSHIPS), rng))
    township_pieces = voronoi_pieces(county_plane, township_seeds)
    order = reading_order(township_seeds)
    village_counts = apportion(VILLAGE_COUNT, [township_pieces[i].area for i in order])

    county = RegionPlan(COUNTY_CODE, COUNTY_NAME, RegionLevel.COUNTY, boundary)
    townships = []
    for spec, index, count in zip(TOWNSHIPS, order, village_counts, strict=True):
        township = RegionPlan(
            spec.code,
            spec.name,
            RegionLevel.TOWNSHIP,
            township_pieces[index],
            short=spec.short,
            seed=township_seeds[index],
            spec=spec,
        )
        township.children = plan_villages(township, spec, count, rng)
        townships.append(township)
    county.children = townships

    villages = [village for township in townships for village in township.children]
    names = iter(place_names(rng, sum(not village.is_community for village in villages)))
    community_names = iter(rng.sample(COMMUNITY_NAMES, sum(village.is_community for village in villages)))
    for village in villages:
        village.name = f"{next(community_names)}社区" if village.is_community else next(names)

    # Larger villages get the fourth cell: a cell is what one gridworker can walk.
    four = CELL_COUNT - MIN_CELLS * VILLAGE_COUNT
    by_size = sorted(villages, key=lambda village: (-village.shape.area, village.code))
    cell_counts = {village.code: MAX_CELLS if rank < four else MIN_CELLS for rank, village in enumerate(by_size)}
    for township in townships:
        for village in township.children:
            village.cells = plan_cells(village, cell_counts[village.code], rng)
        mark_dedicated(township, rng)

    for region in [county, *townships, *villages]:
        if region is not county:
            region.shape = polygonal(plane.from_plane(region.shape))
        for cell in region.cells:
            cell.shape = polygonal(plane.from_plane(cell.shape))
    return county


def plan_villages(township, spec, count, rng):
    """Villages tiling a township; its communities sit in a small ring around the seat."""
    shape = township.shape
    spacing = math.sqrt(shape.area / count)
    community_seeds = []
    radius = 0.3 * spacing
    shapely.prepare(shape)
    for k in range(spec.communities):
        angle = math.radians(90 + 360 * k / spec.communities)
        r = radius
        while True:
            x = township.seed[0] + r * math.cos(angle)
            y = township.seed[1] + r * math.sin(angle)
            if shapely.contains_xy(shape, x, y):
                break
            r /= 2
        community_seeds.append((x, y))
    seeds = community_seeds + sample_points(shape, count - spec.communities, rng)
    seeds = relax(shape, seeds, fixed=spec.communities)
    pieces = voronoi_pieces(shape, seeds)

    villages = []
    groups = ((range(spec.communities), 1, True), (range(spec.communities, count), 201, False))
    for indices, first_number, is_community in groups:
        indices = list(indices)
        for number, position in enumerate(reading_order([seeds[i] for i in indices]), start=first_number):
            index = indices[position]
            village = RegionPlan(
                f"{spec.code[:9]}{number:03d}",
                "",
                RegionLevel.VILLAGE,
                pieces[index],
                seat=is_community,
                seed=seeds[index],
            )
            villages.append(village)
    if not spec.communities:  # a township (乡) without communities has its seat in the nearest village
        nearest = min(villages, key=lambda village: (math.dist(village.seed, township.seed), village.code))
        nearest.seat = True
    else:  # a town's seat spreads from its communities into the nearest village
        plain = [village for village in villages if not village.seat]
        min(plain, key=lambda village: (math.dist(village.seed, township.seed), village.code)).seat = True
    return villages


def plan_cells(village, count, rng):
    seeds = relax(village.shape, sample_points(village.shape, count, rng))
    pieces = voronoi_pieces(village.shape, seeds)
    cells = []
    for number, index in enumerate(reading_order(seeds), start=1):
        low, high = (120, 300) if village.is_community else (20, 200)
        cell = CellPlan(
            code=f"{village.code}{number:03d}",
            name="",
            kind=GridCellKind.GENERAL,
            households=rng.randint(low, high),
            shape=pieces[index],
            seed=seeds[index],
        )
        cells.append(cell)
    return cells


def mark_dedicated(township, rng):
    """The cells nearest the township seat become its schools, market and clinic (专属网格)."""
    seat_cells = [cell for village in township.children if village.seat for cell in village.cells]
    seat_cells.sort(key=lambda cell: (math.dist(cell.seed, township.seed), cell.code))
    dedicated = {
        cell.code: facility for cell, facility in zip(seat_cells, FACILITIES[: township.spec.dedicated], strict=False)
    }
    for village in township.children:
        for number, cell in enumerate(village.cells, start=1):
            if cell.code in dedicated:
                cell.kind = GridCellKind.DEDICATED
                cell.name = f"{township.name}{dedicated[cell.code]}网格"
                cell.households = rng.randint(20, 80)
            else:
                cell.name = f"{village.name}第{number}网格"


# ---------------------------------------------------------------- units and people


@dataclass(frozen=True)
class UnitPlan:
    code: str
    name: str
    kind: str
    region_code: str


@dataclass(frozen=True)
class PersonPlan:
    username: str
    last_name: str
    first_name: str
    role: str
    unit_code: str
    cell_codes: tuple = ()
    superuser: bool = False


def unit_code(region_code, kind):
    return f"{region_code}-{kind}"


def plan_units(county):
    units = [UnitPlan(unit_code(county.code, kind), name, kind, county.code) for kind, name in COUNTY_UNITS]
    for township in county.children:
        for kind, pattern in TOWNSHIP_UNITS:
            name = pattern.format(name=township.name, short=township.short)
            units.append(UnitPlan(unit_code(township.code, kind), name, kind, township.code))
        for village in township.children:
            committee = "居民委员会" if village.is_community else "村民委员会"
            units.append(
                UnitPlan(
                    unit_code(village.code, UnitKind.VILLAGE_COMMITTEE),
                    f"{village.name}{committee}",
                    UnitKind.VILLAGE_COMMITTEE,
                    village.code,
                )
            )
            units.append(
                UnitPlan(
                    unit_code(village.code, UnitKind.VILLAGE_MEDIATION),
                    f"{village.name}人民调解委员会",
                    UnitKind.VILLAGE_MEDIATION,
                    village.code,
                )
            )
    return units


def plan_people(county, units, seed=SEED):
    """Who holds which role where, with names and usernames a demo user can type."""
    rng = random.Random(seed + 1)  # separate stream: people stay the same if geometry code changes
    taken = set()

    def person_name():
        while True:
            family = rng.choice(FAMILY_NAMES)
            given = "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(rng.choice((1, 2, 2))))
            if family + given not in taken:
                taken.add(family + given)
                return family, given

    people = []
    counters = {}

    def add(prefix, role, unit, cells=(), username=None, superuser=False):
        counters[prefix] = counters.get(prefix, 0) + 1
        family, given = person_name()
        people.append(
            PersonPlan(
                username=username or f"{prefix}-{counters[prefix]:03d}",
                last_name=family,
                first_name=given,
                role=role,
                unit_code=unit,
                cell_codes=tuple(cells),
                superuser=superuser,
            )
        )

    centre = unit_code(county.code, UnitKind.COUNTY_CENTRE)
    add("admin", Role.ADMINISTRATOR, centre, username=ADMIN_USERNAME, superuser=True)
    for _k in range(3):
        add("county-operator", Role.OPERATOR, centre)
    townships = county.children
    villages = [village for township in townships for village in township.children]
    for township in townships:
        for _k in range(2):
            add("township-operator", Role.OPERATOR, unit_code(township.code, UnitKind.TOWNSHIP_CENTRE))
    for township in townships:
        for _k in range(2):
            add("justice-mediator", Role.MEDIATOR, unit_code(township.code, UnitKind.JUSTICE_OFFICE))
    for village in villages:
        add("mediator", Role.MEDIATOR, unit_code(village.code, UnitKind.VILLAGE_MEDIATION))
    for village in villages:
        for cell in village.cells:
            add("gridworker", Role.GRIDWORKER, unit_code(village.code, UnitKind.VILLAGE_COMMITTEE), [cell.code])
    for village in villages:
        cells = [cell.code for cell in village.cells]
        add("volunteer", Role.VOLUNTEER, unit_code(village.code, UnitKind.VILLAGE_COMMITTEE), cells)
    for unit in sorted(units, key=lambda unit: unit.code):
        if unit.kind in DEPARTMENT_KINDS:
            for _k in range(rng.choice((1, 2))):
                add("staff", Role.STAFF, unit.code)
    # Last, so that everyone above keeps their name: administrators of their region's people,
    # without superuser rights (grid.administration), one for the county and one per township.
    add("county-admin", Role.ADMINISTRATOR, centre)
    for township in townships:
        add("township-admin", Role.ADMINISTRATOR, unit_code(township.code, UnitKind.TOWNSHIP_CENTRE))
    return people


# ---------------------------------------------------------------- writing


class DemoError(Exception):
    """The demo county cannot be seeded as asked; the message says why."""


@dataclass
class DemoLogin:
    username: str
    description: str


@dataclass
class DemoSummary:
    counts: list  # (label, number)
    logins: list  # DemoLogin
    password: str


def to_geos(shape):
    geometry = GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=4326)
    if geometry.geom_type == "Polygon":
        geometry = MultiPolygon(geometry, srid=4326)
    return geometry


def demo_usernames(people):
    return [person.username for person in people]


def delete_demo(usernames):
    """Remove the demo county with everything that hangs off it, and the demo users."""
    prefix = COUNTY_CODE[:6]
    try:
        Member.objects.filter(unit__region__code__startswith=prefix).delete()
        get_user_model().objects.filter(username__in=usernames).delete()
        Unit.objects.filter(region__code__startswith=prefix).delete()
        GridCell.objects.filter(code__startswith=prefix).delete()
        for level in (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP, RegionLevel.COUNTY):
            Region.objects.filter(code__startswith=prefix, level=level).delete()
    except ProtectedError as error:
        raise DemoError(
            _("The demo county cannot be removed: other records refer to it (%(what)s).")
            % {"what": ", ".join(sorted({obj._meta.verbose_name for obj in error.protected_objects}))}
        ) from None


def _noop(message):
    pass


@transaction.atomic
def seed_demo(password=DEFAULT_PASSWORD, reset=False, progress=_noop):
    """Build the demo county in the database and return a DemoSummary. Raises DemoError."""
    progress(_("Drawing the townships, villages and grid cells of %(county)s…") % {"county": COUNTY_NAME})
    county = plan_county()
    unit_plans = plan_units(county)
    people = plan_people(county, unit_plans)
    usernames = demo_usernames(people)

    User = get_user_model()
    if reset:
        progress(_("Removing the previous demo county and its users…"))
        delete_demo(usernames)
    elif Region.objects.filter(code=COUNTY_CODE).exists():
        raise DemoError(
            _("The demo county %(code)s already exists; use --reset to rebuild it.") % {"code": COUNTY_CODE}
        )
    clashes = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if clashes:
        raise DemoError(
            _("These users already exist: %(users)s. Use --reset to replace them.") % {"users": ", ".join(clashes[:5])}
        )

    progress(_("Saving regions and grid cells…"))
    regions = save_regions(county)
    cells = save_cells(county, regions)

    progress(_("Creating units…"))
    units = {}
    for plan in unit_plans:
        unit = Unit(code=plan.code, name=plan.name, kind=plan.kind, region=regions[plan.region_code])
        unit.clean()
        units[plan.code] = unit
    Unit.objects.bulk_create(units.values())

    progress(_("Creating %(count)d demo users…") % {"count": len(people)})
    password_hash = make_password(password)  # hashed once: hashing each of ~600 would take a minute
    users = {
        person.username: User(
            username=person.username,
            last_name=person.last_name,
            first_name=person.first_name,
            password=password_hash,
            is_staff=person.superuser,
            is_superuser=person.superuser,
        )
        for person in people
    }
    User.objects.bulk_create(users.values())

    progress(_("Assigning members to units and grid cells…"))
    save_members(people, users, units, cells)
    for person in people:
        if person.role == Role.ADMINISTRATOR:
            sync_admin_access(users[person.username])  # staff and the administrators' group

    return DemoSummary(counts=count_demo(), logins=demo_logins(people, units, cells), password=password)


def save_regions(county):
    regions = {}
    root = Region(code=county.code, name=county.name, level=county.level, boundary=to_geos(county.shape))
    root.clean()
    root.save()
    regions[root.code] = root
    level = [county]
    while level:
        children = []
        for parent in level:
            for child in parent.children:
                region = Region(
                    code=child.code,
                    name=child.name,
                    level=child.level,
                    parent=regions[parent.code],
                    boundary=to_geos(child.shape),
                )
                region.clean()
                regions[region.code] = region
                children.append(child)
        Region.objects.bulk_create([regions[child.code] for child in children])
        level = children
    return regions


def save_cells(county, regions):
    cells = {}
    for township in county.children:
        for village in township.children:
            for plan in village.cells:
                cell = GridCell(
                    code=plan.code,
                    name=plan.name,
                    village=regions[village.code],
                    kind=plan.kind,
                    households=plan.households,
                    boundary=to_geos(plan.shape),
                )
                cell.clean()
                cells[cell.code] = cell
    GridCell.objects.bulk_create(cells.values())
    versions.bump("cells")  # a bulk insert sends no signal: every process's cell index is rebuilt
    return cells


def save_members(people, users, units, cells):
    """Bulk assignment with the same checks as grid.members.assign_member."""
    members, member_cells = [], []
    for person in people:
        unit = units[person.unit_code]
        member = Member(user=users[person.username], role=person.role, unit=unit)
        member.clean()
        assigned = [cells[code] for code in person.cell_codes]
        check_cells(person.role, unit, assigned)
        members.append((member, assigned))
    Member.objects.bulk_create([member for member, _cells in members])
    Through = Member.cells.through
    for member, assigned in members:
        member_cells.extend(Through(member=member, gridcell=cell) for cell in assigned)
    Through.objects.bulk_create(member_cells)
    versions.bump("members")  # bulk inserts send no signal


def count_demo():
    prefix = COUNTY_CODE[:6]
    regions = Region.objects.filter(code__startswith=prefix)
    by_level = dict(regions.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    members = Member.objects.filter(unit__region__code__startswith=prefix)
    by_role = dict(members.values_list("role").annotate(n=Count("pk")).values_list("role", "n"))
    counts = [
        (RegionLevel.COUNTY.label, by_level.get(RegionLevel.COUNTY, 0)),
        (RegionLevel.TOWNSHIP.label, by_level.get(RegionLevel.TOWNSHIP, 0)),
        (RegionLevel.VILLAGE.label, by_level.get(RegionLevel.VILLAGE, 0)),
        (GridCell._meta.verbose_name_plural, GridCell.objects.filter(code__startswith=prefix).count()),
        (Unit._meta.verbose_name_plural, Unit.objects.filter(region__code__startswith=prefix).count()),
        (_("users"), members.values("user").distinct().count()),
    ]
    counts.extend((role.label, by_role.get(role, 0)) for role in Role)
    return [(str(label), number) for label, number in counts]


def demo_logins(people, units, cells):
    """One login per kind of user worth trying, with what it is."""

    def first(role, kind):
        return next(person for person in people if person.role == role and units[person.unit_code].kind == kind)

    admin = next(person for person in people if person.superuser)
    gridworker = first(Role.GRIDWORKER, UnitKind.VILLAGE_COMMITTEE)
    picks = [
        (admin, _("superuser: the admin site and everything else")),
        (first(Role.OPERATOR, UnitKind.COUNTY_CENTRE), _("operator at %(unit)s")),
        (first(Role.OPERATOR, UnitKind.TOWNSHIP_CENTRE), _("operator at %(unit)s")),
        (first(Role.ADMINISTRATOR, UnitKind.TOWNSHIP_CENTRE), _("administrator of the people of %(unit)s")),
        (first(Role.MEDIATOR, UnitKind.JUSTICE_OFFICE), _("mediator at %(unit)s")),
        (first(Role.MEDIATOR, UnitKind.VILLAGE_MEDIATION), _("mediator at %(unit)s")),
        (gridworker, _("gridworker of %(cell)s")),
    ]
    logins = []
    for person, description in picks:
        cell = cells[person.cell_codes[0]].name if person.cell_codes else ""
        text = description % {"unit": units[person.unit_code].name, "cell": cell}
        logins.append(DemoLogin(person.username, f"{person.last_name}{person.first_name}, {text}"))
    return logins
