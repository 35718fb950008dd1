"""Assigning people to units and grid cells."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .jurisdiction import CELL_ROLES
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
    return member
