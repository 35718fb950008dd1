import pytest
from django.urls import reverse

from demo.county import seed_demo
from grid.members import assign_member
from grid.models import GridCell, Member, Region, RegionLevel, Role, Unit, UnitKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A county with two townships; the first has two villages of three cells each, all staffed."""
    county = factories.county(bounds=(114.0, 41.0, 115.0, 42.0))
    town = factories.township(county, "150922100000", "长顺镇", (114.0, 41.0, 114.5, 42.0))
    other = factories.township(county, "150922200000", "德包图乡", (114.5, 41.0, 115.0, 42.0))
    villages, cells, committees = [], [], []
    for v, (ymin, ymax) in enumerate([(41.0, 41.5), (41.5, 42.0)], start=1):
        village = factories.village(town, f"15092210020{v}", f"王家营{v}村", (114.0, ymin, 114.5, ymax))
        villages.append(village)
        committee = factories.unit(village, UnitKind.VILLAGE_COMMITTEE, name=f"{village.name}村民委员会")
        committees.append(committee)
        for seq in range(1, 4):
            x = 114.0 + (seq - 1) / 6
            cell = factories.cell(village, seq, (x, ymin, x + 1 / 6, ymax), households=50)
            cells.append(cell)
            worker = factories.user(f"gridworker-{cell.code}", last_name="王", first_name=f"网{seq}")
            assign_member(worker, Role.GRIDWORKER, committee, [cell])
    justice = factories.unit(town, UnitKind.JUSTICE_OFFICE, name="长顺司法所")
    for n in range(1, 4):
        assign_member(factories.user(f"justice-mediator-{n}", last_name="李", first_name="调"), Role.MEDIATOR, justice)
    return {
        "county": county,
        "town": town,
        "other": other,
        "villages": villages,
        "cells": cells,
        "committees": committees,
        "justice": justice,
    }


def changelist(model):
    return reverse(f"admin:grid_{model._meta.model_name}_changelist")


def change(obj):
    return reverse(f"admin:grid_{obj._meta.model_name}_change", args=[obj.pk])


def results(response):
    return list(response.context["cl"].result_list)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("model", [Region, GridCell, Unit, Member])
def test_changelists_load_with_a_fixed_number_of_queries(client, model, django_assert_max_num_queries):
    seed_demo(password="x")  # hundreds of rows: a query per row would show at once
    assert client.login(username="admin", password="x")  # the demo's superuser
    # Well below one query per row: related objects and counts come with the page's own query.
    with django_assert_max_num_queries(10):
        response = client.get(changelist(model))
    assert response.status_code == 200
    assert len(results(response)) == min(model.objects.count(), 100) >= 90


def test_geometry_change_pages_show_the_map_widget(admin_client, world):
    for obj in (world["town"], world["cells"][0]):
        response = admin_client.get(change(obj))
        assert response.status_code == 200
        content = response.content.decode()
        assert 'id="id_boundary-div-map"' in content
        assert "leaflet/leaflet.js" in content
    for obj in (world["justice"], Member.objects.first()):
        assert admin_client.get(change(obj)).status_code == 200


def test_search_by_code_name_and_username(admin_client, world):
    cell = world["cells"][4]
    found = results(admin_client.get(changelist(GridCell), {"q": cell.code}))
    assert found == [cell]
    found = results(admin_client.get(changelist(GridCell), {"q": f"gridworker-{cell.code}"}))
    assert found == [cell]
    found = results(admin_client.get(changelist(Region), {"q": "德包图"}))
    assert found == [world["other"]]
    found = results(admin_client.get(changelist(Member), {"q": "justice-mediator-2"}))
    assert [m.user.username for m in found] == ["justice-mediator-2"]
    found = results(admin_client.get(changelist(Unit), {"q": "司法所"}))
    assert found == [world["justice"]]


def test_filters_by_level_and_township(admin_client, world):
    found = results(admin_client.get(changelist(Region), {"level__exact": RegionLevel.TOWNSHIP}))
    assert found == [world["town"], world["other"]]
    assert results(admin_client.get(changelist(GridCell), {"township": world["other"].code})) == []
    assert len(results(admin_client.get(changelist(GridCell), {"township": world["town"].code}))) == 6
    found = results(admin_client.get(changelist(Member), {"role__exact": Role.MEDIATOR}))
    assert {m.unit for m in found} == {world["justice"]}


def test_region_list_counts_children(admin_client, world):
    counts = {r.code: r.child_count for r in results(admin_client.get(changelist(Region)))}
    assert counts[world["county"].code] == 2
    assert counts[world["town"].code] == 2
    assert counts[world["other"].code] == 0


def test_cell_page_lists_its_gridworker(admin_client, world):
    cell = world["cells"][1]
    content = admin_client.get(change(cell)).content.decode()
    assert f"gridworker-{cell.code}" in content
    assert "王网2" in content
    assert f"gridworker-{world['cells'][2].code}" not in content


def test_unit_page_lists_its_members(admin_client, world):
    content = admin_client.get(change(world["justice"])).content.decode()
    for n in (1, 2, 3):
        assert f"justice-mediator-{n}" in content
    content = admin_client.get(change(world["committees"][0])).content.decode()
    assert f"gridworker-{world['cells'][0].code}" in content
    assert f"gridworker-{world['cells'][3].code}" not in content  # the other village's


def member_form(user, role, unit, cells=()):
    return {"user": user.pk, "role": role, "unit": unit.pk, "cells": [c.pk for c in cells], "phone": "", "active": "on"}


def test_member_form_checks_cells(admin_client, world):
    url = reverse("admin:grid_member_add")
    committee = world["committees"][0]
    newcomer = factories.user("newcomer")
    before = Member.objects.count()

    response = admin_client.post(url, member_form(newcomer, Role.GRIDWORKER, committee))
    assert response.status_code == 200
    assert "cells" in response.context["adminform"].form.errors
    assert 'class="errorlist' in response.content.decode()

    outside = world["cells"][3]  # in the second village
    response = admin_client.post(url, member_form(newcomer, Role.GRIDWORKER, committee, [outside]))
    assert response.status_code == 200
    assert outside.code in str(response.context["adminform"].form.errors["cells"])

    response = admin_client.post(url, member_form(newcomer, Role.MEDIATOR, world["justice"], [world["cells"][0]]))
    assert "cells" in response.context["adminform"].form.errors
    assert Member.objects.count() == before

    response = admin_client.post(url, member_form(newcomer, Role.GRIDWORKER, committee, world["cells"][:2]))
    assert response.status_code == 302
    member = Member.objects.get(user=newcomer)
    assert set(member.cells.all()) == set(world["cells"][:2])


def test_member_form_keeps_the_role_rules(admin_client, world):
    newcomer = factories.user("newcomer")
    response = admin_client.post(
        reverse("admin:grid_member_add"), member_form(newcomer, Role.GRIDWORKER, world["justice"], world["cells"][:1])
    )
    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not Member.objects.filter(user=newcomer).exists()


def test_unit_inline_checks_cells(admin_client, world):
    committee = world["committees"][1]
    newcomer = factories.user("newcomer")
    existing = list(committee.members.order_by("pk"))
    data = {
        "code": committee.code,
        "name": committee.name,
        "kind": committee.kind,
        "region": committee.region.pk,
        "phone": "",
        "active": "on",
        "members-TOTAL_FORMS": len(existing) + 1,
        "members-INITIAL_FORMS": len(existing),
        "members-MIN_NUM_FORMS": 0,
        "members-MAX_NUM_FORMS": 1000,
    }
    for i, member in enumerate(existing):
        data.update(
            {
                f"members-{i}-id": member.pk,
                f"members-{i}-unit": committee.pk,
                f"members-{i}-user": member.user_id,
                f"members-{i}-role": member.role,
                f"members-{i}-cells": [c.pk for c in member.cells.all()],
                f"members-{i}-active": "on",
            }
        )
    new = len(existing)
    data.update({f"members-{new}-unit": committee.pk, f"members-{new}-user": newcomer.pk})
    data[f"members-{new}-role"] = Role.GRIDWORKER

    response = admin_client.post(change(committee), data)
    assert response.status_code == 200
    assert "cells" in response.context["inline_admin_formsets"][0].formset.forms[new].errors
    assert not Member.objects.filter(user=newcomer).exists()

    data[f"members-{new}-cells"] = [world["cells"][3].pk]
    response = admin_client.post(change(committee), data)
    assert response.status_code == 302
    assert list(Member.objects.get(user=newcomer).cells.all()) == [world["cells"][3]]
