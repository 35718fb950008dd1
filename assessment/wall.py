"""What the governance centre's wall (大屏) shows for one region: today's flow, the period's
indicators, the ranking of the areas one level down, categories, the cases to supervise (督办)
and the open cases as map points.

Which wall a caller may see is decided here too: centre operators and administrators see their
unit's region and anything below it; a display token names its region (see realtime.auth).

Every figure is an aggregate or a capped list, answered in a fixed number of queries whatever
the number of cases or child areas. No personal data leaves this module: no parties, contacts,
reporters, handlers or descriptions; units and areas are named, people are not.
"""

import datetime

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from disputes import holidays, lifecycle
from disputes.lifecycle import OPEN_STATES
from disputes.models import Case, CaseState, Grade, Report
from grid import codes
from grid.models import GridCell, Region, RegionLevel
from supervision import wall as supervision_wall

from . import indicators, periods
from .indicators import NOT_DUE

PERIODS = ("today", "week", "month", "year")
DEFAULT_PERIOD = "month"
SUPERVISE_LIMIT = 20
MAP_LIMIT = 1000
CHILD_LEVEL = {RegionLevel.COUNTY: RegionLevel.TOWNSHIP, RegionLevel.TOWNSHIP: RegionLevel.VILLAGE}


# --- whose wall -----------------------------------------------------------------------------


def display_jurisdiction(region_code):
    """The region a display token names, as a one-item list (empty if it no longer exists)."""
    region = Region.objects.defer("boundary").filter(code=region_code).first()
    return [region] if region else []


def choose_region(allowed, code=None):
    """The region to show: `code` if it lies within one of `allowed`, else the top allowed one.

    Returns (region, problem) with problem None, "outside" (the code is not within the
    caller's jurisdiction) or "missing" (within it, but no such region).
    """
    if not code:
        return allowed[0], None
    if not any(code.startswith(region.prefix) for region in allowed):
        return None, "outside"
    known = next((region for region in allowed if region.code == code), None)
    region = known or Region.objects.defer("boundary").filter(code=code).first()
    return (region, None) if region else (None, "missing")


# --- periods --------------------------------------------------------------------------------


def period_bounds(name, now):
    """[start, end) of the calendar day, week (from Monday), month or year holding `now`, in the server's zone."""
    day = timezone.localtime(now, timezone.get_default_timezone()).date()
    if name == "today":
        first, last = day, day + datetime.timedelta(days=1)
    elif name == "week":
        first = day - datetime.timedelta(days=day.weekday())
        last = first + datetime.timedelta(days=7)
    elif name == "month":
        first = day.replace(day=1)
        last = (first + datetime.timedelta(days=32)).replace(day=1)
    elif name == "year":
        first, last = day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    else:
        raise ValueError(f"unknown period {name!r}")
    return periods.midnight(first), periods.midnight(last)


# --- the figures ----------------------------------------------------------------------------


def _cases(region):
    return Case.objects.filter(area_code__startswith=region.prefix)


def today(region, now):
    """Reports received, cases accepted and closed today; open cases past due right now. Two queries."""
    start, end = period_bounds("today", now)
    reports = Report.objects.filter(
        region__code__startswith=region.prefix, received_at__gte=start, received_at__lt=end
    ).count()
    accepted = Q(accepted_at__gte=start, accepted_at__lt=end)
    closed = Q(state=CaseState.CLOSED, closed_at__gte=start, closed_at__lt=end)
    overdue = lifecycle.overdue(now)
    counts = (
        _cases(region)
        .filter(accepted | closed | overdue)
        .aggregate(
            accepted=Count("pk", filter=accepted),
            closed=Count("pk", filter=closed),
            overdue=Count("pk", filter=overdue),
        )
    )
    return {"reports": reports, **counts}


WALL_FAMILIES = indicators.families_for(("closure_rate", "on_time_rate", "satisfaction_rate", "local_rate"))


def _rates(counts):
    found = indicators.values(counts, ("closure_rate", "on_time_rate", "satisfaction_rate", "local_rate"))
    return {**found, "local_share": indicators.INDICATORS["village_share"].value(counts)}


def figures(region, start, end):
    """The indicators of the period (assessment.indicators), rates and raw counts. Three queries."""
    counts = indicators.counts(region, start, end, families=WALL_FAMILIES)
    return {
        **_rates(counts),
        **{name: counts[name] for name in ("due", "deferred", "closed", "closed_on_time", "overdue")},
        **{name: counts[name] for name in ("follow_ups", "satisfied")},
        "local": {
            "closed": counts["closed_here"],
            "village": counts["closed_village"],
            "township": counts["closed_township"],
            "county": counts["closed_above"],
        },
    }


def children(region):
    """[(code, name, prefix)] of the areas one level down: townships, villages, or a village's grid cells."""
    if region.level == RegionLevel.VILLAGE:
        return [
            (code, name, code) for code, name in GridCell.objects.filter(village=region).values_list("code", "name")
        ]
    level = CHILD_LEVEL[region.level]
    rows = Region.objects.filter(parent=region, level=level).values_list("code", "name")
    return [(code, name, codes.region_prefix(code, level)) for code, name in rows]


def child_prefix_length(region):
    if region.level == RegionLevel.VILLAGE:
        return codes.CELL_CODE_LENGTH
    return codes.PREFIX_LENGTH[CHILD_LEVEL[region.level]]


def ranking(region, start, end):
    """The children of `region` with the indicators of their cases, best closure rate first.

    The same definitions as the region's own figures (assessment.indicators), grouped by the
    child's code prefix: three queries for any number of children. Cases placed on `region`
    itself, in no child, are in the region's totals but in no row.
    """
    kids = children(region)
    grouped = indicators.counts(region, start, end, by=child_prefix_length(region), families=WALL_FAMILIES)
    result = []
    for code, name, prefix in kids:
        counts = grouped.get(prefix, indicators.BLANK)
        result.append(
            {
                "code": code,
                "name": name,
                "cases": counts["due"],
                "closed": counts["closed"],
                **_rates(counts),
                "overdue": counts["overdue"],
            }
        )
    result.sort(key=lambda row: (row["closure_rate"] is None, -(row["closure_rate"] or 0), row["name"], row["code"]))
    for row in result:
        del row["local_rate"]
    return result


def categories(region, start, end):
    """Cases created in the period (less rejected and merged) per top-level category, biggest first. One query."""
    code = Coalesce("category__parent__parent__code", "category__parent__code", "category__code")
    name = Coalesce("category__parent__parent__name", "category__parent__name", "category__name")
    rows = (
        _cases(region)
        .filter(created_at__gte=start, created_at__lt=end)
        .exclude(state__in=NOT_DUE)
        .values(code=code, name=name)
        .annotate(count=Count("pk"))
        .order_by("-count", "code")
    )
    return list(rows)


def _lon_lat(point):
    return round(point.x, 6), round(point.y, 6)


def supervise(region, now, limit=SUPERVISE_LIMIT):
    """Open cases past due now (not on hold), most overdue first: the centre's 督办 list. One query."""
    rows = (
        _cases(region)
        .filter(lifecycle.overdue(now))
        .order_by("due_at", "pk")
        .values(
            "id", "number", "category__name", "grade", "state", "region__name", "current_unit__name", "due_at", "point"
        )[:limit]
    )
    result = []
    for row in rows:
        lon, lat = _lon_lat(row["point"])
        result.append(
            {
                "id": row["id"],
                "number": row["number"],
                "category_name": row["category__name"],
                "grade": row["grade"],
                "state": row["state"],
                "area_name": row["region__name"],
                "unit_name": row["current_unit__name"],
                "due_at": row["due_at"],
                "overdue_hours": round((now - row["due_at"]).total_seconds() / 3600, 1),
                "lon": lon,
                "lat": lat,
            }
        )
    return result


def map_points(region, now, limit=MAP_LIMIT):
    """The region's open cases, newest first, as points for the map. One query."""
    rows = (
        _cases(region)
        .filter(state__in=OPEN_STATES)
        .order_by("-created_at", "-pk")
        .values("id", "number", "point", "grade", "state", "due_at", "category__code")[:limit]
    )
    result = []
    for row in rows:
        lon, lat = _lon_lat(row["point"])
        overdue = lifecycle.is_overdue(row["state"], row["due_at"], now)
        result.append(
            {
                "id": row["id"],
                "number": row["number"],
                "lon": lon,
                "lat": lat,
                "grade": row["grade"],
                "state": row["state"],
                "overdue": overdue,
                "category_code": row["category__code"],
            }
        )
    return result


def board(region, period=DEFAULT_PERIOD, now=None):
    """Everything the wall shows for `region`, as plain data.

    The period is the calendar day, week, month or year holding `now`; its figures count up
    to `now` (so "overdue" means past due now, not by the period's end).
    """
    now = now or timezone.now()
    start, end = period_bounds(period, now)
    until = min(end, now)
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "generated_at": now,
        "period": {"name": period, "start": start, "end": end},
        "today": today(region, now),
        "indicators": figures(region, start, until),
        "ranking": ranking(region, start, until),
        "categories": categories(region, start, until),
        "supervise": supervise(region, now),
        "orders": supervision_wall.open_orders(region, now),
        "cases": map_points(region, now),
        "notices": [notice for notice in [holidays.warning(timezone.localdate(now))] if notice],
        "labels": {
            "states": dict(CaseState.choices),
            "grades": dict(Grade.choices),
        },
    }
