"""Codes, the region hierarchy, units and member assignments."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from grid import codes
from grid.members import assign_member
from grid.models import GridCell, Member, Region, RegionLevel, Role, Unit, UnitKind
from tests import factories as f


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("150922", "150922000000"),
        (150922, "150922000000"),
        ("150922100", "150922100000"),
        (" 150922100201 ", "150922100201"),
        ("150922100201.0", "150922100201"),
    ],
)
def test_region_codes_are_padded_to_twelve_digits(raw, expected):
    assert codes.normalize_region_code(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "15092", "1509221002", "15092210020100", "15O922", "150922-100"])
def test_malformed_region_codes_are_refused(raw):
    with pytest.raises(ValidationError):
        codes.normalize_region_code(raw)


@pytest.mark.parametrize(
    ("code", "level"),
    [("150922000000", "county"), ("150922100000", "township"), ("150922100201", "village")],
)
def test_the_code_tells_the_level(code, level):
    assert codes.region_level(code) == level


def test_a_village_code_needs_a_township_part():
    with pytest.raises(ValidationError):
        codes.region_level("150922000201")


def test_cell_codes_extend_a_village_code():
    assert codes.normalize_cell_code("150922100201003") == "150922100201003"
    for bad in ["150922100201", "150922100000003", "15092210020100x"]:
        with pytest.raises(ValidationError):
            codes.normalize_cell_code(bad)


@pytest.mark.django_db
class TestRegionHierarchy:
    @pytest.fixture
    def chain(self):
        county = f.county()
        township = f.township(county, "150922100000", "长顺镇", (114, 41, 115, 42))
        village = f.village(township, "150922100201", "东沟村", (114, 41, 114.5, 42))
        return county, township, village

    def test_a_consistent_chain_is_valid(self, chain):
        for region in chain:
            region.full_clean()
        assert [r.prefix for r in chain] == ["150922", "150922100", "150922100201"]

    def test_a_villages_parent_must_be_a_township(self, chain):
        county, _, _ = chain
        village = Region(
            code="150922100202",
            name="西沟村",
            level=RegionLevel.VILLAGE,
            parent=county,
            boundary=f.box(114, 41, 115, 42),
        )
        with pytest.raises(ValidationError) as error:
            village.full_clean()
        assert "parent" in error.value.message_dict

    def test_a_townships_parent_must_be_a_county(self, chain):
        _, township, _ = chain
        other = Region(
            code="150922101000",
            name="朝阳镇",
            level=RegionLevel.TOWNSHIP,
            parent=township,
            boundary=f.box(114, 41, 115, 42),
        )
        with pytest.raises(ValidationError) as error:
            other.full_clean()
        assert "parent" in error.value.message_dict

    def test_a_county_has_no_parent(self, chain):
        county, _, _ = chain
        other = Region(
            code="150923000000",
            name="商都县",
            level=RegionLevel.COUNTY,
            parent=county,
            boundary=f.box(114, 41, 115, 42),
        )
        with pytest.raises(ValidationError):
            other.full_clean()

    def test_the_code_must_lie_under_the_parent(self, chain):
        _, township, _ = chain
        stray = Region(
            code="150922101203",
            name="东沟村",
            level=RegionLevel.VILLAGE,
            parent=township,
            boundary=f.box(114, 41, 115, 42),
        )
        with pytest.raises(ValidationError) as error:
            stray.full_clean()
        assert "code" in error.value.message_dict

    def test_the_level_must_match_the_code(self, chain):
        county, _, _ = chain
        wrong = Region(
            code="150922102201",
            name="错村",
            level=RegionLevel.TOWNSHIP,
            parent=county,
            boundary=f.box(114, 41, 115, 42),
        )
        with pytest.raises(ValidationError) as error:
            wrong.full_clean()
        assert "level" in error.value.message_dict

    def test_the_database_refuses_a_township_without_parent(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            f.region("150922100000", "长顺镇", RegionLevel.TOWNSHIP, parent=None)
        assert not Region.objects.exists()

    def test_within_follows_code_prefixes(self, chain):
        county, township, village = chain
        other_township = f.township(county, "150922101000", "朝阳镇", (114, 41, 115, 42))
        assert list(Region.objects.within(township)) == [township, village]
        assert set(Region.objects.within(county)) == {county, township, village, other_township}

    def test_a_cell_code_must_start_with_its_village_code(self, chain):
        _, _, village = chain
        cell = GridCell(code="150922100299001", name="错网格", village=village, boundary=f.box(114, 41, 114.1, 41.1))
        with pytest.raises(ValidationError):
            cell.full_clean()

    def test_the_spatial_indexes_are_maintained(self, chain):
        # SQLite table rebuilds in migrations silently drop SpatiaLite's index triggers.
        _, _, village = chain
        f.cell(village, 1, (114, 41, 114.2, 41.2))
        if connection.vendor != "sqlite":
            pytest.skip("PostGIS maintains GiST indexes itself")
        with connection.cursor() as cursor:
            for table, model in [("grid_region", Region), ("grid_gridcell", GridCell)]:
                cursor.execute(f'SELECT count(*) FROM "idx_{table}_boundary"')
                assert cursor.fetchone()[0] == model.objects.count(), table


@pytest.mark.django_db
class TestUnitsAndMembers:
    @pytest.fixture
    def place(self):
        county = f.county()
        township = f.township(county, "150922100000", "长顺镇", (114, 41, 115, 42))
        village = f.village(township, "150922100201", "东沟村", (114, 41, 114.5, 42))
        other_village = f.village(township, "150922100202", "西沟村", (114.5, 41, 115, 42))
        return {
            "county": county,
            "township": township,
            "village": village,
            "cell": f.cell(village, 1, (114, 41, 114.5, 41.5)),
            "cell2": f.cell(village, 2, (114, 41.5, 114.5, 42)),
            "foreign_cell": f.cell(other_village, 1, (114.5, 41, 115, 42)),
            "committee": f.unit(village, UnitKind.VILLAGE_COMMITTEE),
            "mediation": f.unit(village, UnitKind.VILLAGE_MEDIATION),
            "justice": f.unit(township, UnitKind.JUSTICE_OFFICE),
        }

    def test_a_unit_serves_a_region_of_its_level(self, place):
        unit = Unit(code="x", name="司法所", kind=UnitKind.JUSTICE_OFFICE, region=place["village"])
        with pytest.raises(ValidationError) as error:
            unit.full_clean()
        assert "region" in error.value.message_dict
        Unit(code="y", name="司法所", kind=UnitKind.JUSTICE_OFFICE, region=place["township"]).full_clean()

    def test_a_gridworker_gets_cells_of_their_village(self, place):
        user = f.user("gw1")
        member = assign_member(user, Role.GRIDWORKER, place["committee"], [place["cell"]])
        assert list(member.cells.all()) == [place["cell"]]
        assert list(place["cell"].members.all()) == [member]

    def test_a_gridworker_without_cells_is_refused_and_nothing_saved(self, place):
        with pytest.raises(ValidationError) as error:
            assign_member(f.user("gw1"), Role.GRIDWORKER, place["committee"], [])
        assert "cells" in error.value.message_dict
        assert not Member.objects.exists()

    def test_a_cell_outside_the_units_region_is_refused(self, place):
        with pytest.raises(ValidationError) as error:
            assign_member(f.user("gw1"), Role.GRIDWORKER, place["committee"], [place["cell"], place["foreign_cell"]])
        assert place["foreign_cell"].code in error.value.message_dict["cells"][0]
        assert not Member.objects.exists()

    def test_only_cell_roles_take_cells(self, place):
        with pytest.raises(ValidationError):
            assign_member(f.user("m1"), Role.MEDIATOR, place["mediation"], [place["cell"]])
        assert not Member.objects.exists()

    def test_a_role_must_fit_the_unit_kind(self, place):
        with pytest.raises(ValidationError) as error:
            assign_member(f.user("m1"), Role.OPERATOR, place["justice"])
        assert "unit" in error.value.message_dict

    def test_one_user_holds_several_assignments(self, place):
        user = f.user("li")
        assign_member(user, Role.GRIDWORKER, place["committee"], [place["cell"]])
        assign_member(user, Role.MEDIATOR, place["mediation"])
        assign_member(user, Role.STAFF, place["justice"])
        assert sorted(user.memberships.values_list("role", flat=True)) == ["gridworker", "mediator", "staff"]

    def test_reassigning_the_same_role_updates_the_cells(self, place):
        user = f.user("gw1")
        assign_member(user, Role.GRIDWORKER, place["committee"], [place["cell"]])
        member = assign_member(user, Role.GRIDWORKER, place["committee"], [place["cell2"]])
        assert Member.objects.count() == 1
        assert list(member.cells.all()) == [place["cell2"]]

    def test_the_database_refuses_a_duplicate_assignment(self, place):
        user = f.user("m1")
        Member.objects.create(user=user, role=Role.MEDIATOR, unit=place["mediation"])
        with pytest.raises(IntegrityError), transaction.atomic():
            Member.objects.create(user=user, role=Role.MEDIATOR, unit=place["mediation"])
