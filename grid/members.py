"""Assigning people to units and grid cells, deactivating them, and what follows from both:
administrators get the admin (staff and the administrators' group), a departed or lost phone is
signed out."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import passwords, tokens
from core import versions

from .administration import ADMIN_GROUP
from .jurisdiction import ADMIN_ROLES, CELL_ROLES
from .models import Member, Role


def check_cells(role, unit, cells):
    """Gridworkers and volunteers need cells, all inside their unit's region; others none."""
    if role in CELL_ROLES:
        if not cells:
            raise ValidationError(
                {"cells": _("Role “%(role)s” needs at least one grid cell.") % {"role": Role(role).label}}
            )
        outside = [cell for cell in cells if not cell.code.startswith(unit.region.prefix)]
        if outside:
            raise ValidationError(
                {
                    "cells": _("These cells lie outside %(region)s: %(cells)s.")
                    % {"region": unit.region.name, "cells": "、".join(cell.code for cell in outside)}
                }
            )
    elif cells:
        raise ValidationError({"cells": _("Only gridworkers and volunteers are assigned grid cells.")})


@transaction.atomic
def assign_member(user, role, unit, cells=(), phone=""):
    """Give `user` the `role` in `unit` (and its cells); returns the Member.

    Assigning a role the user already holds in that unit updates its cells.
    """
    cells = list(cells)
    member = Member(user=user, role=role, unit=unit, phone=phone)
    member.clean()
    check_cells(role, unit, cells)
    member, _created = Member.objects.update_or_create(
        user=user, role=role, unit=unit, defaults={"phone": phone, "active": True}
    )
    member.cells.set(cells)
    sync_admin_access(user)
    return member


@transaction.atomic
def member_saved(member, *, was_active=True):
    """After a member was saved (the admin's form): a deactivated one is signed out of every phone,
    and the user's admin access follows their administrator roles."""
    if was_active and not member.active:
        tokens.revoke(member.user)
    sync_admin_access(member.user)


@transaction.atomic
def deactivate_member(member):
    """The member stops holding the role (kept for the record); their phones sign in again."""
    was_active = member.active
    Member.objects.filter(pk=member.pk).update(active=False)
    versions.bump("members")  # an update sends no signal: every process forgets the memberships
    member.active = False
    member_saved(member, was_active=was_active)
    return member


def revoke_phone_sign_ins(user):
    """A lost phone: every token of `user` is revoked; returns how many."""
    return tokens.revoke(user)


def reset_password(user, by):
    """A temporary password for `user`, set by administrator `by`: returned to be handed over,
    to be changed at the next sign-in; their phones sign in again."""
    return passwords.set_temporary_password(user, by=by)


def sync_admin_access(user):
    """Staff status and the administrators' group follow an active administrator role.

    Only the access this gives is taken back: a superuser, or staff status given by hand to
    someone outside the group, stays as it is.
    """
    group, _created = Group.objects.get_or_create(name=ADMIN_GROUP)
    administers = Member.objects.filter(user=user, role__in=ADMIN_ROLES, active=True, unit__active=True).exists()
    in_group = user.groups.filter(pk=group.pk).exists()
    if administers:
        if not in_group:
            user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    elif in_group:
        user.groups.remove(group)
        if user.is_staff and not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
