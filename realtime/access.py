"""Which event groups a user may read: their jurisdiction (grid.jurisdiction) as group names.

An event of a case goes to the groups of its audience (disputes.access.audience): the cell and
every region above its place, its units, and its reporters who patrol cells. A user reads the
groups of their own holdings — their cells, units and regions, and their own user group — so
that they receive exactly the events of the cases they may see (tests/disputes/test_audience.py).
A superuser reads every event.
"""

from grid import jurisdiction

from .publish import ALL_GROUPS, cell_group, region_group, unit_group, user_group


def groups_for(user):
    """A frozenset of group names (empty: may see nothing), or ALL_GROUPS for a superuser."""
    # Read anew: a socket's groups are decided when it connects, and memberships may have changed since.
    holder = jurisdiction.of(user, fresh=True)
    if holder.everything:
        return ALL_GROUPS
    groups = {cell_group(code) for code in holder.cells.values()}
    groups.update(unit_group(unit) for unit in holder.units)
    groups.update(region_group(region.code) for region in holder.regions)
    if holder.members:
        # Events name a user only when the user may see what they are about (disputes.access.audience).
        groups.add(user_group(user.pk))
    return frozenset(groups)
