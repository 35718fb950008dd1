"""The joint-linkage chain (联动链) as a networkx graph.

The graph is built from rows (units, LinkageEdge, Capability, categories, regions) once and
kept until the rows change: every change writes a new version token in its transaction, and
each process compares tokens before answering (core.versions), so several workers never route
on a stale chain. Routing questions are pure functions of a `Linkage` snapshot: no ORM inside them,
which is what lets the property tests generate chains freely.

Vocabulary: a unit's *rank* is 0 for a village unit, 1 for a township unit, 2 for a county
unit; a grade's rank is 0 (green) to 3 (red). Edges point upward (escalates_to) or sideways
(cooperates_with) and apply to some categories (with their subcategories) and grades, or to
all when they name none.
"""

from dataclasses import dataclass, field

import networkx as nx
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.versions import VersionedCache, bump

RANK = {"village": 0, "township": 1, "county": 2}
GRADES = ("green", "yellow", "orange", "red")
GRADE_RANK = {grade: rank for rank, grade in enumerate(GRADES)}
ESCALATES = "escalates_to"
COOPERATES = "cooperates_with"
COUNTY_CENTRE = "county_centre"
CENTRE_KINDS = ("township_centre", "county_centre")


def grade_name(grade):
    """The colour's short name, for messages."""
    names = {
        "green": pgettext("grade", "green"),
        "yellow": pgettext("grade", "yellow"),
        "orange": pgettext("grade", "orange"),
        "red": pgettext("grade", "red"),
    }
    return names.get(grade, grade)


@dataclass(frozen=True)
class Linkage:
    """An immutable snapshot of the chain."""

    graph: nx.MultiDiGraph  # nodes: unit ids (attrs kind, rank, region, code, name); edge key: the relation
    capabilities: dict  # unit kind -> {category id: highest grade rank it handles}
    category_parent: dict  # category id -> parent id (None at the top)
    category_names: dict  # category id -> name, for messages
    units_by_region: dict  # region id -> unit ids, by code
    region_parent: dict  # region id -> parent id
    region_names: dict = field(default_factory=dict)

    def unit(self, unit_id):
        return self.graph.nodes[unit_id]

    def name(self, unit_id):
        return self.graph.nodes[unit_id].get("name") or str(unit_id)


def build(units, edges, capabilities, categories, regions):
    """A Linkage from plain data.

    units: (id, kind, level, region id, code, name); edges: (source, target, relation,
    category ids or None, grades or None); capabilities: (unit kind, category id, max grade);
    categories: (id, parent id, name); regions: (id, parent id, name).
    """
    graph = nx.MultiDiGraph()
    by_region = {}
    for unit_id, kind, level, region_id, code, name in sorted(units, key=lambda u: u[4]):
        graph.add_node(unit_id, kind=kind, rank=RANK[level], region=region_id, code=code, name=name)
        by_region.setdefault(region_id, []).append(unit_id)
    for source, target, relation, category_ids, grades in edges:
        if source in graph and target in graph:
            graph.add_edge(
                source,
                target,
                key=relation,
                categories=frozenset(category_ids) if category_ids else None,
                grades=frozenset(grades) if grades else None,
            )
    caps = {}
    for kind, category_id, max_grade in capabilities:
        caps.setdefault(kind, {})[category_id] = GRADE_RANK[max_grade]
    return Linkage(
        graph=graph,
        capabilities=caps,
        category_parent={pk: parent for pk, parent, _name in categories},
        category_names={pk: name for pk, _parent, name in categories},
        units_by_region={region: tuple(ids) for region, ids in by_region.items()},
        region_parent={pk: parent for pk, parent, _name in regions},
        region_names={pk: name for pk, _parent, name in regions},
    )


# --- loading and caching ----------------------------------------------------------------


def load():
    """Build the snapshot from the database."""
    from grid.models import Region, Unit

    from ..models import Capability, Category, LinkageEdge

    units = [
        (u.pk, u.kind, u.level, u.region_id, u.code, u.name)
        for u in Unit.objects.filter(active=True).only("pk", "kind", "region_id", "code", "name")
    ]
    edges = []
    for edge in LinkageEdge.objects.prefetch_related("categories"):
        edges.append(
            (edge.source_id, edge.target_id, edge.relation, [c.pk for c in edge.categories.all()], edge.grades)
        )
    capabilities = list(Capability.objects.values_list("unit_kind", "category_id", "max_grade"))
    categories = list(Category.objects.values_list("pk", "parent_id", "name"))
    regions = list(Region.objects.values_list("pk", "parent_id", "name"))
    return build(units, edges, capabilities, categories, regions)


chain = VersionedCache("linkage", load)


def current():
    """The chain as the database holds it now, rebuilt only when its rows changed (core.versions)."""
    return chain.get()


def changed():
    """Record a change made without signals (bulk writes), in the current transaction."""
    bump("linkage")


# --- pure questions ---------------------------------------------------------------------


def category_chain(linkage, category_id):
    """The category and its ancestors, nearest first."""
    seen = set()
    node = category_id
    while node is not None and node not in seen:
        seen.add(node)
        yield node
        node = linkage.category_parent.get(node)


def can_handle(linkage, unit_id, category_id, grade):
    """Does the unit's kind handle this category (or an ancestor's) at this grade?"""
    caps = linkage.capabilities.get(linkage.unit(unit_id)["kind"], {})
    for node in category_chain(linkage, category_id):
        if node in caps:
            return GRADE_RANK[grade] <= caps[node]
    return False


def edge_applies(linkage, data, category_id, grade):
    categories, grades = data.get("categories"), data.get("grades")
    if grades is not None and grade not in grades:
        return False
    return categories is None or any(node in categories for node in category_chain(linkage, category_id))


def neighbours(linkage, unit_id, relation, category_id, grade):
    """Targets of the unit's edges of `relation` that apply to this category and grade, by code."""
    found = [
        target
        for _source, target, key, data in linkage.graph.out_edges(unit_id, keys=True, data=True)
        if key == relation and edge_applies(linkage, data, category_id, grade)
    ]
    return sorted(set(found), key=lambda unit: linkage.unit(unit)["code"])


def start_units(linkage, region_id):
    """The units of the place: its own region's, else the nearest region above that has some."""
    node = region_id
    while node is not None:
        units = linkage.units_by_region.get(node)
        if units:
            return list(units)
        node = linkage.region_parent.get(node)
    return []


def _upward(linkage, starts, category_id, grade):
    """Breadth-first over applicable escalates_to edges: (unit, depth, predecessor) in visit order."""
    seen = dict.fromkeys(starts, (0, None))
    frontier = list(starts)
    order = [(unit, 0, None) for unit in starts]
    depth = 0
    while frontier:
        depth += 1
        following = []
        for unit in frontier:
            for target in neighbours(linkage, unit, ESCALATES, category_id, grade):
                if target not in seen:
                    seen[target] = (depth, unit)
                    following.append(target)
                    order.append((target, depth, unit))
        frontier = following
    return order, seen


def _path(seen, unit):
    path = [unit]
    while seen[path[-1]][1] is not None:
        path.append(seen[path[-1]][1])
    return list(reversed(path))


@dataclass(frozen=True)
class Route:
    unit: int | None  # None: a gap in the chain
    path: tuple = ()
    reason: str = ""
    skipped: tuple = ()  # (unit id, why) for units passed over on the way

    @property
    def found(self):
        return self.unit is not None


def route(linkage, region_id, category_id, grade):
    """The lowest unit on the place's chain able to handle this category at this grade.

    小事不出村、大事不出乡: candidates are tried by level, then by distance along the chain,
    then by code. A red case starts at the township (it needs leadership); a green one stays
    with the village committee, whose gridworker follows it up.
    """
    starts = start_units(linkage, region_id)
    if not starts:
        return Route(None, reason=_("No unit serves this place."))
    order, seen = _upward(linkage, starts, category_id, grade)
    lowest = 1 if grade == "red" else 0
    candidates = sorted(order, key=lambda item: (linkage.unit(item[0])["rank"], item[1], linkage.unit(item[0])["code"]))
    skipped = []
    for unit, _depth, _pred in candidates:
        info = linkage.unit(unit)
        if info["rank"] < lowest:
            continue
        if grade == "green" and info["kind"] != "village_committee" and info["rank"] == 0:
            continue
        if can_handle(linkage, unit, category_id, grade):
            reason = _("red cases start at the township") if lowest and info["rank"] >= lowest else ""
            return Route(unit, tuple(_path(seen, unit)), reason, tuple(skipped))
        skipped.append((unit, _("cannot handle this category at this grade")))
    return Route(
        None,
        reason=_("No unit on the chain of %(place)s can handle %(category)s at grade %(grade)s.")
        % {
            "place": linkage.region_names.get(region_id, region_id),
            "category": linkage.category_names.get(category_id, category_id),
            "grade": grade_name(grade),
        },
        skipped=tuple(skipped),
    )


def escalation(linkage, unit_id, category_id, grade):
    """The next capable unit above `unit_id` on the chain, or a Route without unit at the top.

    Units passed over on the way (not capable) are listed in `skipped` with the reason, so
    that an escalation never skips a level silently. It cannot loop: the walk never visits a
    unit twice, and validation keeps escalates_to acyclic.
    """
    if unit_id not in linkage.graph:
        return Route(None, reason=_("The unit is not part of the chain."))
    here = linkage.unit(unit_id)
    if here["kind"] == COUNTY_CENTRE or not list(linkage.graph.successors(unit_id)):
        return Route(None, reason=_("The case is already at the top of the chain."))
    order, seen = _upward(linkage, [unit_id], category_id, grade)
    lowest = 1 if grade == "red" else 0  # red needs leadership: never back to a village unit
    skipped = []
    for unit, _depth, _pred in sorted(
        order[1:], key=lambda item: (linkage.unit(item[0])["rank"], item[1], linkage.unit(item[0])["code"])
    ):
        if linkage.unit(unit)["rank"] < lowest:
            continue
        if can_handle(linkage, unit, category_id, grade):
            return Route(unit, tuple(_path(seen, unit)), "", tuple(skipped))
        skipped.append((unit, _("cannot handle this category at this grade")))
    return Route(None, reason=_("No unit above can handle this case."), skipped=tuple(skipped))


def cooperators(linkage, unit_id, category_id, grade):
    """Units that handle this kind of matter together with `unit_id` (cooperates_with edges)."""
    return neighbours(linkage, unit_id, COOPERATES, category_id, grade)


def depth(linkage):
    """The longest escalation path, in edges (escalation from anywhere takes at most this many steps)."""
    up = escalation_graph(linkage)
    return nx.dag_longest_path_length(up) if up.number_of_nodes() and nx.is_directed_acyclic_graph(up) else None


def escalation_graph(linkage):
    up = nx.DiGraph()
    up.add_nodes_from(linkage.graph.nodes)
    up.add_edges_from((s, t) for s, t, key in linkage.graph.edges(keys=True) if key == ESCALATES)
    return up


# --- validation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    kind: str  # cycle, dead_end, uncovered, orphan
    units: tuple
    message: str


def validate(linkage, categories=None, grades=GRADES):
    """Everything wrong with the chain, in words an administrator understands.

    - upward edges must form no cycle;
    - every village's units must reach a county governance centre;
    - on every village's chain, every category must have a capable unit at every grade;
    - no unit may stand outside the chain (no edge at all).
    `categories` limits the coverage check (default: every category).
    """
    problems = []
    up = escalation_graph(linkage)
    for cycle in list(nx.simple_cycles(up))[:20]:
        names = " → ".join(linkage.name(unit) for unit in [*cycle, cycle[0]])
        problems.append(
            Violation("cycle", tuple(cycle), _("Escalation goes round in a circle: %(names)s.") % {"names": names})
        )

    centres = [unit for unit, data in linkage.graph.nodes(data=True) if data["kind"] == COUNTY_CENTRE]
    reach = set(centres)
    for centre in centres:
        reach |= nx.ancestors(up, centre)
    for unit, data in linkage.graph.nodes(data=True):
        if data["rank"] == 0 and unit not in reach:
            problems.append(
                Violation(
                    "dead_end",
                    (unit,),
                    _("%(unit)s has no way up to the county governance centre.") % {"unit": linkage.name(unit)},
                )
            )

    for unit in linkage.graph.nodes:
        if linkage.graph.degree(unit) == 0:
            problems.append(
                Violation(
                    "orphan", (unit,), _("%(unit)s is not linked to any other unit.") % {"unit": linkage.name(unit)}
                )
            )

    # Coverage asks route() itself, so that what validation calls complete is what routing
    # can actually do (edges limited to categories or grades, red starting at the township).
    wanted = list(linkage.category_parent) if categories is None else list(categories)
    gaps = {}
    villages = sorted({data["region"] for _u, data in linkage.graph.nodes(data=True) if data["rank"] == 0})
    for region in villages:
        for category in wanted:
            for grade in grades:
                if not route(linkage, region, category, grade).found:
                    gaps.setdefault((category, grade), []).append(region)
    for (category, grade), regions in sorted(gaps.items(), key=lambda item: (str(item[0][0]), GRADE_RANK[item[0][1]])):
        places = "、".join(str(linkage.region_names.get(region, region)) for region in regions[:5])
        more = len(regions) - 5
        problems.append(
            Violation(
                "uncovered",
                tuple(regions),
                _("No unit on the chain of %(places)s%(more)s can handle %(category)s at grade %(grade)s.")
                % {
                    "places": places,
                    "more": _(" and %(count)s more") % {"count": more} if more > 0 else "",
                    "category": linkage.category_names.get(category, category),
                    "grade": grade_name(grade),
                },
            )
        )
    return problems
