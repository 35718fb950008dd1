"""Property-based tests of the linkage chain over generated counties (no database).

A generated county has one county centre and maybe some bureaus; 1–4 townships, each with a
centre and maybe other offices; 1–5 villages in each, with a committee and maybe a mediation
committee. escalates_to edges point only to a strictly higher rank (plus committee → mediation
inside a village), so the chain is acyclic by construction; edges may be limited to some
categories and grades. Capabilities are random over a small random category tree.
"""

import random

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes.linkage import graph as lk

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

COUNTY_OTHERS = ["county_justice", "county_police", "county_petition"]
TOWNSHIP_OTHERS = ["justice_office", "police_station", "market_office", "resources_office"]
LEVELS = ("village", "township", "county")


class Chain:
    """The plain tuples `build` takes, kept so that a test can change them and build again."""

    def __init__(self, units, edges, capabilities, categories, regions):
        self.units, self.edges, self.capabilities = units, edges, capabilities
        self.categories, self.regions = categories, regions
        self.linkage = lk.build(units, edges, capabilities, categories, regions)

    def rebuild(self, extra_edges=()):
        return lk.build(self.units, [*self.edges, *extra_edges], self.capabilities, self.categories, self.regions)

    @property
    def category_ids(self):
        return [category[0] for category in self.categories]

    @property
    def region_ids(self):
        return [region[0] for region in self.regions]

    @property
    def unit_ids(self):
        return [unit[0] for unit in self.units]


def _restriction(rnd, choices):
    """None (applies to all) or a non-empty subset of `choices`."""
    return None if rnd.random() < 0.5 else rnd.sample(list(choices), rnd.randint(1, len(choices)))


@st.composite
def chains(draw, complete=False):
    """A random layered county. `complete`: every unit reaches the county centre by unrestricted
    edges and the county centre handles every category at every grade."""
    categories = []
    for pk in range(1, draw(st.integers(1, 5)) + 1):
        parent = draw(st.none() | st.sampled_from(range(1, pk))) if pk > 1 else None
        categories.append((pk, parent, f"category {pk}"))
    category_ids = [pk for pk, _parent, _name in categories]

    regions, units = [(1, None, "county")], []

    def add(kind, level, region):
        pk = len(units) + 1
        units.append((pk, kind, level, region, f"{region:05d}-{kind}", f"{kind}@{region}"))
        return pk

    add(lk.COUNTY_CENTRE, "county", 1)
    for kind in draw(st.lists(st.sampled_from(COUNTY_OTHERS), unique=True, max_size=2)):
        add(kind, "county", 1)
    committees = []
    for t in range(draw(st.integers(1, 4))):
        township = 10 + t
        regions.append((township, 1, f"township {t}"))
        add("township_centre", "township", township)
        for kind in draw(st.lists(st.sampled_from(TOWNSHIP_OTHERS), unique=True, max_size=2)):
            add(kind, "township", township)
        for v in range(draw(st.integers(1, 5))):
            village = 100 * (t + 1) + v
            regions.append((village, township, f"village {t}.{v}"))
            committee = add("village_committee", "village", village)
            if draw(st.booleans()):
                mediation = add("village_mediation", "village", village)
                committees.append((committee, mediation))

    # The edges and capabilities come from a seeded random.Random: drawing each of them from
    # hypothesis (even through st.randoms) made generation, not the properties, take most of the time.
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    rank = {pk: lk.RANK[level] for pk, _kind, level, *_rest in units}
    edges = []
    for pk in rank:
        higher = [other for other in rank if rank[other] > rank[pk]]
        for target in rnd.sample(higher, min(len(higher), rnd.randint(0, 3))):
            edges.append((pk, target, lk.ESCALATES, _restriction(rnd, category_ids), _restriction(rnd, lk.GRADES)))
    for committee, mediation in committees:
        if rnd.random() < 0.5:
            edges.append((committee, mediation, lk.ESCALATES, _restriction(rnd, category_ids), None))
    for _ in range(rnd.randint(0, 6)):
        source, target = rnd.choice(list(rank)), rnd.choice(list(rank))
        if source != target:
            edges.append((source, target, lk.COOPERATES, _restriction(rnd, category_ids), None))

    kinds = sorted({kind for _pk, kind, *_rest in units})
    capabilities = {}
    for _ in range(rnd.randint(0, 12)):
        capabilities[rnd.choice(kinds), rnd.choice(category_ids)] = rnd.choice(lk.GRADES)

    if complete:
        for pk in rank:
            if pk == 1:
                continue
            # A spine to the county centre, through strictly higher units, open to everything.
            # Listed after the random edges, so that it replaces a random edge between the same units.
            higher = [other for other in rank if rank[other] > rank[pk]] if rank[pk] < 2 else [1]
            edges.append((pk, rnd.choice(higher), lk.ESCALATES, None, None))
        capabilities = {key: grade for key, grade in capabilities.items() if key[0] != lk.COUNTY_CENTRE}
        capabilities.update({(lk.COUNTY_CENTRE, pk): "red" for pk in category_ids})

    capabilities = [(kind, category, grade) for (kind, category), grade in capabilities.items()]
    return Chain(units, edges, capabilities, categories, regions)


def applicable_reach(linkage, starts, category, grade):
    """Units reachable from `starts` over escalates_to edges applying to this category and grade."""
    graph = nx.DiGraph()
    graph.add_nodes_from(linkage.graph.nodes)
    graph.add_edges_from(
        (source, target)
        for source, target, key, data in linkage.graph.edges(keys=True, data=True)
        if key == lk.ESCALATES and lk.edge_applies(linkage, data, category, grade)
    )
    reach = set(starts)
    for start in starts:
        reach |= nx.descendants(graph, start)
    return reach


def has_applicable_edge(linkage, source, target, category, grade):
    data = linkage.graph.get_edge_data(source, target, key=lk.ESCALATES)
    return data is not None and lk.edge_applies(linkage, data, category, grade)


def qualifies(linkage, unit, category, grade):
    """What route() demands of the unit it returns."""
    info = linkage.unit(unit)
    if grade == "red" and info["rank"] < 1:
        return False
    if grade == "green" and info["rank"] == 0 and info["kind"] != "village_committee":
        return False
    return lk.can_handle(linkage, unit, category, grade)


def assert_walk(linkage, path, category, grade):
    assert len(set(path)) == len(path), f"a unit visited twice: {path}"
    for source, target in zip(path, path[1:], strict=False):
        assert has_applicable_edge(linkage, source, target, category, grade), (source, target)


def every_question(chain):
    for region in chain.region_ids:
        for category in chain.category_ids:
            for grade in lk.GRADES:
                yield region, category, grade


@SETTINGS
@given(chains())
def test_route_finds_the_lowest_capable_unit_on_the_chain_or_names_the_gap(chain):
    linkage = chain.linkage
    for region, category, grade in every_question(chain):
        result = lk.route(linkage, region, category, grade)
        starts = lk.start_units(linkage, region)
        reach = applicable_reach(linkage, starts, category, grade)
        capable = [unit for unit in reach if qualifies(linkage, unit, category, grade)]
        if result.unit is None:
            assert result.reason and not result.found
            assert capable == [], "a gap was reported though a capable unit is on the chain"
            assert all(not lk.can_handle(linkage, unit, category, grade) for unit, _why in result.skipped)
            continue
        assert lk.can_handle(linkage, result.unit, category, grade)
        assert qualifies(linkage, result.unit, category, grade)
        assert result.path[0] in starts and result.path[-1] == result.unit
        assert_walk(linkage, result.path, category, grade)
        # 小事不出村: nothing lower on the chain could have taken it.
        chosen = linkage.unit(result.unit)["rank"]
        assert all(linkage.unit(unit)["rank"] >= chosen for unit in capable)
        # What it passed over on the way, it passed over for a reason.
        assert all(not lk.can_handle(linkage, unit, category, grade) for unit, _why in result.skipped)


@SETTINGS
@given(chains())
def test_escalation_moves_strictly_up_and_reaches_the_top(chain):
    linkage = chain.linkage
    limit = lk.depth(linkage)
    assert limit is not None
    for unit in chain.unit_ids:
        for category in chain.category_ids:
            for grade in lk.GRADES:
                here, steps = unit, 0
                while True:
                    result = lk.escalation(linkage, here, category, grade)
                    steps += 1
                    assert steps <= limit + 1, "escalation did not reach the top within depth + 1 steps"
                    if result.unit is None:
                        assert result.reason
                        break
                    assert result.unit != here
                    assert result.path[0] == here and result.path[-1] == result.unit
                    assert_walk(linkage, result.path, category, grade)
                    assert lk.can_handle(linkage, result.unit, category, grade)
                    here = result.unit


@SETTINGS
@given(chains(complete=True))
def test_a_complete_chain_has_no_gap(chain):
    linkage = chain.linkage
    assert not [problem for problem in lk.validate(linkage) if problem.kind in ("cycle", "dead_end", "uncovered")]
    for region, category, grade in every_question(chain):
        result = lk.route(linkage, region, category, grade)
        assert result.found, result.reason


@SETTINGS
@given(chains(), st.data())
def test_validate_sees_no_cycle_until_a_back_edge_closes_one(chain, data):
    assert not [problem for problem in lk.validate(chain.linkage) if problem.kind == "cycle"]
    up = lk.escalation_graph(chain.linkage)
    sources = [unit for unit in chain.unit_ids if nx.descendants(up, unit)]
    if not sources:
        return
    low = data.draw(st.sampled_from(sources))
    high = data.draw(st.sampled_from(sorted(nx.descendants(up, low))))
    linkage = chain.rebuild([(high, low, lk.ESCALATES, None, None)])
    cycles = [problem for problem in lk.validate(linkage) if problem.kind == "cycle"]
    assert cycles
    for problem in cycles:
        assert {low, high} <= set(problem.units)
        assert linkage.name(low) in problem.message and linkage.name(high) in problem.message
    assert lk.depth(linkage) is None


# --- validate() and route() agree -----------------------------------------------------------
#
# validate() promises that "on every village's chain, every category has a capable unit at
# every grade". It must check that the way route() routes: only along edges that apply to the
# category and grade, red cases from the township up, green ones at the committee. These
# chains once passed validation while leaving cases with no route.

CATEGORIES = [(1, None, "邻里纠纷"), (2, None, "土地纠纷")]
REGIONS = [(1, None, "county"), (10, 1, "township"), (100, 10, "village")]
UNITS = [
    (1, lk.COUNTY_CENTRE, "county", 1, "1", "county centre"),
    (2, "township_centre", "township", 10, "2", "township centre"),
    (3, "village_committee", "village", 100, "3", "committee"),
    (4, "village_mediation", "village", 100, "4", "mediation"),
]
UP = [
    (3, 4, lk.ESCALATES, None, None),
    (3, 2, lk.ESCALATES, None, None),
    (4, 2, lk.ESCALATES, None, None),
    (2, 1, lk.ESCALATES, None, None),
]


def passes_validation(linkage):
    return not [problem for problem in lk.validate(linkage) if problem.kind in ("cycle", "dead_end", "uncovered")]


def test_validation_and_routing_agree_on_red_cases():
    # The village mediation committee takes category 1 up to red; the centres only up to orange.
    caps = [("village_mediation", 1, "red"), ("township_centre", 1, "orange"), (lk.COUNTY_CENTRE, 1, "orange")]
    linkage = lk.build(UNITS, UP, caps, CATEGORIES[:1], REGIONS)
    assert passes_validation(linkage) == lk.route(linkage, 100, 1, "red").found


def test_validation_and_routing_agree_on_green_cases():
    # Only the village mediation committee handles category 1; the centres handle category 2.
    caps = [("village_mediation", 1, "red"), ("township_centre", 2, "red"), (lk.COUNTY_CENTRE, 2, "red")]
    linkage = lk.build(UNITS, UP, caps, CATEGORIES[:1], REGIONS)
    assert passes_validation(linkage) == lk.route(linkage, 100, 1, "green").found


def test_validation_and_routing_agree_on_limited_edges():
    # The only way up from the village is limited to category 2; the centres handle category 1.
    edges = [(3, 2, lk.ESCALATES, [2], None), (4, 2, lk.ESCALATES, [2], None), (2, 1, lk.ESCALATES, None, None)]
    caps = [("township_centre", 1, "red"), ("township_centre", 2, "red")]
    caps += [(lk.COUNTY_CENTRE, 1, "red"), (lk.COUNTY_CENTRE, 2, "red")]
    linkage = lk.build(UNITS, edges, caps, CATEGORIES, REGIONS)
    assert passes_validation(linkage) == lk.route(linkage, 100, 1, "yellow").found
