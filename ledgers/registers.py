"""The registers (台账) a county keeps, each declared once: its rows, its columns and who sees what.

Every register starts from `Case.objects.visible_to(user)` (or the reports and follow-ups of those
cases), narrowed by the case list's own filters (disputes.api.filters.CaseFilter). Rows are read
as plain values in primary-key order from one query read as it goes (their parties from a second
one beside it) — never a whole table in memory, never OFFSET — and personal data (ID numbers,
phones) is masked unless the reader handles the case (`disputes.access.is_handler`, the same rule
as the case detail).
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes import access, lifecycle
from disputes.identity import mask
from disputes.models import (
    Agreement,
    CaseKind,
    CaseState,
    FollowUp,
    Grade,
    MediationSession,
    Party,
    Report,
    Satisfaction,
)

CHUNK = 5000


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    kind: str = "text"  # text, datetime, date, number


@dataclass
class Register:
    key: str
    title: str
    columns: list
    rows: object  # (user, cases queryset) -> iterator of row tuples
    count: object  # (user, cases queryset) -> number of rows
    description: str = ""
    extra: dict = field(default_factory=dict)


def _labels(choices):
    return {value: str(label) for value, label in choices}


def _local(value):
    """The county's wall-clock time (settings.TIME_ZONE; the job runner activates no other)."""
    return value.astimezone(timezone.get_default_timezone()).replace(tzinfo=None) if value else None


def _chunks(queryset, fields):
    """Plain value rows of `queryset` in primary-key order, CHUNK at a time, from one query read
    as it goes (a server-side cursor on PostgreSQL, fetchmany on SQLite)."""
    chunk = []
    for row in queryset.order_by("pk").values(*fields).iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _handles(user):
    """row -> whether `user` handles its case (sees parties unmasked), by the case detail's rule;
    decided once for each combination of units and area."""
    known = {}

    def check(row):
        key = (row["current_unit_id"], row["first_unit_id"], row["area_code"])
        if key not in known:
            case = SimpleNamespace(current_unit_id=key[0], first_unit_id=key[1], area_code=key[2])
            known[key] = access.is_handler(user, case)
        return known[key]

    return check


def _parties_of(cases):
    """case id -> its parties' (name, phone, ID number), for ids asked in increasing order: the
    parties of all the cases are read as one stream in case order beside the cases' own."""
    stream = (
        Party.objects.filter(case__in=cases.values("pk"))
        .order_by("case_id", "pk")
        .values_list("case_id", "name", "phone", "id_number")
        .iterator(chunk_size=CHUNK)
    )
    pending = next(stream, None)

    def of(case_id):
        nonlocal pending
        found = []
        while pending is not None and pending[0] <= case_id:
            if pending[0] == case_id:
                found.append(pending[1:])
            pending = next(stream, None)
        return found

    return of


def _joined(values):
    return "；".join(value for value in values if value)


CASE_FIELDS = (
    "pk",
    "number",
    "created_at",
    "kind",
    "category__name",
    "grade",
    "region__name",
    "cell__name",
    "description",
    "current_unit__name",
    "state",
    "due_at",
    "closed_at",
    "breached_at",
    "first_unit_id",
    "current_unit_id",
    "area_code",
)


def _case_rows(columns_of):
    """Rows of the case registers: `columns_of(row, parties, handles, labels, now)` makes one."""

    def rows(user, cases):
        handles = _handles(user)
        labels = {
            "kind": _labels(CaseKind.choices),
            "grade": _labels(Grade.choices),
            "state": _labels(CaseState.choices),
            "yes": str(_("yes")),
            "no": str(_("no")),
        }
        now = timezone.now()
        parties = _parties_of(cases)
        for chunk in _chunks(cases, CASE_FIELDS):
            for row in chunk:
                yield columns_of(row, parties(row["pk"]), handles(row), labels, now)

    return rows


def _count_cases(user, cases):
    return cases.count()


def _overdue(row, now):
    return lifecycle.is_overdue(row["state"], row["due_at"], now)


def _case_register_row(row, parties, unmasked, labels, now):
    return (
        row["number"],
        _local(row["created_at"]),
        labels["kind"].get(row["kind"], row["kind"]),
        row["category__name"],
        labels["grade"].get(row["grade"], row["grade"]),
        row["region__name"],
        row["cell__name"] or "",
        _joined(name for name, _phone, _id in parties),
        _joined(phone if unmasked else mask(phone) for _name, phone, _id in parties),
        row["description"],
        row["current_unit__name"] or "",
        labels["state"].get(row["state"], row["state"]),
        _local(row["due_at"]),
        labels["yes"] if _overdue(row, now) else labels["no"],
        _local(row["closed_at"]),
    )


def _dispute_register_row(row, parties, unmasked, labels, now):
    return (
        row["number"],
        _local(row["created_at"]),
        _joined(name for name, _phone, _id in parties),
        _joined(id_number if unmasked else mask(id_number) for _name, _phone, id_number in parties),
        _joined(phone if unmasked else mask(phone) for _name, phone, _id in parties),
        row["category__name"],
        row["description"],
        row["current_unit__name"] or "",
        labels["state"].get(row["state"], row["state"]),
        _local(row["closed_at"]),
    )


def _supervision_row(row, parties, unmasked, labels, now):
    late = (now - row["due_at"]).total_seconds() / 3600 if row["due_at"] and _overdue(row, now) else None
    return (
        row["number"],
        row["category__name"],
        row["region__name"],
        row["current_unit__name"] or "",
        _local(row["due_at"]),
        _local(row["breached_at"]),
        round(late, 1) if late is not None else None,
        labels["state"].get(row["state"], row["state"]),
        _local(row["closed_at"]),
    )


# --- mediation: sessions and agreements per case -------------------------------------------------


def _mediation_rows(user, cases):
    handles = _handles(user)
    states = _labels(CaseState.choices)
    parties = _parties_of(_mediated(cases))
    for chunk in _chunks(_mediated(cases), (*CASE_FIELDS, "mediation_source")):
        ids = [row["pk"] for row in chunk]
        sessions = {
            row["case_id"]: row
            for row in MediationSession.objects.filter(case_id__in=ids)
            .values("case_id")
            .annotate(count=Count("pk"), first=Min("held_at"))
        }
        agreements = {
            row["case_id"]: row
            for row in Agreement.objects.filter(case_id__in=ids).values(
                "case_id", "signed_at", "mediator__last_name", "mediator__first_name", "confirmation_outcome"
            )
        }
        for row in chunk:
            unmasked = handles(row)
            case_parties = parties(row["pk"])
            held = sessions.get(row["pk"], {})
            agreement = agreements.get(row["pk"], {})
            mediator = f"{agreement.get('mediator__last_name') or ''}{agreement.get('mediator__first_name') or ''}"
            yield (
                row["number"],
                _local(row["created_at"]),
                row["category__name"],
                _joined(name for name, _phone, _id in case_parties),
                _joined(id_number if unmasked else mask(id_number) for _name, _phone, id_number in case_parties),
                row["current_unit__name"] or "",
                mediator,
                held.get("count", 0),
                _local(held.get("first")),
                _local(agreement.get("signed_at")),
                agreement.get("confirmation_outcome") or "",
                states.get(row["state"], row["state"]),
            )


def _mediated(cases):
    return cases.exclude(mediation_source="")


# --- follow-ups and the gridworkers' work log ----------------------------------------------------


def _follow_up_rows(user, cases):
    satisfaction = _labels(Satisfaction.choices)
    yes, no = str(_("yes")), str(_("no"))
    follow_ups = FollowUp.objects.filter(case__in=cases.values("pk"))
    fields = (
        "pk",
        "case__number",
        "visited_at",
        "visited_by__last_name",
        "visited_by__first_name",
        "visited_by__username",
        "performed",
        "satisfaction",
        "notes",
    )
    for chunk in _chunks(follow_ups, fields):
        for row in chunk:
            name = f"{row['visited_by__last_name']}{row['visited_by__first_name']}" or row["visited_by__username"]
            yield (
                row["case__number"],
                _local(row["visited_at"]),
                name,
                yes if row["performed"] else no,
                satisfaction.get(row["satisfaction"], row["satisfaction"]),
                row["notes"],
            )


def _follow_up_count(user, cases):
    return FollowUp.objects.filter(case__in=cases.values("pk")).count()


def _work_log_reports(user, cases):
    return Report.objects.visible_to(user).filter(case__in=cases.values("pk"))


def _work_log_rows(user, cases):
    yes, no = str(_("yes")), str(_("no"))
    fields = (
        "pk",
        "received_at",
        "reporter__last_name",
        "reporter__first_name",
        "reporter__username",
        "cell__name",
        "case__number",
        "category__name",
        "resolved_on_site",
        "description",
    )
    for chunk in _chunks(_work_log_reports(user, cases), fields):
        for row in chunk:
            name = f"{row['reporter__last_name']}{row['reporter__first_name']}" or row["reporter__username"]
            yield (
                _local(row["received_at"]),
                name,
                row["cell__name"] or "",
                row["case__number"] or "",
                row["category__name"],
                yes if row["resolved_on_site"] else no,
                row["description"],
            )


def _work_log_count(user, cases):
    return _work_log_reports(user, cases).count()


# --- the registers -----------------------------------------------------------------------------


REGISTERS = {
    register.key: register
    for register in [
        Register(
            key="cases",
            title=_("Case register (案件登记台账)"),
            columns=[
                Column(_("Case number"), 16),
                Column(_("Registered at"), 17, "datetime"),
                Column(_("Kind"), 8),
                Column(_("Category"), 16),
                Column(_("Grade"), 6),
                Column(_("Area"), 14),
                Column(_("Grid cell"), 16),
                Column(_("Parties"), 20),
                Column(_("Phones"), 20),
                Column(_("What happened"), 40),
                Column(_("Handling unit"), 20),
                Column(_("State"), 10),
                Column(_("Due at"), 17, "datetime"),
                Column(_("Overdue"), 6),
                Column(_("Closed at"), 17, "datetime"),
            ],
            rows=_case_rows(_case_register_row),
            count=_count_cases,
        ),
        Register(
            key="disputes",
            title=_("Dispute intake register (纠纷受理登记)"),
            columns=[
                Column(_("Case number"), 16),
                Column(_("Received at"), 17, "datetime"),
                Column(_("Parties"), 20),
                Column(_("ID numbers"), 24),
                Column(_("Phones"), 20),
                Column(_("Kind of dispute"), 16),
                Column(_("What happened"), 40),
                Column(_("Handling unit"), 20),
                Column(_("State"), 10),
                Column(_("Closed at"), 17, "datetime"),
            ],
            rows=lambda user, cases: _case_rows(_dispute_register_row)(user, cases.filter(kind=CaseKind.DISPUTE)),
            count=lambda user, cases: cases.filter(kind=CaseKind.DISPUTE).count(),
        ),
        Register(
            key="mediations",
            title=_("Mediation register (调解案件登记)"),
            columns=[
                Column(_("Case number"), 16),
                Column(_("Received at"), 17, "datetime"),
                Column(_("Kind of dispute"), 16),
                Column(_("Parties"), 20),
                Column(_("ID numbers"), 24),
                Column(_("Mediation committee"), 22),
                Column(_("Mediator"), 10),
                Column(_("Sessions"), 8, "number"),
                Column(_("First session"), 17, "datetime"),
                Column(_("Agreement signed"), 17, "datetime"),
                Column(_("Judicial confirmation"), 12),
                Column(_("State"), 10),
            ],
            rows=_mediation_rows,
            count=lambda user, cases: _mediated(cases).count(),
        ),
        Register(
            key="follow_ups",
            title=_("Follow-up register (回访登记)"),
            columns=[
                Column(_("Case number"), 16),
                Column(_("Visited at"), 17, "datetime"),
                Column(_("Visited by"), 10),
                Column(_("Agreement performed"), 10),
                Column(_("Satisfaction"), 10),
                Column(_("Notes"), 40),
            ],
            rows=_follow_up_rows,
            count=_follow_up_count,
        ),
        Register(
            key="supervision",
            title=_("Supervision register (督办登记)"),
            columns=[
                Column(_("Case number"), 16),
                Column(_("Category"), 16),
                Column(_("Area"), 14),
                Column(_("Handling unit"), 20),
                Column(_("Due at"), 17, "datetime"),
                Column(_("Flagged at"), 17, "datetime"),
                Column(_("Hours overdue"), 10, "number"),
                Column(_("State"), 10),
                Column(_("Closed at"), 17, "datetime"),
            ],
            rows=lambda user, cases: _case_rows(_supervision_row)(user, cases.filter(breached_at__isnull=False)),
            count=lambda user, cases: cases.filter(breached_at__isnull=False).count(),
        ),
        Register(
            key="work_log",
            title=_("Gridworkers' work log (网格员工作日志)"),
            columns=[
                Column(_("Reported at"), 17, "datetime"),
                Column(_("Gridworker"), 10),
                Column(_("Grid cell"), 16),
                Column(_("Case number"), 16),
                Column(_("Category"), 16),
                Column(_("Settled on the spot"), 8),
                Column(_("What happened"), 40),
            ],
            rows=_work_log_rows,
            count=_work_log_count,
        ),
    ]
}
