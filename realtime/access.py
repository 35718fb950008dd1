"""Which event groups a user may read, from their active memberships.

Gridworkers and volunteers: their grid cells. Mediators and department staff: their units.
Centre operators and administrators: their unit's region (which holds every event below it,
since an event goes to the groups of every region above its place). Everyone with a
membership: their own user group. A superuser: every event. Anyone else: nothing.
"""

from grid.models import CELL_ROLES, GridCell, Member, Role

from .publish import ALL_GROUPS, cell_group, region_group, unit_group, user_group

UNIT_ROLES = {Role.MEDIATOR, Role.STAFF}
REGION_ROLES = {Role.OPERATOR, Role.ADMINISTRATOR}


def groups_for(user):
    """A frozenset of group names (empty: may see nothing), or ALL_GROUPS for a superuser."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return ALL_GROUPS
    groups = set()
    members = (
        Member.objects.filter(user=user, active=True, unit__active=True)
        .select_related("unit__region")
        .only("role", "unit_id", "unit__region__code")
    )
    cell_members = []
    member = None
    for member in members:
        if member.role in CELL_ROLES:
            cell_members.append(member.pk)
        elif member.role in UNIT_ROLES:
            groups.add(unit_group(member.unit_id))
        elif member.role in REGION_ROLES:
            groups.add(region_group(member.unit.region.code))
    if cell_members:
        codes = GridCell.objects.filter(members__in=cell_members).values_list("code", flat=True)
        groups.update(cell_group(code) for code in codes)
    if member is not None:  # any active membership
        groups.add(user_group(user.pk))
    return frozenset(groups)
