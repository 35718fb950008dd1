"""Who sees which warnings: derived from grid.jurisdiction, as cases are.

Centre operators and administrators see the warnings in their region; mediators and department
staff those in their unit's region (for the map's layer); gridworkers those in their cells.
Only region roles (operators, administrators) study and act on warnings (研判 is the centre's).
"""

from django.db.models import Q

from grid import jurisdiction

NOTHING = Q(pk__in=[])


def warning_scope(user):
    holder = jurisdiction.of(user)
    if holder.everything:
        return Q()
    scope = NOTHING
    if holder.cells:
        scope |= Q(area_code__in=sorted(holder.cells.values()))
    unit_regions = {member.unit.region.prefix for member in holder.members if member.role in jurisdiction.UNIT_ROLES}
    for prefix in sorted(unit_regions):
        scope |= Q(area_code__startswith=prefix)
    for prefix in holder.region_prefixes:
        scope |= Q(area_code__startswith=prefix)
    return scope


def may_study(user, warning):
    holder = jurisdiction.of(user)
    if holder.everything:
        return True
    return any(warning.area_code.startswith(prefix) for prefix in holder.region_prefixes)
