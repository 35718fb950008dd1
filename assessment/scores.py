"""Scores and rankings (考核排名): areas, units and gridworkers/volunteers, for any period, with the
rank and the change against the previous period, under the scheme valid then (assessment.models).

Area and unit scores: 100 × the weighted mean of the scheme's rate indicators (a rate where lower is
better counts as 1 − rate; a rate without data is left out and the weights of the others rescaled),
less the deductions (each overdue case, rework, justified complaint, missed supervision answer)
plus the bonus for each matter settled on the spot.

Gridworker and volunteer scores: points per report made, per matter settled on the spot, per
verification made on time and per day with a report.

Every score is computed from grouped counts (a fixed number of GROUP BY queries per period), never
from a loop over cases.
"""

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from disputes.models import VERIFICATIONS, AuditEntry, Report
from grid import codes
from grid.jurisdiction import CELL_ROLES
from grid.models import Member, Unit

from . import indicators, wall
from .models import Scheme

DEFAULT_WEIGHTS = {"closure_rate": 30, "on_time_rate": 30, "satisfaction_rate": 20, "local_rate": 20}
SCORE_FAMILIES = ("cases", "follow_ups", "closures", "supervision", "complaints")
PEOPLE_COUNTS = ("reports", "on_spot_reports", "verifications", "verified_on_time", "active_days")


def scheme_for(county_code, day):
    """The county's scheme valid on `day`, or the default one (unsaved) when it has none."""
    scheme = (
        Scheme.objects.filter(county__code=county_code, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .prefetch_related("weights")
        .order_by("-valid_from")
        .first()
    )
    if scheme is None:
        return Scheme(name="default"), dict(DEFAULT_WEIGHTS)
    return scheme, {w.indicator: float(w.weight) for w in scheme.weights.all()}


def area_score(counts, scheme, weights):
    total = weight_sum = 0.0
    for key, weight in weights.items():
        indicator = indicators.INDICATORS[key]
        value = indicator.value(counts)
        if value is None or not weight:
            continue
        total += weight * (value if indicator.higher_is_better else 1 - value)
        weight_sum += weight
    score = 100 * total / weight_sum if weight_sum else 0.0
    f = float
    score -= f(scheme.per_overdue) * counts["overdue"] + f(scheme.per_rework) * counts["reworked"]
    score -= f(scheme.per_complaint) * counts["complaints"]
    score -= f(scheme.per_missed_supervision) * counts["supervision_missed"]
    score += f(scheme.per_on_spot) * counts["on_spot"]
    return round(score, 2)


def person_score(counts, scheme):
    f = float
    return round(
        f(scheme.per_report) * counts["reports"]
        + f(scheme.per_on_spot_report) * counts["on_spot_reports"]
        + f(scheme.per_verification) * counts["verified_on_time"]
        + f(scheme.per_active_day) * counts["active_days"],
        2,
    )


def _rank(rows):
    """Rank by score, best first; equal scores share a rank."""
    rows.sort(key=lambda row: (-row["score"], row["name"], str(row["key"])))
    rank, previous = 0, None
    for position, row in enumerate(rows, 1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    return {row["key"]: row["rank"] for row in rows}


def _county_code(region):
    return codes.region_prefix(region.code, "county").ljust(12, "0")


# --- what is ranked -------------------------------------------------------------------------


def _areas(region, period):
    kids = wall.children(region)
    grouped = indicators.counts(
        region, period.start, period.until, by=wall.child_prefix_length(region), families=SCORE_FAMILIES
    )
    return [(prefix, code, name, grouped.get(prefix, indicators.BLANK)) for code, name, prefix in kids]


def _units(region, period):
    grouped = indicators.counts(region, period.start, period.until, by="first_unit", families=SCORE_FAMILIES)
    units = Unit.objects.filter(region__code__startswith=region.prefix, active=True).values_list("pk", "code", "name")
    return [(pk, code, name, grouped.get(pk, indicators.BLANK)) for pk, code, name in units]


def people_of(region):
    """[(user id, name)] of the active gridworkers and volunteers with a cell in `region`."""
    rows = (
        Member.objects.filter(role__in=CELL_ROLES, active=True, cells__code__startswith=region.prefix)
        .values_list("user_id", "user__username", "user__last_name", "user__first_name")
        .distinct()
    )
    return [(pk, f"{last}{first}" or username) for pk, username, last, first in rows]


def _reports_by_person(user_ids, start, end):
    """[(user id, reports, settled on the spot, active days)]: the reports counted per person and
    local day, then the days per person (a day with a report is an active day).

    Grouped by day first, PostgreSQL reads the days in order from disputes_report_by_reporter_day
    (migration 0019 of disputes) instead of converting every report's time to a local date and
    sorting each person's dates for a distinct count (twice the time at a million reports)."""
    if not user_ids:
        return []
    days = (
        Report.objects.filter(reporter__in=user_ids, received_at__gte=start, received_at__lt=end)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_default_timezone()))
        .values("reporter", "day")
        .annotate(reports=Count("received_at"), on_spot=Count("resolved_on_site", filter=Q(resolved_on_site=True)))
        .order_by()
    )
    sql, params = days.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT reporter, SUM(reports), SUM(on_spot), COUNT(*) FROM ({sql}) AS reporter_days GROUP BY reporter",
            params,
        )
        return [tuple(int(value) for value in row) for row in cursor.fetchall()]


def people_counts(user_ids, start, end):
    """{user id: counts} of reports made, settled on the spot, verifications (on time) and active days."""
    result = {pk: dict.fromkeys(PEOPLE_COUNTS, 0) for pk in user_ids}
    for reporter, reports, on_spot_reports, active_days in _reports_by_person(user_ids, start, end):
        result[reporter].update(reports=reports, on_spot_reports=on_spot_reports, active_days=active_days)
    breaches = AuditEntry.objects.filter(action="deadline_breached", details__stage="verify")
    late = breaches.filter(case=OuterRef("case"), at__lte=OuterRef("at"))
    # Only a case with a verification breach can be late: the few such cases are hashed once, and
    # the breach's time is looked up for them alone.
    on_time = ~(Q(case__in=breaches.values("case")) & Exists(late))
    checks = (
        AuditEntry.objects.filter(actor__in=user_ids, action__in=VERIFICATIONS, at__gte=start, at__lt=end)
        .values("actor")
        .annotate(verifications=Count("seq"), verified_on_time=Count("seq", filter=on_time))
        .order_by()
    )
    for row in checks:
        result[row.pop("actor")].update(row)
    return result


def _people(region, period):
    people = people_of(region)
    counts = people_counts([pk for pk, _name in people], period.start, period.until)
    return [(pk, pk, name, counts[pk]) for pk, name in people]


KINDS = {"areas": _areas, "units": _units, "people": _people}


def ranking(region, period, kind="areas"):
    """Rows of {key, code, name, score, rank, previous_score, score_change, rank_change, counts, values}."""
    county = _county_code(region)
    rows_by_period = []
    for each in (period, period.previous()):
        scheme, weights = scheme_for(county, each.first)
        rows = []
        for key, code, name, counts in KINDS[kind](region, each):
            if kind == "people":
                score, found = person_score(counts, scheme), {}
            else:
                score, found = area_score(counts, scheme, weights), indicators.values(counts)
            rows.append(
                {"key": key, "code": str(code), "name": name, "score": score, "counts": counts, "values": found}
            )
        rows_by_period.append(rows)
    now, before = rows_by_period
    before_rank = _rank(before)
    before_score = {row["key"]: row["score"] for row in before}
    _rank(now)
    for row in now:
        row["previous_score"] = before_score.get(row["key"])
        row["score_change"] = None if row["previous_score"] is None else round(row["score"] - row["previous_score"], 2)
        row["rank_change"] = None if row["key"] not in before_rank else before_rank[row["key"]] - row["rank"]
    return now
