"""Which cases a user sees, who hears of a case's changes, and through which membership a user acts.

All of it derives from `grid.jurisdiction` (the role sets and a user's cells, units and
regions). The same three holdings decide both what `Case.objects.visible_to(user)` returns and
which realtime groups an event of a case goes to (`audience`): a user reads an event exactly
when they may see its case.
"""

from dataclasses import dataclass

from django.db.models import Q

from grid import jurisdiction
from grid.jurisdiction import CELL_ROLES, HANDLER_ROLES, REGION_ROLES

NOTHING = Q(pk__in=[])


def memberships(user):
    """The user's active memberships, loaded once per user object."""
    return jurisdiction.of(user).members


def case_scope(user):
    """A Q over Case selecting what `user` may see."""
    from .models import JointTask, PastUnit, Report

    holder = jurisdiction.of(user)
    if holder.everything:
        return Q()
    scope = NOTHING
    if holder.cells:
        scope |= Q(cell__in=sorted(holder.cells))
    if holder.units:
        units = sorted(holder.units)
        # The unit handling it now, the one that received it first (首问负责), a unit summoned to it (联办).
        scope |= Q(current_unit__in=units) | Q(first_unit__in=units)
        scope |= Q(pk__in=JointTask.objects.filter(unit__in=units).values("case_id"))
        # A unit the case has left (escalated, passed on) follows it, read-only.
        scope |= Q(pk__in=PastUnit.objects.filter(unit__in=units).values("case_id"))
    for prefix in holder.region_prefixes:
        scope |= Q(area_code__startswith=prefix)
    if holder.patrols:
        # A gridworker or volunteer follows their own reports, wherever they were made.
        scope |= Q(pk__in=Report.objects.filter(reporter=user).values("case_id"))
    return scope


def photo_scope(user):
    """A Q over Photo selecting what `user` may see: a photo some case they see names (through one
    of its reports), or one they uploaded themselves (a report may name it before it is stored)."""
    from .models import Case, ReportPhoto

    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    cases = Case.objects.filter(case_scope(user)).values("pk")
    named = ReportPhoto.objects.filter(report__case__in=cases).values("sha256")
    return Q(uploaded_by=user) | Q(sha256__in=named)


@dataclass(frozen=True)
class Audience:
    """Who may see a case, as the holdings that grant it: its place (its cell and every region above),
    its units, and the users who reported it."""

    area_code: str
    units: frozenset
    users: frozenset


def audience(case, *, reporter=None):
    """The audience of `case` as it is now (call it inside the transaction that changed it).

    `reporter` is given for a case being opened, whose report is not stored yet: then it is the
    only report, and there is no joint task.
    """
    from .models import JointTask, PastUnit, Report

    units = {case.first_unit_id, case.current_unit_id}
    if reporter is not None:
        users = {reporter.pk} if jurisdiction.of(reporter).patrols else set()
    else:
        units.update(JointTask.objects.filter(case=case).values_list("unit_id", flat=True))
        units.update(PastUnit.objects.filter(case=case).values_list("unit_id", flat=True))
        # Reporters see the case through their own report only if they patrol cells (see case_scope).
        reporters = Report.objects.filter(
            case=case,
            reporter__memberships__active=True,
            reporter__memberships__role__in=CELL_ROLES,
            reporter__memberships__unit__active=True,
        )
        users = set(reporters.values_list("reporter_id", flat=True))
    return Audience(area_code=case.area_code, units=frozenset(units - {None}), users=frozenset(users))


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
