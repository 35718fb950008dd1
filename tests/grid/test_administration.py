"""County and township administrators manage their own people in the admin, without superuser
rights: they see and edit the members of their region only, assign only its units and cells,
never raise anyone to their own level, to a unit above them or to superuser, and sign out a lost
phone or set a temporary password only for people who work nowhere else."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import TemporaryPassword
from grid import administration
from grid.members import assign_member, deactivate_member
from grid.models import Member, Role
from tests import factories as f
from tests import worlds

pytestmark = pytest.mark.django_db
PASSWORD = "x-test-password-1"


@pytest.fixture
def world():
    """The test world (tests/worlds.py) under this module's names, with administrators and a few
    more people: T1 长顺镇 is "the township", T2 朝阳镇 "the other"."""
    w = worlds.build()
    w.town, w.other = w.t1, w.t2
    w.village, w.other_village = w.v1, w.v3
    w.cell, w.cell2, w.other_cell = w.c1, w.c2, w.c4
    w.committee, w.other_committee = w.v1_committee, w.v3_committee
    w.centre, w.other_centre = w.t1_centre, w.t2_centre

    person = w.person
    w.town_admin = person("town-admin", Role.ADMINISTRATOR, w.centre)
    w.county_admin = person("county-admin", Role.ADMINISTRATOR, w.county_centre)
    w.other_gridworker = person("other-gridworker", Role.GRIDWORKER, w.other_committee, [w.other_cell])
    # Works in the township and at the county: the township may not take over this account.
    w.both = person("both", Role.VOLUNTEER, w.committee, [w.cell2])
    assign_member(w.both, Role.OPERATOR, w.county_centre)
    w.root = w.admin  # the superuser
    assign_member(w.root, Role.ADMINISTRATOR, w.county_centre)
    w.newcomer = f.user("newcomer", last_name="赵", first_name="新")
    return w


def admin_url(name, *args):
    return reverse(f"admin:{name}", args=args)


def members_listed(client):
    response = client.get(admin_url("grid_member_changelist"))
    assert response.status_code == 200
    return {(m.user.username, m.role) for m in response.context["cl"].result_list}


def signed_in(client, user):
    client.force_login(user)
    return client


def add_member(client, user, role, unit, cells=()):
    return client.post(
        admin_url("grid_member_add"),
        {"user": user.pk, "role": role, "unit": unit.pk, "cells": [c.pk for c in cells], "phone": "", "active": "on"},
    )


def test_an_administrator_role_gives_the_admin_and_losing_it_takes_it_back(world):
    group = Group.objects.get(name=administration.ADMIN_GROUP)
    assert world.town_admin.is_staff and not world.town_admin.is_superuser
    assert group in world.town_admin.groups.all()
    assert world.town_admin.has_perm("grid.change_member") and not world.town_admin.has_perm("grid.delete_member")
    assert not world.gridworker.is_staff
    deactivate_member(world.town_admin.memberships.get())
    world.town_admin.refresh_from_db()
    assert not world.town_admin.is_staff and group not in world.town_admin.groups.all()


def test_a_township_administrator_sees_only_the_members_of_the_township(world, client):
    listed = members_listed(signed_in(client, world.town_admin))
    assert listed == {
        ("town-admin", Role.ADMINISTRATOR),
        ("gridworker", Role.GRIDWORKER),
        ("operator", Role.OPERATOR),
        ("committee", Role.STAFF),
        ("mediator", Role.MEDIATOR),
        ("justice", Role.MEDIATOR),
        ("both", Role.VOLUNTEER),
    }
    assert client.get(admin_url("grid_member_change", world.gridworker.memberships.get().pk)).status_code == 200
    other = world.other_gridworker.memberships.get()
    assert client.get(admin_url("grid_member_change", other.pk)).status_code == 302  # "does not exist"
    # Cells, units and people: the township's only.
    cells = client.get(admin_url("grid_gridcell_changelist")).context["cl"].result_list
    assert {c.code for c in cells} == {world.c1.code, world.c2.code, world.c3.code, world.tiny.code}
    people = {u.username for u in client.get(admin_url("auth_user_changelist")).context["cl"].result_list}
    # Not "both" (works at the county too), never a superuser; people without a membership yet
    # (newcomer, outsider) are there to be assigned.
    assert people == {
        "town-admin",
        "gridworker",
        "operator",
        "committee",
        "mediator",
        "justice",
        "newcomer",
        "outsider",
    }


def test_a_county_administrator_sees_every_member_of_the_county_but_no_superuser(world, client):
    listed = members_listed(signed_in(client, world.county_admin))
    assert ("other-gridworker", Role.GRIDWORKER) in listed and ("both", Role.OPERATOR) in listed
    assert ("root", Role.ADMINISTRATOR) not in listed
    assert len(listed) == Member.objects.exclude(user=world.root).count()


def test_a_township_administrator_adds_a_gridworker_to_a_cell_of_the_township(world, client):
    signed_in(client, world.town_admin)
    response = add_member(client, world.newcomer, Role.GRIDWORKER, world.committee, [world.cell2])
    assert response.status_code == 302, response.context["adminform"].form.errors
    member = Member.objects.get(user=world.newcomer)
    assert member.role == Role.GRIDWORKER and list(member.cells.all()) == [world.cell2]


def test_a_cell_or_unit_of_another_township_is_refused_and_nothing_changes(world, client):
    signed_in(client, world.town_admin)
    before = Member.objects.count()
    response = add_member(client, world.newcomer, Role.GRIDWORKER, world.committee, [world.other_cell])
    assert response.status_code == 200 and "cells" in response.context["adminform"].form.errors
    response = add_member(client, world.newcomer, Role.GRIDWORKER, world.other_committee, [world.other_cell])
    assert "unit" in response.context["adminform"].form.errors
    # Nor may an existing member be moved to another township's cell.
    member = world.gridworker.memberships.get()
    response = client.post(
        admin_url("grid_member_change", member.pk),
        {
            "user": world.gridworker.pk,
            "role": Role.GRIDWORKER,
            "unit": world.committee.pk,
            "cells": [world.other_cell.pk],
        },
    )
    assert response.status_code == 200
    assert Member.objects.count() == before and list(member.cells.all()) == [world.cell]


def test_nobody_is_raised_to_county_roles_administrator_or_superuser(world, client):
    signed_in(client, world.town_admin)
    response = add_member(client, world.newcomer, Role.OPERATOR, world.county_centre)
    assert "unit" in response.context["adminform"].form.errors
    response = add_member(client, world.newcomer, Role.ADMINISTRATOR, world.centre)  # their own level
    assert response.status_code == 200 and response.context["adminform"].form.errors
    # A person from outside the region cannot be picked either.
    response = add_member(client, world.other_gridworker, Role.OPERATOR, world.centre)
    assert "user" in response.context["adminform"].form.errors
    assert not Member.objects.filter(user__in=[world.newcomer, world.other_gridworker], unit=world.centre).exists()
    # The person's page offers names and status only; a forged superuser flag is ignored.
    page = client.get(admin_url("auth_user_change", world.gridworker.pk))
    assert set(page.context["adminform"].form.fields) == {
        "username",
        "password",
        "last_name",
        "first_name",
        "email",
        "is_active",
    }
    client.post(
        admin_url("auth_user_change", world.gridworker.pk),
        {
            "username": "gridworker",
            "last_name": "王",
            "first_name": "五",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    world.gridworker.refresh_from_db()
    assert world.gridworker.first_name == "五"
    assert not world.gridworker.is_superuser and not world.gridworker.is_staff
    # A county administrator may make a township administrator.
    signed_in(client, world.county_admin)
    assert add_member(client, world.newcomer, Role.ADMINISTRATOR, world.other_centre).status_code == 302
    world.newcomer.refresh_from_db()
    assert world.newcomer.is_staff and not world.newcomer.is_superuser


def test_revoke_a_lost_phone_and_reset_a_password_for_people_of_the_township_only(world, client):
    signed_in(client, world.town_admin)
    tokens = {user.username: Token.objects.create(user=user) for user in (world.gridworker, world.both)}
    chosen = [world.gridworker.memberships.get().pk, world.both.memberships.get(role=Role.VOLUNTEER).pk]
    changelist = admin_url("grid_member_changelist")
    response = client.post(changelist, {"action": "revoke_phone_sign_ins", "_selected_action": chosen}, follow=True)
    assert not Token.objects.filter(pk=tokens["gridworker"].pk).exists()
    assert Token.objects.filter(pk=tokens["both"].pk).exists()  # works at the county too: left alone
    assert "1 人还在本辖区以外工作" in response.content.decode()
    response = client.post(changelist, {"action": "reset_passwords", "_selected_action": chosen}, follow=True)
    assert list(TemporaryPassword.objects.values_list("user__username", flat=True)) == ["gridworker"]
    assert "临时密码" in response.content.decode()


def test_deactivating_in_the_admin_signs_the_phone_out(world, client):
    signed_in(client, world.town_admin)
    token = Token.objects.create(user=world.gridworker)
    member = world.gridworker.memberships.get()
    response = client.post(
        admin_url("grid_member_change", member.pk),
        {"user": world.gridworker.pk, "role": Role.GRIDWORKER, "unit": world.committee.pk, "cells": [world.cell.pk]},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.active is False
    assert not Token.objects.filter(pk=token.pk).exists()


def test_autocomplete_offers_only_the_townships_cells(world, client):
    signed_in(client, world.town_admin)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "grid", "model_name": "member", "field_name": "cells", "term": ""},
    )
    assert response.status_code == 200
    assert {item["text"].split("(")[-1].rstrip(")") for item in response.json()["results"]} == {
        world.c1.code,
        world.c2.code,
        world.c3.code,
        world.tiny.code,
    }


def test_people_without_an_administrator_role_have_no_admin(world, client):
    client.force_login(world.operator)
    assert client.get(admin_url("grid_member_changelist")).status_code == 302  # to the admin's sign-in
