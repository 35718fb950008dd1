"""The standard joint-linkage chain (三级联动): who handles what, and who escalates to whom.

Two kinds of data make the chain, both rows an administrator edits in the admin:

- capabilities: which unit kinds handle which categories, up to which grade
  (STANDARD_CAPABILITIES, loaded by the data migration 0005 and `load_capabilities`);
- edges between units (LinkageEdge), built for every village and township by
  `build_standard_chain()` (`manage.py build_linkage`).

The standard chain, per village V of township T in county C (an edge applies to the
categories it names *and* the grades it names; an empty list means all):

    V 村委会   → V 村调委会      escalates   disputes (10–49)
    V 村委会   → T 综治中心      escalates   incidents (50–55)
    V 村调委会 → T 司法所        escalates   disputes (10–49)
    V 村调委会 → T 综治中心      escalates   red grade, any category (leadership)
    T 司法所 / 派出所 / 市场监管所 / 自然资源所 → their county bureau   escalates
    T 司法所 / 派出所 / 市场监管所 / 自然资源所 → T 综治中心            escalates
    T 综治中心 → C 综治中心                                             escalates
    every county bureau → C 综治中心                                    escalates
    V 村委会   ⇢ V 村调委会      cooperates
    T 司法所   ⇢ T 自然资源所    cooperates  12 房屋宅基地, 13 土地承包, 14 山林土地, 15 征地拆迁
    T 司法所   ⇢ T 派出所        cooperates  51 社会治安, 20 道路交通, 55 群体性事件风险
    T 综治中心 ⇢ every office of T  cooperates

Red matters reach the township centre in one step from the village: both village units
are where a village's matters start, so the red edge leaves from the mediation committee
(one pair of units carries one edge per relation, and the committee's edge to the centre
is the incidents one). A village whose township lacks one of these units gets edges
around the gap (see `_village_upward`). With the standard capabilities this routes a
neighbour quarrel to the village, a land-contract dispute to the 司法所 (the 自然资源所
cooperating) and a red mass-petition risk to the township centre.
"""

import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from .. import categories as standard_categories
from . import graph as linkage

GREEN, YELLOW, ORANGE, RED = "green", "yellow", "orange", "red"

# Top-level category codes of the standard tree (disputes 10–49, incidents 50–99).
DISPUTES = tuple(code for code, _name, kind, *_rest in standard_categories.TREE if kind == "dispute")
INCIDENTS = tuple(code for code, _name, kind, *_rest in standard_categories.TREE if kind == "incident")
EVERYTHING = DISPUTES + INCIDENTS


def _grant(codes, grade):
    return dict.fromkeys(codes, grade)


# unit kind → {top-level category code: highest grade it handles}
STANDARD_CAPABILITIES = {
    # village: 小事不出村
    "village_committee": {**_grant(["10", "11", "52", "53"], YELLOW), "50": GREEN},
    "village_mediation": _grant(["10", "11", "12", "17", "18", "21", "22", "24", "25"], YELLOW),
    # township: 大事不出乡
    "township_centre": _grant(EVERYTHING, RED),
    "justice_office": _grant(DISPUTES, ORANGE),
    "police_station": _grant(["51", "20", "55"], ORANGE),
    "market_office": _grant(["22", "17"], ORANGE),
    "resources_office": _grant(["12", "13", "14", "15"], ORANGE),
    # county: 矛盾不上交
    "county_centre": _grant(EVERYTHING, RED),
    "county_justice": _grant(DISPUTES, RED),
    "county_police": _grant(["51", "20", "55"], RED),
    "county_petition": _grant(["55", "15"], RED),
    "county_hrss": _grant(["16"], RED),
    "county_resources": _grant(["12", "13", "14", "15"], RED),
    "county_market": _grant(["22", "17"], RED),
    "county_housing": _grant(["12", "21", "50"], RED),
    "county_environment": _grant(["23", "52"], RED),
    "county_agriculture": _grant(["13", "14"], RED),
    "county_health": _grant(["19", "53"], RED),
}


def capability_rows():
    """(unit kind, category code, max grade) for every standard capability."""
    for kind, grants in STANDARD_CAPABILITIES.items():
        for code, grade in grants.items():
            yield kind, code, grade


def load_capabilities(Capability, Category):  # noqa: N803 (historical models in migrations)
    """Create the standard capabilities that are missing; never overwrite an administrator's edits.

    A capability exists when a row for its unit kind and category exists, whatever its grade.
    Categories that are not in the database are skipped. Returns how many rows were created.
    """
    by_code = dict(Category.objects.values_list("code", "pk"))
    existing = set(Capability.objects.values_list("unit_kind", "category_id"))
    missing = []
    for kind, code, grade in capability_rows():
        category_id = by_code.get(code)
        if category_id is None or (kind, category_id) in existing:
            continue
        existing.add((kind, category_id))
        missing.append(Capability(unit_kind=kind, category_id=category_id, max_grade=grade))
    Capability.objects.bulk_create(missing)
    return len(missing)


# --- the standard edges -------------------------------------------------------------------

ESCALATES, COOPERATES = linkage.ESCALATES, linkage.COOPERATES
TOWNSHIP_OFFICES = ("justice_office", "police_station", "market_office", "resources_office")
COUNTY_BUREAU_OF = {
    "justice_office": "county_justice",
    "police_station": "county_police",
    "market_office": "county_market",
    "resources_office": "county_resources",
}

# (source kind, target kind, relation, category codes or () for all, grades or () for all)
# Inside a village; its edges up to the township are drawn by `_village_upward`.
VILLAGE_EDGES = (
    ("village_committee", "village_mediation", ESCALATES, DISPUTES, ()),
    ("village_committee", "village_mediation", COOPERATES, (), ()),
)
TOWNSHIP_EDGES = (
    *((office, "township_centre", ESCALATES, (), ()) for office in TOWNSHIP_OFFICES),
    *((office, COUNTY_BUREAU_OF[office], ESCALATES, (), ()) for office in TOWNSHIP_OFFICES),
    ("township_centre", "county_centre", ESCALATES, (), ()),
    ("justice_office", "resources_office", COOPERATES, ("12", "13", "14", "15"), ()),
    ("justice_office", "police_station", COOPERATES, ("51", "20", "55"), ()),
    *(("township_centre", office, COOPERATES, (), ()) for office in TOWNSHIP_OFFICES),
)
COUNTY_BUREAUS = tuple(kind for kind in STANDARD_CAPABILITIES if kind.startswith("county_") and kind != "county_centre")
COUNTY_EDGES = tuple((bureau, "county_centre", ESCALATES, (), ()) for bureau in COUNTY_BUREAUS)


@dataclass
class BuildResult:
    escalates: int = 0  # edges created
    cooperates: int = 0
    existing: int = 0  # standard edges already there (left alone)
    skipped: list = field(default_factory=list)  # (region name, missing unit kind) for edges that could not be drawn
    seconds: float = 0.0

    @property
    def created(self):
        return self.escalates + self.cooperates


def _village_upward(at, village, township):
    """A village's edges up to its township, standing in for the units either of them lacks.

    The standard: disputes go 村调委会 → 司法所, incidents 村委会 → 综治中心, red matters
    村调委会 → 综治中心. Without a 村调委会 the committee takes disputes to the 司法所; without
    a 司法所 they go to the centre; without a committee the mediation committee takes everything
    to the centre.
    """
    committee = (village, "village_committee") in at
    mediation = (village, "village_mediation") in at
    justice = (township, "justice_office") in at
    rules = []
    if mediation:
        if justice:
            rules.append(("village_mediation", "justice_office", ESCALATES, DISPUTES, ()))
        everything = not justice or not committee
        rules.append(("village_mediation", "township_centre", ESCALATES, (), () if everything else (RED,)))
    if committee:
        if not mediation and justice:
            rules.append(("village_committee", "justice_office", ESCALATES, DISPUTES, ()))
        disputes_here = not mediation and not justice  # the committee's edge to the centre carries them
        rules.append(("village_committee", "township_centre", ESCALATES, () if disputes_here else INCIDENTS, ()))
    return rules


def standard_edges(units, regions):
    """The standard edges among `units`, as (source id, target id, relation, category codes, grades).

    units: (id, kind, region id); regions: (id, level, parent id). Pure: no database.
    Also returns the (region id, missing kind) pairs that left an edge out.
    """
    parent = {pk: parent_id for pk, _level, parent_id in regions}
    level = {pk: lvl for pk, lvl, _parent in regions}
    at = {}  # (region id, kind) -> unit id (the first by id when a region has two of a kind)
    for unit_id, kind, region_id in sorted(units):
        at.setdefault((region_id, kind), unit_id)

    edges, missing = [], set()

    def link(source_region, target_region, rules):
        for source_kind, target_kind, relation, codes, grades in rules:
            source = at.get((source_region, source_kind))
            target = at.get((target_region, target_kind))
            if source is None:
                continue  # no such unit here: nothing to link
            if target is None:
                missing.add((target_region, target_kind))
                continue
            edges.append((source, target, relation, tuple(codes), tuple(grades)))

    for region_id, lvl in sorted(level.items()):
        up = parent.get(region_id)
        if lvl == "village":
            link(region_id, region_id, VILLAGE_EDGES)
            if up is not None:
                link(region_id, up, _village_upward(at, region_id, up))
        elif lvl == "township":
            link(region_id, region_id, [rule for rule in TOWNSHIP_EDGES if not rule[1].startswith("county_")])
            if up is not None:
                link(region_id, up, [rule for rule in TOWNSHIP_EDGES if rule[1].startswith("county_")])
        elif lvl == "county":
            link(region_id, region_id, COUNTY_EDGES)
    return edges, sorted(missing, key=str)


def build_standard_chain():
    """Create the standard edges among the active units; leave existing edges alone.

    Idempotent: an edge whose (source, target, relation) exists already is not touched, so
    an administrator's edits survive a rebuild, and a deleted standard edge is drawn again.
    Returns a BuildResult with the counts.
    """
    from grid.models import Region, Unit

    from ..models import Category, LinkageEdge

    started = time.monotonic()
    result = BuildResult()
    with transaction.atomic():
        # One builder at a time: writing the chain's version token first takes its row lock
        # until commit (SQLite serialises writers anyway).
        linkage.changed()

        regions = Region.objects.all()
        units = Unit.objects.filter(active=True)
        region_rows = list(regions.values_list("pk", "level", "parent_id"))
        unit_rows = list(units.values_list("pk", "kind", "region_id"))
        wanted, missing = standard_edges(unit_rows, region_rows)
        names = dict(regions.values_list("pk", "name"))
        result.skipped = [(names.get(region_id, region_id), kind) for region_id, kind in missing]

        existing = set(LinkageEdge.objects.values_list("source_id", "target_id", "relation"))
        fresh = []
        for source, target, relation, codes, grades in wanted:
            if (source, target, relation) in existing:
                result.existing += 1
                continue
            existing.add((source, target, relation))
            fresh.append((source, target, relation, codes, grades))
        if not fresh:
            result.seconds = time.monotonic() - started
            return result

        LinkageEdge.objects.bulk_create(
            [
                LinkageEdge(source_id=source, target_id=target, relation=relation, grades=list(grades))
                for source, target, relation, _codes, grades in fresh
            ],
            batch_size=500,
        )
        # bulk_create does not return ids on every backend: read them back by their unique key.
        ids = {
            (source, target, relation): pk
            for pk, source, target, relation in LinkageEdge.objects.filter(
                source_id__in={edge[0] for edge in fresh}
            ).values_list("pk", "source_id", "target_id", "relation")
        }
        category_ids = dict(Category.objects.filter(code__in=EVERYTHING).values_list("code", "pk"))
        through = LinkageEdge.categories.through
        links = [
            through(linkageedge_id=ids[(source, target, relation)], category_id=category_ids[code])
            for source, target, relation, codes, _grades in fresh
            for code in codes
            if code in category_ids
        ]
        through.objects.bulk_create(links, batch_size=1000)
        for _source, _target, relation, _codes, _grades in fresh:
            if relation == ESCALATES:
                result.escalates += 1
            else:
                result.cooperates += 1
        # Bulk writes send no signals: move the version so every process reloads the chain.
        linkage.changed()
    result.seconds = time.monotonic() - started
    return result


# --- checking -----------------------------------------------------------------------------


def region_scope(linkage_, region):
    """Unit ids and region ids of `region` and everything under it (by the snapshot's region tree)."""
    children = {}
    for pk, parent in linkage_.region_parent.items():
        children.setdefault(parent, []).append(pk)
    regions, stack = set(), [region.pk]
    while stack:
        node = stack.pop()
        if node in regions:
            continue
        regions.add(node)
        stack.extend(children.get(node, ()))
    units = {unit for region_id in regions for unit in linkage_.units_by_region.get(region_id, ())}
    return units, regions


def category_classes(linkage_):
    """The categories grouped by how the chain treats them, each class named by its topmost category.

    Routing looks at a category only through the nodes of its ancestry that some edge or
    capability names; categories with the same such nodes route alike, so checking one of each
    class checks them all (with the standard data: one per major category).
    """
    named = {pk for kind in linkage_.capabilities.values() for pk in kind}
    for _s, _t, data in linkage_.graph.edges(data=True):
        named |= data.get("categories") or set()
    classes = {}
    for pk in linkage_.category_parent:
        ancestry = list(linkage.category_chain(linkage_, pk))
        signature = tuple(node for node in ancestry if node in named)
        classes.setdefault(signature, []).append((len(ancestry), str(pk), pk))
    return [min(members)[2] for members in classes.values()]


REGION_KINDS = ("uncovered",)  # violations whose `units` are villages (region ids)


def violations(linkage_=None, region=None):
    """Everything wrong with the chain (disputes.linkage.validate), only what touches `region`'s subtree if given.

    Coverage is checked for one category of each class (`category_classes`): the same answer
    as checking every category, several times faster, and each gap named once by its topmost category.
    """
    linkage_ = linkage.load() if linkage_ is None else linkage_
    found = linkage.validate(linkage_, categories=category_classes(linkage_))
    if region is None:
        return found
    units, regions = region_scope(linkage_, region)
    return [v for v in found if set(v.units) & (regions if v.kind in REGION_KINDS else units)]


def describe_units(linkage_, violation, limit=8):
    """The units (or, for an uncovered category, the places) a violation involves, in words."""
    if violation.kind in REGION_KINDS:
        names = [str(linkage_.region_names.get(pk, pk)) for pk in violation.units]
    else:
        names = [
            f"{linkage_.name(pk)} ({linkage_.unit(pk)['code']})" if pk in linkage_.graph else str(pk)
            for pk in violation.units
        ]
    shown = "、".join(names[:limit])
    if len(names) > limit:
        shown += _(" and %(count)s more") % {"count": len(names) - limit}
    return shown


def would_be_chain(base, source, target, relation, replacing=None):
    """The escalation graph of `base` with the edge source → target (`relation`) added, and `replacing`
    ((source, target) of the edge being edited) taken out first."""
    up = linkage.escalation_graph(base)
    if replacing is not None and up.has_edge(*replacing):
        up.remove_edge(*replacing)
    if relation == ESCALATES:
        up.add_edge(source, target)
    return up


def escalation_cycle(base, source, target, replacing=None):
    """The cycle source → target → … → source an escalates_to edge would close, as unit ids, or None."""
    import networkx as nx

    up = would_be_chain(base, source, target, ESCALATES, replacing)
    try:
        back = nx.shortest_path(up, target, source)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    return [source, *back]


# --- drawing ------------------------------------------------------------------------------

BOX_W, BOX_H = 96, 38  # a unit's box
GAP_X = 14  # between boxes in the township and county rows
COLUMN_W = BOX_W + 26  # a village's column: its two units, one above the other
STACK = BOX_H + 30  # from one box of a village's column to the next
ROW_Y = {2: 40, 1: 200, 0: 370}  # rank -> top of the row
KIND_ORDER = [
    "county_centre",
    "township_centre",
    "village_mediation",  # above the committee in a village's column: the committee escalates up to it
    "village_committee",
    "justice_office",
    "police_station",
    "market_office",
    "resources_office",
    *COUNTY_BUREAUS,
]


def _label(name, region_name):
    """Two short lines for a box: the place, then what the unit is."""
    if region_name and name.startswith(region_name) and len(name) > len(region_name):
        return region_name, name[len(region_name) :]
    if len(name) <= 8:
        return name, ""
    cut = len(name) // 2
    return name[:cut], name[cut:]


def drawing_units(linkage_, region):
    """The units to draw for a region: its subtree's, and every unit they reach along the chain."""
    import networkx as nx

    units, _regions = region_scope(linkage_, region)
    shown = set(units)
    for unit in units:
        shown |= nx.descendants(linkage_.graph, unit)
    return shown


def layout(linkage_, region):
    """Boxes and lines of the chain around `region`, for an inline SVG in three rows (village, township, county).

    Escalation is drawn upward (solid arrows), cooperation as dashed lines; each line has a
    title naming its units, categories and grades (shown on hover).
    """
    graph = linkage_.graph
    shown = drawing_units(linkage_, region)

    def order(unit):
        data = graph.nodes[unit]
        kind = KIND_ORDER.index(data["kind"]) if data["kind"] in KIND_ORDER else len(KIND_ORDER)
        return (kind, data["code"])

    def grouped(rank):
        groups = {}
        for unit in shown:
            if graph.nodes[unit]["rank"] == rank:
                groups.setdefault(graph.nodes[unit]["region"], []).append(unit)
        first_code = {region: min(graph.nodes[u]["code"] for u in units) for region, units in groups.items()}
        return [sorted(groups[region], key=order) for region in sorted(groups, key=first_code.get)]

    columns = grouped(0)  # one column per village
    township_row = [unit for group in grouped(1) for unit in group]
    county_row = [unit for group in grouped(2) for unit in group]

    step = BOX_W + GAP_X
    widths = [len(columns) * COLUMN_W, len(township_row) * step - GAP_X, len(county_row) * step - GAP_X]
    width = max([*widths, 560]) + 40
    boxes = {}  # unit -> (x, y, place in its column)

    def centred(row_width):
        return 20 + (width - 40 - row_width) / 2

    for row, y, row_width in ((county_row, ROW_Y[2], widths[2]), (township_row, ROW_Y[1], widths[1])):
        left = centred(row_width)
        for index, unit in enumerate(row):
            boxes[unit] = (left + index * step, y, 0)
    left = centred(widths[0]) + (COLUMN_W - BOX_W) / 2
    tallest = 1
    for index, column in enumerate(columns):
        tallest = max(tallest, len(column))
        for place, unit in enumerate(column):
            boxes[unit] = (left + index * COLUMN_W, ROW_Y[0] + place * STACK, place)
    height = ROW_Y[0] + (tallest - 1) * STACK + BOX_H + 20

    nodes = []
    for unit, (x, y, _place) in sorted(boxes.items(), key=lambda item: (item[1][1], item[1][0])):
        data = graph.nodes[unit]
        first, second = _label(data["name"], linkage_.region_names.get(data["region"], ""))
        nodes.append(
            {
                "x": round(x, 1),
                "y": y,
                "cx": round(x + BOX_W / 2, 1),
                "name": data["name"],
                "code": data["code"],
                "line1": first,
                "line2": second,
                "centre": data["kind"] in linkage.CENTRE_KINDS,
            }
        )

    lines = []
    for source, target, relation, data in graph.edges(keys=True, data=True):
        if source in boxes and target in boxes:
            lines.append(
                {
                    "path": _path(boxes[source], boxes[target], relation),
                    "relation": relation,
                    "title": _edge_title(linkage_, source, target, relation, data),
                }
            )
    lines.sort(key=lambda line: (line["relation"] == ESCALATES, line["path"]))  # arrows on top
    return {"width": round(width), "height": height, "nodes": nodes, "lines": lines, "box_w": BOX_W, "box_h": BOX_H}


def _path(source_box, target_box, relation):
    """An SVG path from one box to another."""
    (sx, sy, splace), (tx, ty, _tplace) = source_box, target_box
    scx, tcx = sx + BOX_W / 2, tx + BOX_W / 2
    if abs(sx - tx) < 1 and abs(sy - ty) > 1:  # inside a village's column
        if relation == ESCALATES:
            top, bottom = (sy, ty + BOX_H + 2) if sy > ty else (sy + BOX_H, ty - 2)
            return f"M{scx:.1f},{top} L{tcx:.1f},{bottom}"
        side, bulge, y1, y2 = sx + BOX_W, sx + BOX_W + 16, sy + BOX_H / 2, ty + BOX_H / 2
        return f"M{side:.1f},{y1} C{bulge:.1f},{y1} {bulge:.1f},{y2} {side:.1f},{y2}"
    if sy > ty + BOX_H:  # upward to a higher row; arrows spread along the target's bottom by where they come from
        tcx += max(-BOX_W / 2 + 8, min(BOX_W / 2 - 8, (scx - tcx) / 25))
        start = f"M{scx:.1f},{sy}"
        if splace:  # a lower box in its column: go round the boxes above it, on the left
            lane = sx - 8
            start = f"M{sx:.1f},{sy + BOX_H / 2} L{lane:.1f},{sy + BOX_H / 2} L{lane:.1f},{ROW_Y[0] - 6}"
            scx, sy = lane, ROW_Y[0] - 6
        return f"{start} C{scx:.1f},{sy - 50} {tcx:.1f},{ty + BOX_H + 50} {tcx:.1f},{ty + BOX_H + 2}"
    if ty > sy + BOX_H:  # downward (cooperation across rows)
        return f"M{scx:.1f},{sy + BOX_H} C{scx:.1f},{sy + BOX_H + 50} {tcx:.1f},{ty - 50} {tcx:.1f},{ty - 2}"
    lift = 16 + min(abs(scx - tcx) / 5, 60)  # the same row: an arc above (escalation) or below (cooperation)
    if relation == ESCALATES:
        return f"M{scx:.1f},{sy} Q{(scx + tcx) / 2:.1f},{sy - lift:.1f} {tcx:.1f},{ty - 2}"
    return f"M{scx:.1f},{sy + BOX_H} Q{(scx + tcx) / 2:.1f},{sy + BOX_H + lift:.1f} {tcx:.1f},{ty + BOX_H}"


def _edge_title(linkage_, source, target, relation, data):
    arrow = "→" if relation == ESCALATES else "⇢"
    text = f"{linkage_.name(source)} {arrow} {linkage_.name(target)}"
    scope = []
    if data.get("categories"):
        scope.append("、".join(sorted(str(linkage_.category_names.get(pk, pk)) for pk in data["categories"])))
    if data.get("grades"):
        scope.append("/".join(grade for grade in linkage.GRADES if grade in data["grades"]))
    return f"{text} ({'; '.join(scope)})" if scope else text
