"""Summaries of what can no longer change: closed cases and recorded follow-ups, per village, first
unit and month. The rankings' big counts read these rows instead of a year of cases.

A closed case is final in every field the assessment counts (no act leaves 结案: the catalogue
allows only follow-ups and judicial confirmation after it), and a follow-up is never edited. So
each is added once, by one upsert in the transaction that closes the case or records the
follow-up (`recorded`, called by the one helper that records every change of a case), and the
counts stay exact: `assessment.indicators` adds the summary's closed cases to the open ones it
reads directly (from an index of open cases), and reads the month a period ends in, when it ends
inside one, from the cases too. It answers periods starting on a month's first day (months,
quarters, years, whether over or running) for a region down to a village, whole or grouped by
area or by first unit; anything else reads the cases.

Rows written by SQL outside the workflow (a bulk load, a benchmark's generator) are not seen until
`rebuild()` (`manage.py rebuild_summaries`).
"""

import datetime
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.db import connection
from django.db.models import BooleanField, Count, DateField, Exists, ExpressionWrapper, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Left, Substr, TruncMonth
from django.utils import timezone

from disputes.lifecycle import CaseState

from . import periods

PREFIX_LENGTH = 12  # the village: the finest grouping the summaries answer
FOLLOW_UP = "record_follow_up"  # the act that records a follow-up (disputes.workflow.mediation)


def automatic_escalations(audit_entries):
    """The sweeper's escalations (a case escalated because its deadline passed): the one definition
    of a late case, read by the indicators and by the summary."""
    return audit_entries.filter(action="escalate", details__automatic=True)


def month_of(moment):
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def month_start(moment):
    return periods.midnight(month_of(moment))


@dataclass(frozen=True)
class Span:
    """What the summaries answer of a period: its months from `first` up to (not including) `last`;
    from `tail` (the start of the month the period ends in, when it ends inside it) to the end, the
    cases and follow-ups themselves."""

    first: datetime.date
    last: datetime.date
    tail: datetime.datetime | None


def span(region_prefix, start, end, by):
    """The Span of [start, end) for this region and grouping, or None when the summaries cannot
    answer: a period not starting on a local month's first midnight, or ending inside its first
    month; a region or grouping finer than a village, a grouping by anything but area or first unit."""
    if len(region_prefix) > PREFIX_LENGTH:
        return None
    if not (by is None or by == "first_unit" or (isinstance(by, int) and by <= PREFIX_LENGTH)):
        return None
    if start >= end or month_start(start) != start:
        return None
    tail = month_start(end)
    if tail == start:
        return None  # within one month (a running month, the wall's): the summaries hold none of it
    return Span(month_of(start), month_of(end), None if tail == end else tail)


def closed_cases(region_prefix):
    from .models import ClosedCases

    return ClosedCases.objects.filter(prefix__startswith=region_prefix)


def follow_ups(region_prefix):
    from .models import FollowUpCounts

    return FollowUpCounts.objects.filter(prefix__startswith=region_prefix)


def group_key(by):
    """The summary's expression for a grouping of the cases (indicators._key): area prefix or first unit."""
    return F("first_unit") if by == "first_unit" else Substr("prefix", 1, by)


def case_key(by, key):
    """A summary group's key as the cases' grouping gives it (0 is "no first unit")."""
    return (key or None) if by == "first_unit" else key


# --- keeping them ---------------------------------------------------------------------------------


def _upsert(model, keys, n=1):
    table = model._meta.db_table
    columns = [*keys, "n"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
            f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table}.n + excluded.n",
            [*keys.values(), n],
        )


def recorded(case, entry):
    """Called by disputes.workflow.core.record in the transaction of every change of a case."""
    if entry.to_state == CaseState.CLOSED and entry.from_state != CaseState.CLOSED:
        _closed(case)
    elif entry.action == FOLLOW_UP:
        _followed_up(case, entry.details["follow_up"])


def _closed(case):
    from disputes import reference
    from disputes.models import AuditEntry, Handling
    from grid.models import Unit

    kind = ""
    if case.current_unit_id:
        unit = reference.unit(case.current_unit_id)  # the process's cache of active units
        if unit is not None:
            kind = unit.kind
        else:  # a unit made inactive while holding the case
            kind = Unit.objects.values_list("kind", flat=True).get(pk=case.current_unit_id)
    late = automatic_escalations(AuditEntry.objects.filter(case_id=case.pk)).exists()
    keys = {
        "prefix": case.area_code[:PREFIX_LENGTH],
        "first_unit": case.first_unit_id or 0,
        "closing_kind": kind,
        "created_month": month_of(case.created_at),
        "closed_month": month_of(case.closed_at),
        "reworked": case.rework_count > 0,
        "on_spot": case.handling == Handling.IMMEDIATE,
        "late": late,
    }
    from .models import ClosedCases

    _upsert(ClosedCases, keys)


def _followed_up(case, follow_up_id):
    from disputes.models import FollowUp

    from .models import FollowUpCounts

    visited_at, satisfaction = FollowUp.objects.values_list("visited_at", "satisfaction").get(pk=follow_up_id)
    keys = {
        "prefix": case.area_code[:PREFIX_LENGTH],
        "first_unit": case.first_unit_id or 0,
        "month": month_of(visited_at),
        "satisfaction": satisfaction,
    }
    _upsert(FollowUpCounts, keys)


def rebuild(apps=global_apps):
    """Recount both summaries from the cases and follow-ups (after a bulk load, and when the
    migration creates them): grouped in the database, a row per group written back."""
    from disputes.models import Handling

    zone = timezone.get_default_timezone()
    Case = apps.get_model("disputes", "Case")
    AuditEntry = apps.get_model("disputes", "AuditEntry")
    FollowUp = apps.get_model("disputes", "FollowUp")
    ClosedCases = apps.get_model("assessment", "ClosedCases")
    FollowUpCounts = apps.get_model("assessment", "FollowUpCounts")

    ClosedCases.objects.all().delete()
    late = Exists(automatic_escalations(AuditEntry.objects.filter(case=OuterRef("pk"))))
    rows = (
        # (a closed case always has its closure time; one written without it by SQL could not be counted)
        Case.objects.filter(state=CaseState.CLOSED, closed_at__isnull=False)
        .annotate(
            s_prefix=Left("area_code", PREFIX_LENGTH),
            s_first_unit=Coalesce("first_unit", Value(0)),
            s_closing_kind=Coalesce("current_unit__kind", Value("")),
            s_created_month=TruncMonth("created_at", tzinfo=zone, output_field=DateField()),
            s_closed_month=TruncMonth("closed_at", tzinfo=zone, output_field=DateField()),
            s_reworked=ExpressionWrapper(Q(rework_count__gt=0), output_field=BooleanField()),
            s_on_spot=ExpressionWrapper(Q(handling=Handling.IMMEDIATE), output_field=BooleanField()),
            s_late=late,
        )
        .values(
            "s_prefix",
            "s_first_unit",
            "s_closing_kind",
            "s_created_month",
            "s_closed_month",
            "s_reworked",
            "s_on_spot",
            "s_late",
        )
        .annotate(s_n=Count("pk"))
        .order_by()
    )
    _write_back(ClosedCases, rows)

    FollowUpCounts.objects.all().delete()
    rows = (
        FollowUp.objects.annotate(
            s_prefix=Left("case__area_code", PREFIX_LENGTH),
            s_first_unit=Coalesce("case__first_unit", Value(0)),
            s_month=TruncMonth("visited_at", tzinfo=zone, output_field=DateField()),
        )
        .values("s_prefix", "s_first_unit", "s_month", "satisfaction")
        .annotate(s_n=Count("pk"))
        .order_by()
    )
    _write_back(FollowUpCounts, rows)


def _write_back(model, rows):
    """The grouped rows (their names the model's fields, `s_` before those the source model has too)
    written as summary rows."""
    objects = (model(**{name.removeprefix("s_"): value for name, value in row.items()}) for row in rows.iterator())
    model.objects.bulk_create(objects, batch_size=2000)
