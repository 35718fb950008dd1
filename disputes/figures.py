"""Figures for any region and period (管理考核): where cases close, why they escalate, joint handling,
and the standard indicators.

Every function takes (region, start, end): `region` is a grid Region (its cases are those
whose area code starts with its prefix, so a county includes its townships and villages);
the period is the half-open interval [start, end). Which time decides membership of the
period is said per function. Each answers with one or two aggregate queries, the same on
SQLite/SpatiaLite and PostgreSQL/PostGIS, and returns a frozen dataclass (`asdict()` gives
a plain dict).

Rates are None when their denominator is zero: "no cases" is not "0 %".
"""

import statistics
from dataclasses import asdict as _asdict
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, Min, OuterRef, Q

from grid.models import RegionLevel, unit_level

from . import lifecycle
from .models import AuditEntry, Case, CaseState, FollowUp, JointTask, Satisfaction


def _rate(part, whole):
    return part / whole if whole else None


def _cases(region):
    return Case.objects.filter(area_code__startswith=region.prefix)


class _Figures:
    def asdict(self):
        return _asdict(self)


# --- 就地化解率: where cases are closed ----------------------------------------------------


@dataclass(frozen=True)
class LocalResolution(_Figures):
    """Cases closed in the period, by the level of the unit holding them at closure."""

    closed: int
    village: int
    township: int
    county: int

    @property
    def village_share(self):
        return _rate(self.village, self.closed)

    @property
    def township_share(self):
        return _rate(self.township, self.closed)

    @property
    def above_share(self):
        """Closed above the township (at the county)."""
        return _rate(self.county, self.closed)

    @property
    def local_rate(self):
        """就地化解率: closed at village or township level ÷ closed (小事不出村、大事不出乡)."""
        return _rate(self.village + self.township, self.closed)


def local_resolution(region, start, end):
    """Cases of `region` closed (state closed) with closed_at in [start, end), by level of the closing unit.

    The closing unit is the case's current unit, which closure does not change. One query.
    """
    rows = (
        _cases(region)
        .filter(state=CaseState.CLOSED, closed_at__gte=start, closed_at__lt=end)
        .values("current_unit__kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {RegionLevel.VILLAGE: 0, RegionLevel.TOWNSHIP: 0, RegionLevel.COUNTY: 0}
    for row in rows:
        counts[unit_level(row["current_unit__kind"])] += row["n"]
    return LocalResolution(
        closed=sum(counts.values()),
        village=counts[RegionLevel.VILLAGE],
        township=counts[RegionLevel.TOWNSHIP],
        county=counts[RegionLevel.COUNTY],
    )


# --- escalations by reason ------------------------------------------------------------------


@dataclass(frozen=True)
class Escalations(_Figures):
    """Escalations (audit entries "escalate") made in the period."""

    total: int
    manual: int  # a handler or supervisor escalated it
    deadline: int  # the deadline sweeper escalated it (details {"automatic": true})
    cases: int  # distinct cases escalated

    @property
    def deadline_share(self):
        return _rate(self.deadline, self.total)


def escalations(region, start, end):
    """Escalations of `region`'s cases whose audit entry's `at` lies in [start, end), manual vs deadline.

    An entry counts as a deadline escalation when its details say {"automatic": true};
    anything else (false, or no flag) is manual. One query.
    """
    figures = AuditEntry.objects.filter(
        action="escalate", at__gte=start, at__lt=end, case__area_code__startswith=region.prefix
    ).aggregate(
        total=Count("seq"),
        deadline=Count("seq", filter=Q(details__automatic=True)),
        cases=Count("case", distinct=True),
    )
    return Escalations(
        total=figures["total"],
        manual=figures["total"] - figures["deadline"],
        deadline=figures["deadline"],
        cases=figures["cases"],
    )


# --- 联办: joint handling -------------------------------------------------------------------


@dataclass(frozen=True)
class JointHandling(_Figures):
    """Cases created in the period that summoned other units (JointTask rows)."""

    cases: int  # cases with at least one joint task
    tasks: int  # joint tasks of those cases
    finished: int  # cases whose every summoned unit has answered
    waiting: int  # cases with a unit yet to answer
    median_hours: float | None  # first summon to last answer, over finished cases
    mean_hours: float | None


def joint_handling(region, start, end):
    """Joint cases of `region` created in [start, end) and the time from first summon to last answer.

    One query grouped by case; the median and mean are taken in Python over those rows.
    """
    rows = (
        JointTask.objects.filter(
            case__area_code__startswith=region.prefix, case__created_at__gte=start, case__created_at__lt=end
        )
        .values("case")
        .annotate(
            tasks=Count("pk"),
            unanswered=Count("pk", filter=Q(answered_at__isnull=True)),
            first=Min("summoned_at"),
            last=Max("answered_at"),
        )
        .order_by()
    )
    rows = list(rows)
    hours = [(row["last"] - row["first"]).total_seconds() / 3600 for row in rows if not row["unanswered"]]
    return JointHandling(
        cases=len(rows),
        tasks=sum(row["tasks"] for row in rows),
        finished=len(hours),
        waiting=len(rows) - len(hours),
        median_hours=statistics.median(hours) if hours else None,
        mean_hours=statistics.fmean(hours) if hours else None,
    )


# --- standard indicators --------------------------------------------------------------------

NOT_DUE = [CaseState.REJECTED, CaseState.MERGED]  # never accepted as cases of their own


@dataclass(frozen=True)
class Indicators(_Figures):
    """结案率, 按期结案率 and 群众满意率 as DOMAIN.md defines them."""

    due: int  # cases created in the period, less rejected and merged ones
    deferred: int  # of those, on hold (缓办) now
    closed: int  # of those, closed before the end of the period
    closed_on_time: int  # of the closed, never escalated by the deadline sweeper
    overdue: int  # of those still open, past their due time at the end of the period (late, not pending)
    follow_ups: int  # follow-ups (回访) made in the period that recorded a satisfaction
    satisfied: int  # 满意 + 基本满意 among them

    @property
    def closure_rate(self):
        """结案率 = closed ÷ (due − deferred)."""
        return _rate(self.closed, self.due - self.deferred)

    @property
    def on_time_rate(self):
        """按期结案率 = closed on time ÷ (due − deferred)."""
        return _rate(self.closed_on_time, self.due - self.deferred)

    @property
    def satisfaction_rate(self):
        """群众满意率 = (满意 + 基本满意) ÷ follow-ups answered."""
        return _rate(self.satisfied, self.follow_ups)


def indicators(region, start, end):
    """The standard indicators for cases of `region` created in [start, end). Two queries.

    A case counts as closed when it was closed before `end`; as closed on time when, besides,
    its audit log holds no deadline escalation ("escalate" with {"automatic": true}), which is
    what the sweeper writes for a breached time limit. Satisfaction comes from the follow-ups
    visited in [start, end) of the region's cases, whenever those were created.
    """
    breached = AuditEntry.objects.filter(case=OuterRef("pk"), action="escalate", details__automatic=True)
    closed = Q(state=CaseState.CLOSED, closed_at__lt=end)
    figures = (
        _cases(region)
        .filter(created_at__gte=start, created_at__lt=end)
        .exclude(state__in=NOT_DUE)
        .alias(breached=Exists(breached))
        .aggregate(
            due=Count("pk"),
            deferred=Count("pk", filter=Q(state=CaseState.DEFERRED)),
            closed=Count("pk", filter=closed),
            closed_on_time=Count("pk", filter=closed & Q(breached=False)),
            overdue=Count("pk", filter=lifecycle.overdue(end)),
        )
    )
    answers = FollowUp.objects.filter(
        case__area_code__startswith=region.prefix, visited_at__gte=start, visited_at__lt=end
    ).aggregate(
        answered=Count("pk", filter=~Q(satisfaction="")),
        satisfied=Count("pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
    )
    return Indicators(
        due=figures["due"],
        deferred=figures["deferred"],
        closed=figures["closed"],
        closed_on_time=figures["closed_on_time"],
        overdue=figures["overdue"],
        follow_ups=answers["answered"],
        satisfied=answers["satisfied"],
    )


def summary(region, start, end):
    """Every figure above as one plain dict (for the ledger export and the wall)."""
    parts = {
        "local_resolution": local_resolution(region, start, end),
        "escalations": escalations(region, start, end),
        "joint_handling": joint_handling(region, start, end),
        "indicators": indicators(region, start, end),
    }
    result = {}
    for name, figures in parts.items():
        data = figures.asdict()
        for attr in dir(type(figures)):
            if isinstance(getattr(type(figures), attr), property):
                data[attr] = getattr(figures, attr)
        result[name] = data
    return result
