"""Whom an administrator manages: the people, units and cells of the regions they administer.

A county or township administrator (a member with the role `administrator` at a unit of that
region, `jurisdiction.ADMIN_ROLES`) works in the Django admin without superuser rights: they see
and edit the members of units in their region and below, assign only that region's units and
grid cells, reset the passwords and revoke the phone sign-ins of people who work only there, and
never touch a superuser. They grant the administrator role only below their own region (a county
administrator makes township administrators), so nobody raises anyone to their own level or above.
Superusers manage everything. The querysets here are the admin's starting point, as
`Case.objects.visible_to` is the API's.
"""

from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from . import jurisdiction
from .models import GridCell, Member, Region, Role, Unit

# The group that gives administrators their permissions in the admin (grid migration 0002).
ADMIN_GROUP = "region administrators"


def everything(user):
    return bool(user.is_active and user.is_superuser)


def regions(user):
    """The regions `user` administers, the broadest first (superusers: see `everything`)."""
    return jurisdiction.of(user).administered


def within(user, code_field):
    """A Q for rows whose `code_field` lies in a region `user` administers (nothing when none)."""
    prefixes = [region.prefix for region in regions(user)]
    if not prefixes:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{code_field}__startswith": prefix}) for prefix in prefixes))


def members(user):
    qs = Member.objects.all()
    if everything(user):
        return qs
    return qs.filter(within(user, "unit__region__code")).exclude(user__is_superuser=True)


def units(user):
    return Unit.objects.all() if everything(user) else Unit.objects.filter(within(user, "region__code"))


def cells(user):
    return GridCell.objects.all() if everything(user) else GridCell.objects.filter(within(user, "code"))


def region_rows(user):
    return Region.objects.all() if everything(user) else Region.objects.filter(within(user, "code"))


def users(user):
    """The people `user` may manage: every membership of theirs (active or not) lies in an
    administered region; people with no membership yet (just created) are included. Never a superuser."""
    qs = get_user_model().objects.all()
    if everything(user):
        return qs
    if not regions(user):
        return qs.none()
    elsewhere = Member.objects.exclude(within(user, "unit__region__code")).values("user_id")
    return qs.filter(is_superuser=False).exclude(pk__in=elsewhere)


def may_grant(user, role, unit):
    """Whether `user` may give `role` at `unit`: a unit of their regions; the administrator role only below them."""
    if everything(user):
        return True
    held = regions(user)
    if not any(unit.region.code.startswith(region.prefix) for region in held):
        return False
    if role in jurisdiction.ADMIN_ROLES:
        return any(unit.region.code.startswith(region.prefix) and unit.region.code != region.code for region in held)
    return True


def check_grant(user, role, unit):
    """Raise ValidationError when `user` may not give `role` at `unit` (see `may_grant`)."""
    if not may_grant(user, role, unit):
        raise ValidationError(
            {
                "role": _("You may not give the role “%(role)s” at %(unit)s.")
                % {"role": Role(role).label, "unit": unit.name}
            }
        )
