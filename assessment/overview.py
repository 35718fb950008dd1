"""What the assessment page (and the monthly report) shows for one region and period: every
indicator with the previous period and the same period last year, the ranking one level down
(or of the gridworkers, for a village), the ranking of the units, the monthly report's links for a
month, and the trend of an indicator over 12 months. Plain data; the API and the pages only present it."""

from urllib.parse import urlencode

from django.urls import reverse

from grid.models import RegionLevel

from . import indicators, periods, scores


def _values(region, period):
    return indicators.values(indicators.counts(region, period.start, period.until))


def cases_link(region, period, **filters):
    """The mediator map filtered to the cases behind a number (its filters live in the address)."""
    query = {"region": region.code, "created_after": period.start.isoformat(), "created_before": period.end.isoformat()}
    return f"{reverse('frontend:mediator')}?{urlencode({**query, **filters})}"


def overview(region, period):
    now, before, last_year = (_values(region, p) for p in (period, period.previous(), period.last_year()))
    rows = []
    for key, indicator in indicators.INDICATORS.items():
        rows.append(
            {
                "key": key,
                "name": indicator.name,
                "label": str(indicator.label),
                "formula": indicator.formula,
                "unit": indicator.unit,
                "higher_is_better": indicator.higher_is_better,
                "value": now[key],
                "previous": before[key],
                "last_year": last_year[key],
            }
        )
    links = {
        "due": cases_link(region, period),
        "overdue": cases_link(region, period, overdue="true"),
    }
    if period.months == 1:
        monthly = reverse("assessment_api:monthly")
        query = {"region": region.code, "period": period.code}
        links["monthly_html"] = f"{monthly}?{urlencode(query)}"
        links["monthly_pdf"] = f"{monthly}?{urlencode({**query, 'output': 'pdf'})}"
    kind = "people" if region.level == RegionLevel.VILLAGE else "areas"
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "period": {"code": period.code, "start": period.start, "end": period.end, "previous": period.previous().code},
        "indicators": rows,
        "links": links,
        "ranking_kind": kind,
        "ranking": [_plain(row) for row in scores.ranking(region, period, kind)],
        "units": [_plain(row) for row in scores.ranking(region, period, "units")],
    }


def _plain(row):
    return {key: value for key, value in row.items() if key != "key"} | {"key": str(row["key"])}


def trend(region, period, key):
    """The indicator `key` for each of the 12 months ending with `period`: only the counts it needs."""
    families = indicators.families_for((key,))
    indicator = indicators.INDICATORS[key]
    points = []
    for month in period.trend():
        found = indicators.counts(region, month.start, month.until, families=families)
        points.append({"period": month.code, "value": indicator.value(found)})
    return {"key": key, "name": indicator.name, "label": str(indicator.label), "unit": indicator.unit, "points": points}


def me(user, now=None):
    """What "我的" shows: the person's units and cells, and their own figures this month (the same
    counts the assessment ranks gridworkers by)."""
    from grid import jurisdiction
    from grid.models import display_name

    period = periods.current_month(now)
    members = jurisdiction.of(user).members
    cells = {cell.code: cell for member in members for cell in member.cells.all()}
    return {
        "username": user.get_username(),
        "name": display_name(user),
        "units": [
            {
                "code": member.unit.code,
                "name": member.unit.name,
                "role": member.role,
                "role_display": member.get_role_display(),
            }
            for member in members
        ],
        "cells": [{"code": code, "name": cell.name} for code, cell in sorted(cells.items())],
        "month": period.first.strftime("%Y-%m"),
        "figures": scores.people_counts([user.pk], period.start, period.until)[user.pk],
    }
