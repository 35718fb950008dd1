"""The standard linkage chain: capabilities, the demo county's edges, validation, the admin and the commands."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from core import versions
from demo import county as _demo  # noqa: F401  imports shapely before Django loads GEOS: the other order crashes
from disputes import categories
from disputes.linkage import chain
from disputes.linkage import graph as linkage
from disputes.models import Capability, Category, LinkageEdge, StageLimit
from grid.models import Region, RegionLevel, Unit, UnitKind
from tests import factories as f

pytestmark = pytest.mark.django_db

E, C = linkage.ESCALATES, linkage.COOPERATES


@pytest.fixture(autouse=True)
def standard_data():
    """The categories and capabilities come with the migrations; a transactional test's flush removes them."""
    categories.load(Category, StageLimit)
    chain.load_capabilities(Capability, Category)


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # the test runner turns DEBUG off; the demo is meant for development
    call_command("seed_demo", stdout=StringIO())
    return chain.build_standard_chain()


def unit_of(region, kind):
    return Unit.objects.get(region=region, kind=kind)


def category(code):
    return Category.objects.get(code=code).pk


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """These tests read the English source texts: messages, commands and admin pages in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def run(command, *args):
    """The command's output, in English (the tests read the English source texts)."""
    out = StringIO()
    with translation.override("en"):
        call_command(command, *args, stdout=out)
    return out.getvalue()


# --- capabilities -----------------------------------------------------------------------------


def test_the_migration_loads_the_standard_capabilities_and_loading_again_keeps_admin_edits():
    rows = set(Capability.objects.values_list("unit_kind", "category__code", "max_grade"))
    assert rows == set(chain.capability_rows())
    assert ("village_committee", "11", "yellow") in rows
    assert ("village_committee", "50", "green") in rows
    assert ("resources_office", "13", "orange") in rows
    assert {kind for kind, _code, _grade in rows} == set(UnitKind.values)

    edited = Capability.objects.get(unit_kind="village_committee", category__code="11")
    edited.max_grade = "green"
    edited.save()
    Capability.objects.filter(unit_kind="market_office", category__code="22").delete()
    assert chain.load_capabilities(Capability, Category) == 1  # only the missing one comes back
    edited.refresh_from_db()
    assert edited.max_grade == "green"


# --- the demo county ----------------------------------------------------------------------------


def test_the_demo_county_gets_a_complete_chain(demo):
    villages = Region.objects.filter(level=RegionLevel.VILLAGE).count()
    assert villages == 87
    assert demo.created == LinkageEdge.objects.count() > 5 * villages
    assert demo.skipped == []
    snapshot = linkage.load()
    assert chain.violations(snapshot) == []
    assert linkage.depth(snapshot) == 4  # 村委会 → 村调委会 → 司法所 → 县司法局 (or 综治中心) → 县综治中心
    assert "complete" in run("check_linkage")


def test_every_category_at_every_grade_routes_from_every_demo_village(demo):
    snapshot = linkage.load()
    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE).values_list("pk", flat=True))
    wanted = list(Category.objects.values_list("pk", flat=True))
    gaps = [
        (village, category_id, grade)
        for village in villages
        for category_id in wanted
        for grade in linkage.GRADES
        if not linkage.route(snapshot, village, category_id, grade).found
    ]
    assert gaps == []


def test_the_demo_routes_realistic_cases(demo):
    snapshot = linkage.load()
    for village in Region.objects.filter(level=RegionLevel.VILLAGE).select_related("parent"):
        township = village.parent
        # A neighbour quarrel stays in the village (小事不出村).
        quarrel = linkage.route(snapshot, village.pk, category("1101"), "yellow")
        assert quarrel.found and snapshot.unit(quarrel.unit)["region"] == village.pk
        assert snapshot.unit(quarrel.unit)["rank"] == 0
        # A land-contract dispute goes to the township's 司法所, its 自然资源所 cooperating.
        land = linkage.route(snapshot, village.pk, category("1301"), "yellow")
        justice = unit_of(township, UnitKind.JUSTICE_OFFICE)
        assert land.unit == justice.pk
        assert unit_of(township, UnitKind.RESOURCES_OFFICE).pk in linkage.cooperators(
            snapshot, justice.pk, category("1301"), "yellow"
        )
        # A red mass-petition risk goes to the township centre, with its leadership (大事不出乡).
        petition = linkage.route(snapshot, village.pk, category("5501"), "red")
        assert petition.unit == unit_of(township, UnitKind.TOWNSHIP_CENTRE).pk
        assert petition.reason  # "red cases start at the township"


def test_escalation_along_the_demo_chain(demo):
    snapshot = linkage.load()
    village = Region.objects.filter(level=RegionLevel.VILLAGE).select_related("parent").first()
    township, county = village.parent, village.parent.parent
    committee = unit_of(village, UnitKind.VILLAGE_COMMITTEE)
    justice = unit_of(township, UnitKind.JUSTICE_OFFICE)
    centre = unit_of(township, UnitKind.TOWNSHIP_CENTRE)
    # The committee cannot settle a land-contract dispute: its mediation committee cannot either, the 司法所 can.
    up = linkage.escalation(snapshot, committee.pk, category("1301"), "yellow")
    assert up.unit == justice.pk
    assert [unit for unit, _why in up.skipped] == [unit_of(village, UnitKind.VILLAGE_MEDIATION).pk]
    # A dispute turned red at the 司法所 goes to the township centre, then to the county centre.
    assert linkage.escalation(snapshot, justice.pk, category("1301"), "red").unit == centre.pk
    top = unit_of(county, UnitKind.COUNTY_CENTRE)
    assert linkage.escalation(snapshot, centre.pk, category("1301"), "red").unit == top.pk
    assert not linkage.escalation(snapshot, top.pk, category("1301"), "red").found
    # The centre summons every township office (「中心吹哨、部门报到」); the 司法所 the police for a 治安 matter.
    offices = Unit.objects.filter(region=township).exclude(kind=UnitKind.TOWNSHIP_CENTRE)
    assert set(linkage.cooperators(snapshot, centre.pk, category("5501"), "red")) == {u.pk for u in offices}
    police = unit_of(township, UnitKind.POLICE_STATION).pk
    assert linkage.cooperators(snapshot, justice.pk, category("20"), "yellow") == [police]
    assert linkage.cooperators(snapshot, justice.pk, category("1101"), "yellow") == []


def test_building_again_creates_nothing_and_keeps_admin_edits(demo):
    count = LinkageEdge.objects.count()
    edited = LinkageEdge.objects.filter(relation=E, grades=[]).first()
    edited.grades = ["red"]
    edited.save()
    again = chain.build_standard_chain()
    assert (again.created, again.existing) == (0, count)
    assert LinkageEdge.objects.count() == count
    edited.refresh_from_db()
    assert edited.grades == ["red"]
    # A deleted edge is drawn again; nothing else changes.
    LinkageEdge.objects.filter(pk=edited.pk).delete()
    assert chain.build_standard_chain().created == 1
    assert LinkageEdge.objects.count() == count


def test_the_chain_version_moves_when_the_chain_is_built(world):
    before, token = linkage.current(), versions.token("linkage")
    chain.build_standard_chain()
    after = linkage.current()
    assert versions.token("linkage") != token
    assert after.graph.number_of_edges() > 0 == before.graph.number_of_edges()


# --- validation on hand-made chains -------------------------------------------------------------

REGIONS = [(1, None, "县"), (2, 1, "甲镇"), (3, 2, "东村"), (4, 2, "西村")]
CATEGORIES = [(10, None, "邻里纠纷"), (11, 10, "相邻关系纠纷"), (20, None, "医疗纠纷")]
UNITS = [
    (100, "county_centre", "county", 1, "1-cc", "县综治中心"),
    (101, "township_centre", "township", 2, "2-tc", "甲镇综治中心"),
    (102, "justice_office", "township", 2, "2-jo", "甲司法所"),
    (103, "village_committee", "village", 3, "3-vc", "东村村委会"),
    (104, "village_committee", "village", 4, "4-vc", "西村村委会"),
]
GOOD_EDGES = [
    (103, 101, E, None, None),
    (104, 101, E, None, None),
    (102, 101, E, None, None),
    (101, 100, E, None, None),
    (101, 102, C, None, None),
]
CAPABILITIES = [("county_centre", 10, "red"), ("county_centre", 20, "red"), ("village_committee", 10, "yellow")]


def small(edges=GOOD_EDGES, units=UNITS, capabilities=CAPABILITIES):
    return linkage.build(units, edges, capabilities, CATEGORIES, REGIONS)


def kinds(problems):
    return sorted({problem.kind for problem in problems})


def test_a_good_small_chain_has_no_violations():
    assert linkage.validate(small()) == []


def test_validation_finds_a_cycle_and_names_its_units():
    problems = linkage.validate(small([*GOOD_EDGES, (100, 102, E, None, None)]))
    assert kinds(problems) == ["cycle"]
    (cycle,) = problems
    assert set(cycle.units) == {100, 101, 102}
    for name in ("县综治中心", "甲镇综治中心", "甲司法所"):
        assert name in cycle.message


def test_validation_finds_a_dead_end():
    edges = [edge for edge in GOOD_EDGES if edge[:2] != (104, 101)] + [(104, 103, C, None, None)]
    problems = linkage.validate(small(edges))
    assert kinds(problems) == ["dead_end", "uncovered"]  # 西村's chain now ends in the village
    (dead_end,) = [problem for problem in problems if problem.kind == "dead_end"]
    assert dead_end.units == (104,)
    assert dead_end.message == "西村村委会 has no way up to the county governance centre."
    assert {problem.units for problem in problems if problem.kind == "uncovered"} == {(4,)}


def test_validation_follows_the_edges_that_apply():
    # Every village reaches the county centre, which handles everything, but 西村's only edge up
    # carries 医疗纠纷 alone: its 邻里纠纷 beyond the committee's yellow lead nowhere.
    edges = [edge for edge in GOOD_EDGES if edge[:2] != (104, 101)] + [(104, 101, E, [20], None)]
    snapshot = small(edges)
    problems = chain.violations(snapshot)
    assert {(problem.kind, problem.units) for problem in problems} == {("uncovered", (4,))}
    assert [problem.message for problem in problems] == [
        "No unit on the chain of 西村 can handle 邻里纠纷 at grade orange.",
        "No unit on the chain of 西村 can handle 邻里纠纷 at grade red.",
    ]
    assert problems == linkage.validate(snapshot, categories=[10, 20])  # 相邻关系纠纷 (11) goes as 10 does


def test_checking_one_category_of_each_class_is_checking_them_all(demo):
    snapshot = linkage.load()
    classes = chain.category_classes(snapshot)
    assert len(classes) == len(chain.EVERYTHING)  # the standard data names major categories only
    assert {snapshot.category_parent[pk] for pk in classes} == {None}
    edge = LinkageEdge.objects.filter(relation=E, source__kind=UnitKind.VILLAGE_COMMITTEE).first()
    edge.categories.add(Category.objects.get(code="1101"))  # a middle category named by an edge: a class of its own
    assert len(chain.category_classes(linkage.load())) == len(chain.EVERYTHING) + 1


def test_validation_finds_an_orphan():
    units = [*UNITS, (105, "police_station", "township", 2, "2-ps", "甲派出所")]
    problems = linkage.validate(small(units=units))
    assert kinds(problems) == ["orphan"]
    assert problems[0].units == (105,)
    assert "甲派出所" in problems[0].message


# --- validation from the database ---------------------------------------------------------------


@pytest.fixture
def built(world):
    chain.build_standard_chain()
    return world


def problems():
    return linkage.validate(linkage.load())


def test_the_small_world_gets_a_complete_chain(built):
    w = built
    assert problems() == []
    snapshot = linkage.load()
    # 西滩村 has no mediation committee: its committee takes disputes to the 司法所 itself.
    assert linkage.route(snapshot, w.v2.pk, category("1301"), "yellow").unit == w.t1_justice.pk
    # 朝阳镇 has no 司法所 yet: its centre takes the land dispute.
    assert linkage.route(snapshot, w.v3.pk, category("1301"), "yellow").unit == w.t2_centre.pk


def test_the_database_chain_reports_a_cycle(built):
    LinkageEdge.objects.create(source=built.county_centre, target=built.t1_centre, relation=E)
    (cycle,) = [problem for problem in problems() if problem.kind == "cycle"]
    assert set(cycle.units) == {built.county_centre.pk, built.t1_centre.pk}
    assert "化德县综治中心" in cycle.message and "长顺镇综治中心" in cycle.message


def test_the_database_chain_reports_a_dead_end_and_an_orphan(built):
    LinkageEdge.objects.filter(source=built.v3_committee).delete()
    found = {(problem.kind, problem.units) for problem in problems()}
    assert ("dead_end", (built.v3_committee.pk,)) in found
    assert ("orphan", (built.v3_committee.pk,)) in found
    assert any("王家营村村委会" in problem.message for problem in problems())


def test_the_database_chain_reports_an_uncovered_category(built):
    Capability.objects.filter(category__code="19").delete()
    uncovered = [problem for problem in problems() if problem.kind == "uncovered"]
    assert len(uncovered) == 4  # one per grade
    assert set(uncovered[0].units) == {built.v1.pk, built.v2.pk, built.v3.pk}
    assert "医疗纠纷" in uncovered[0].message and "东沟村" in uncovered[0].message


def test_the_database_chain_reports_an_edge_restricted_too_narrowly(built):
    edge = LinkageEdge.objects.get(source=built.v3_committee, relation=E)
    edge.categories.set([Category.objects.get(code="51")])  # 王家营村's only way up now carries 社会治安 alone
    gaps = chain.violations()
    assert gaps and {gap.kind for gap in gaps} == {"uncovered"}
    assert all(gap.units == (built.v3.pk,) and "王家营村" in gap.message for gap in gaps)
    assert any("医疗纠纷" in gap.message for gap in gaps)


def test_the_database_chain_reports_an_orphan_unit(built):
    police = f.unit(built.t1, UnitKind.POLICE_STATION, "长顺派出所")
    orphans = [problem for problem in problems() if problem.kind == "orphan"]
    assert [problem.units for problem in orphans] == [(police.pk,)]
    assert "长顺派出所" in orphans[0].message


# --- commands -----------------------------------------------------------------------------------


def test_build_linkage_builds_once_and_reports(world):
    output = run("build_linkage")
    assert "Created" in output and "escalation" in output
    assert LinkageEdge.objects.exists()
    count = LinkageEdge.objects.count()
    assert "nothing was built" in run("build_linkage", "--if-empty")
    assert "Created 0 escalation and 0 cooperation edges" in run("build_linkage")
    assert LinkageEdge.objects.count() == count


def test_check_linkage_exit_status_and_messages(built):
    output = run("check_linkage")
    assert "The chain is complete" in output
    assert "complete" in run("check_linkage", "--region", built.t2.code)

    LinkageEdge.objects.filter(source=built.v3_committee).delete()
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("check_linkage", stdout=out)
    assert failure.value.returncode == 1
    assert "problems" in str(failure.value)
    text = out.getvalue()
    assert "王家营村村委会 has no way up to the county governance centre." in text
    assert f"王家营村村委会 ({built.v3_committee.code})" in text  # the units, with their codes

    # Another township's chain is still complete; the broken one is not.
    assert "complete" in run("check_linkage", "--region", built.t1.code)
    with pytest.raises(CommandError):
        call_command("check_linkage", "--region", built.v3.code, stdout=StringIO())
    with pytest.raises(CommandError, match="No region"):
        call_command("check_linkage", "--region", "999999999999", stdout=StringIO())


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def staff(client, built):
    client.force_login(get_user_model().objects.create_superuser("chain-keeper", "keeper@example.org", "x"))
    return client


ADD = reverse("admin:disputes_linkageedge_add")


def edge_form(source, target, relation=E, **extra):
    return {"source": source.pk, "target": target.pk, "relation": relation, "categories": [], **extra}


def test_the_admin_refuses_an_edge_that_closes_an_escalation_cycle(staff, built):
    count = LinkageEdge.objects.count()
    # 司法所 → 县综治中心 is fine, but the county centre cannot escalate back down to the village.
    response = staff.post(ADD, edge_form(built.t1_centre, built.v1_mediation))
    assert response.status_code == 200
    assert "cannot escalate to 东沟村人民调解委员会" in response.content.decode()
    # Same level, but it closes a circle: 综治中心 → 司法所 while 司法所 → 综治中心 exists.
    response = staff.post(ADD, edge_form(built.t1_centre, built.t1_justice))
    text = response.content.decode()
    assert response.status_code == 200
    assert "go round in a circle: 长顺镇综治中心 → 长顺司法所 → 长顺镇综治中心" in text
    assert LinkageEdge.objects.count() == count


def test_the_admin_refuses_editing_an_edge_into_a_cycle(staff, built):
    edge = LinkageEdge.objects.get(source=built.t1_centre, target=built.t1_justice, relation=C)
    url = reverse("admin:disputes_linkageedge_change", args=[edge.pk])
    response = staff.post(url, edge_form(built.t1_centre, built.t1_justice, relation=E))
    assert "go round in a circle" in response.content.decode()
    edge.refresh_from_db()
    assert edge.relation == C
    # Turning the existing escalation round is refused too; editing it in place is not a cycle.
    up = LinkageEdge.objects.get(source=built.t1_justice, target=built.t1_centre, relation=E)
    url = reverse("admin:disputes_linkageedge_change", args=[up.pk])
    assert staff.post(url, edge_form(built.t1_justice, built.t1_centre, grades=["red"])).status_code == 302
    up.refresh_from_db()
    assert up.grades == ["red"]


def test_the_admin_accepts_a_good_edge_and_warns_about_the_rest(staff, built):
    police = f.unit(built.t1, UnitKind.POLICE_STATION, "长顺派出所")
    response = staff.post(
        ADD,
        edge_form(built.t1_justice, police, relation=C, categories=[category("51")], grades=["yellow", "orange"]),
        follow=True,
    )
    assert response.status_code == 200
    edge = LinkageEdge.objects.get(source=built.t1_justice, target=police)
    assert edge.grades == ["yellow", "orange"]
    assert [c.code for c in edge.categories.all()] == ["51"]
    messages = [str(message) for message in response.context["messages"]]
    assert not any("not linked to any other unit" in message for message in messages)  # no longer an orphan
    # The police station still has no way up: an escalation edge fixes nothing about villages, so no dead end.
    assert linkage.validate(linkage.load()) == []

    # An edge that leaves a problem behind is saved, with the problem shown as a warning.
    LinkageEdge.objects.filter(source=built.v3_committee, relation=E).delete()
    response = staff.post(ADD, edge_form(built.v3_committee, built.t2_centre, relation=C), follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert LinkageEdge.objects.filter(source=built.v3_committee, relation=C).exists()
    assert any("王家营村村委会 has no way up" in message for message in messages)


def test_the_admin_lists_edges_and_capabilities(staff, built):
    response = staff.get(reverse("admin:disputes_linkageedge_changelist"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "东沟村人民调解委员会" in text and reverse("admin:disputes_linkageedge_chain") in text
    assert staff.get(reverse("admin:disputes_linkageedge_changelist"), {"relation": C}).status_code == 200
    response = staff.get(reverse("admin:disputes_capability_changelist"), {"unit_kind": "resources_office"})
    assert response.status_code == 200
    assert "土地承包经营纠纷" in response.content.decode()
    assert staff.get(reverse("admin:disputes_capability_changelist"), {"q": "13"}).status_code == 200
    assert staff.get(ADD).status_code == 200


def drawing(page):
    """The chain's SVG in the page (the admin has icons in SVG too)."""
    return page.split('<svg id="linkage-chain"', 1)[1].split("</svg>")[0]


def test_the_chain_page_draws_a_region(staff, built):
    url = reverse("admin:disputes_linkageedge_chain")
    response = staff.get(url, {"region": built.t1.code})
    text = response.content.decode()
    assert response.status_code == 200
    svg = drawing(text)
    names = ("东沟村村委会", "东沟村人民调解委员会", "西滩村村委会", "长顺镇综治中心", "长顺司法所", "化德县综治中心")
    for name in names:
        assert f"<title>{name} (" in svg
    assert "王家营村村委会" not in drawing(text)  # another township's
    assert "stroke-dasharray" in text or 'class="cooperates"' in text
    assert "No problems" in text

    LinkageEdge.objects.filter(source=built.v1_committee, relation=E).delete()
    LinkageEdge.objects.filter(source=built.v1_mediation, relation=E).delete()
    text = staff.get(url, {"region": built.v1.code}).content.decode()
    assert "东沟村村委会 has no way up to the county governance centre." in text

    assert staff.get(url).status_code == 200  # the first township by default
    assert "No region has the code" in staff.get(url, {"region": "1"}).content.decode()


def test_the_chain_page_is_for_staff_who_may_view_the_chain(client, built):
    url = reverse("admin:disputes_linkageedge_chain")
    assert client.get(url).status_code == 302  # to the login
    client.force_login(get_user_model().objects.create_user("clerk", password="x", is_staff=True))
    assert client.get(url).status_code == 403


def test_the_chain_page_of_the_demo_county(demo, client):
    staff = client
    staff.force_login(get_user_model().objects.get(username="admin"))
    url = reverse("admin:disputes_linkageedge_chain")
    township = Region.objects.filter(level=RegionLevel.TOWNSHIP).order_by("code").first()
    text = staff.get(url, {"region": township.code}).content.decode()
    svg = drawing(text)
    for unit in Unit.objects.filter(region__parent=township):
        assert f"<title>{unit.name} (" in svg
    assert svg.count('class="escalates"') >= 3 * Region.objects.filter(parent=township).count()
    assert staff.get(url, {"region": township.parent.code}).status_code == 200  # the whole county
