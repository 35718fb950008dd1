"""Who may see what: a user's jurisdiction, from their active memberships.

This module owns the role sets. Every other rule of visibility derives from `Jurisdiction`:
which cases a user sees (`disputes.access.case_scope`), which event groups they read
(`realtime.access.groups_for`), whose wall they may open (`assessment.wall`), which grid cells
their maps show (`maps.layers.cells_visible_to`) and where a map starts.

- Gridworkers and volunteers (`CELL_ROLES`) hold their grid cells: the cases there, and the
  cases of their own reports wherever those lie.
- Mediators and department staff (`UNIT_ROLES`) hold their units: the cases a unit handles now,
  received first, has a joint-handling task on, or has handled and passed on (read-only).
- Centre operators and administrators (`REGION_ROLES`) hold their unit's region: every case in it.
- Administrators (`ADMIN_ROLES`) also manage the people of that region (`grid.administration`).
- A superuser holds everything; anyone without an active membership holds nothing.
"""

import time
from functools import cached_property

from django.db.models import Prefetch, prefetch_related_objects

from core.versions import Recent, VersionedCache

from .models import GridCell, Member, Region, Role

CELL_ROLES = frozenset({Role.GRIDWORKER, Role.VOLUNTEER})
UNIT_ROLES = frozenset({Role.MEDIATOR, Role.STAFF})
REGION_ROLES = frozenset({Role.OPERATOR, Role.ADMINISTRATOR})
# Who manages the people of their unit's region in the admin (grid.administration).
ADMIN_ROLES = frozenset({Role.ADMINISTRATOR})
# Who may act for their unit on a case it holds (accept, dispatch, handle, verify …).
HANDLER_ROLES = UNIT_ROLES | REGION_ROLES

_CACHE_ATTRIBUTE = "_gridgov_jurisdiction"


class Jurisdiction:
    """What one user holds. Read from the database on first use, then remembered."""

    def __init__(self, user=None, *, from_database=False):
        self.user_id = user.pk if user is not None else None
        self.everything = bool(user is not None and user.is_superuser)  # a superuser holds every place
        self._user = user
        self._from_database = from_database

    @cached_property
    def members(self):
        """The active memberships, with unit and unit.region (no boundary), and cells for the patrolling
        roles: from this process's memory while no membership, unit, region or cell has changed."""
        if self._user is None:
            return ()
        return remembered.get().members_of(self._user, from_database=self._from_database)

    @cached_property
    def cells(self):
        """{cell id: cell code} of the cell-role memberships."""
        return {
            cell.pk: cell.code for member in self.members if member.role in CELL_ROLES for cell in member.cells.all()
        }

    @cached_property
    def units(self):
        """Unit ids of the unit-role memberships."""
        return frozenset(member.unit_id for member in self.members if member.role in UNIT_ROLES)

    @cached_property
    def regions(self):
        """Region rows of the region-role memberships, the broadest first."""
        regions = {
            member.unit.region.code: member.unit.region for member in self.members if member.role in REGION_ROLES
        }
        return tuple(sorted(regions.values(), key=lambda region: (len(region.prefix), region.code)))

    @cached_property
    def administered(self):
        """Region rows of the administrator memberships, the broadest first: whose people the user manages."""
        regions = {member.unit.region.code: member.unit.region for member in self.members if member.role in ADMIN_ROLES}
        return tuple(sorted(regions.values(), key=lambda region: (len(region.prefix), region.code)))

    @property
    def any(self):
        """Whether the user holds anything at all (a membership, or superuser rights)."""
        return self.everything or bool(self.members)

    @property
    def patrols(self):
        """Whether the user patrols grid cells (gridworker or volunteer): they follow their own reports too."""
        return any(member.role in CELL_ROLES for member in self.members)

    @property
    def region_prefixes(self):
        return tuple(region.prefix for region in self.regions)

    @property
    def areas(self):
        """Code prefixes of the regions the user works in, through any membership: where their maps are."""
        return tuple(sorted({member.unit.region.prefix for member in self.members}))

    @property
    def map_regions(self):
        """Region ids a map opens on: the units' regions, and the villages of one's cells."""
        regions = {member.unit.region_id for member in self.members if member.role not in CELL_ROLES}
        regions |= {
            cell.village_id for member in self.members if member.role in CELL_ROLES for cell in member.cells.all()
        }
        return regions


NOBODY = Jurisdiction()


def load_members(user):
    """The active memberships of `user` from the database: two queries at most."""
    # Only codes and ids are needed: never the boundaries, which are large.
    members = tuple(
        Member.objects.filter(user=user, active=True, unit__active=True)
        .select_related("unit__region")
        .defer("unit__region__boundary")
    )
    # Only gridworkers and volunteers have cells: one more query for them alone.
    patrolling = [member for member in members if member.role in CELL_ROLES]
    if patrolling:
        cells = Prefetch("cells", queryset=GridCell.objects.only("id", "code", "village_id"))
        prefetch_related_objects(patrolling, cells)
    return members


class _Remembered(Recent):
    """The memberships of the users this process has served lately (`Recent`: at most
    MEMBERS_REMEMBERED users, each for MEMBERS_REMEMBERED_SECONDS). One instance per version token of
    "members": a change starts an empty one."""

    def members_of(self, user, *, from_database=False):
        """The memberships of `user`: remembered, or read anew if `from_database`."""
        members = None if from_database else self.get(user.pk)
        if members is None:
            since = time.monotonic()
            members = self.put(user.pk, load_members(user), since)
        return members


# Every request reads the version tokens once anyway (core.versions), so a user's memberships cost
# no query while nothing they derive from has changed: a member, their cells, a unit, a region, a
# cell (grid.apps connects the signals; bulk writes bump "members" themselves).
remembered = VersionedCache("members", _Remembered)


def of(user, *, fresh=False):
    """The jurisdiction of `user`, remembered on the user object (one request) and its memberships in
    the process (`remembered`), or anew from the database if `fresh`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = None if fresh else getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = Jurisdiction(user, from_database=fresh)
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget(user):
    """Drop what `of` remembered on this user object (after a change of their memberships)."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def wall_regions(user):
    """The regions whose wall `user` may see, the broadest first: every county for a superuser."""
    holder = of(user)
    if holder.everything:
        return list(Region.objects.filter(level="county").defer("boundary").order_by("code"))
    return list(holder.regions)
