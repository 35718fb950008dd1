"""Who may see which case, and who may act on it.

Jurisdiction comes from a user's active memberships: gridworkers and volunteers see their
own reports and their cells' cases; mediators and department staff their units' cases (the
unit handling it now and the unit that first received it); centre operators and
administrators everything in their unit's region. Everyone else sees nothing.
"""

from django.db.models import Prefetch, Q

from grid.models import CELL_ROLES, GridCell, Member, Role

NOTHING = Q(pk__in=[])
UNIT_ROLES = {Role.MEDIATOR, Role.STAFF}
REGION_ROLES = {Role.OPERATOR, Role.ADMINISTRATOR}
HANDLER_ROLES = UNIT_ROLES | REGION_ROLES


def memberships(user):
    """The user's active memberships, with what jurisdiction checks need, cached on the user."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_gridgov_memberships", None)
    if cached is None:
        # Only codes and ids are needed: never the boundaries, which are large.
        cached = list(
            Member.objects.filter(user=user, active=True, unit__active=True)
            .select_related("unit__region")
            .defer("unit__region__boundary")
            .prefetch_related(Prefetch("cells", queryset=GridCell.objects.only("id", "code", "village_id")))
        )
        user._gridgov_memberships = cached
    return cached


def case_scope(user):
    """A Q over Case selecting what `user` may see."""
    if not user.is_authenticated:
        return NOTHING
    if user.is_superuser:
        return Q()
    scope = NOTHING
    own_reports = False
    joint_units = []
    for member in memberships(user):
        if member.role in CELL_ROLES:
            scope |= Q(cell__in=[cell.pk for cell in member.cells.all()])
            own_reports = True
        elif member.role in UNIT_ROLES:
            scope |= Q(current_unit=member.unit_id) | Q(first_unit=member.unit_id)
            joint_units.append(member.unit_id)
        elif member.role in REGION_ROLES:
            scope |= Q(area_code__startswith=member.unit.region.prefix)
    if own_reports:
        from .models import Report

        scope |= Q(pk__in=Report.objects.filter(reporter=user).values("case_id"))
    if joint_units:
        # A unit summoned to a joint case (联办) sees the case it has a task on.
        from .models import JointTask

        scope |= Q(pk__in=JointTask.objects.filter(unit__in=joint_units).values("case_id"))
    return scope


def handler_membership(user, case):
    """The membership through which `user` handles `case` in its current unit, or None."""
    for member in memberships(user):
        if member.unit_id == case.current_unit_id and member.role in HANDLER_ROLES:
            return member
    return None


def first_unit_membership(user, case):
    for member in memberships(user):
        if member.unit_id == case.first_unit_id and member.role in HANDLER_ROLES:
            return member
    return None


def supervisor_membership(user, case):
    """An operator or administrator whose region holds the case (综治中心 supervision)."""
    for member in memberships(user):
        if member.role in REGION_ROLES and case.area_code.startswith(member.unit.region.prefix):
            return member
    return None


def finder_membership(user, case):
    """A gridworker or volunteer of the case's cell: the side that finds and verifies."""
    if case.cell_id is None:
        return None
    for member in memberships(user):
        if member.role in CELL_ROLES and any(cell.pk == case.cell_id for cell in member.cells.all()):
            return member
    return None


def is_handler(user, case):
    """Handlers see parties unmasked: the current unit, the first unit, and supervisors."""
    if user.is_superuser:
        return True
    return bool(
        handler_membership(user, case) or first_unit_membership(user, case) or supervisor_membership(user, case)
    )
