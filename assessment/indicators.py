"""The indicators of 管理考核, defined once: the wall, the assessment pages, the API, the scores and
the monthly report all read them from here.

Two layers:

- **Counts** (`COUNTS`): raw numbers, each answered by one aggregate query per family, for a
  region and a period, either in total or grouped (by the area one level down, or by unit).
  What each count means, and which time decides whether a case belongs to the period, is said
  once in `COUNTS`.
- **Indicators** (`INDICATORS`): each is a sum of counts, or a ratio of sums. Its formula text is
  generated from that definition, and the README's table of formulas is `readme_table()` (a test
  keeps them the same).

A region's cases are those whose area code starts with its prefix (a county includes its
townships and villages): exactly what `Case.objects.visible_to` gives the region's centre
operators. Who may ask for which region is decided by the callers through `grid.jurisdiction`.
The period is the half-open interval [start, end).

Rates are None when their denominator is zero: "no cases" is not "0 %".
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes import lifecycle
from disputes.deadlines import working_days_between
from disputes.models import AuditEntry, Case, CaseState, FollowUp, Handling, JointTask, Satisfaction
from grid.models import RegionLevel, unit_level
from supervision.models import Order

from . import periods, summary

# Never accepted as cases of their own: not due, in no indicator.
NOT_DUE = (CaseState.REJECTED, CaseState.MERGED)
# The result was reported at least once (办结反馈), or it was sent back: the case was handled.
HANDLED_STATES = (CaseState.RESOLVED, CaseState.VERIFIED, CaseState.CLOSED)


# --- counts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountDef:
    family: str  # which query answers it
    meaning: str  # what it counts (the README's text)


COUNTS = {
    # cases created in the period (less rejected and merged): the period's workload
    "due": CountDef("cases", "cases created in the period, less rejected and merged ones"),
    "deferred": CountDef("cases", "of `due`, on hold (缓办) now"),
    "closed": CountDef("cases", "of `due`, closed before the period's end"),
    "closed_on_time": CountDef(
        "cases", "of `closed`, never escalated by the deadline sweeper (an automatic escalation)"
    ),
    "overdue": CountDef("cases", "of `due`, open with the clock running and past due at the period's end"),
    "handled": CountDef("cases", "of `due`, whose result was reported (resolved, verified, closed) or sent back"),
    "reworked": CountDef("cases", "of `due`, sent back at verification (返工) at least once"),
    "on_spot": CountDef("cases", "of `due`, settled on the spot by the reporter (即办)"),
    # follow-ups (回访) visited in the period, of the region's cases whenever created
    "follow_ups": CountDef("follow_ups", "follow-ups (回访) made in the period that recorded a satisfaction"),
    "satisfied": CountDef("follow_ups", "of `follow_ups`, 满意 or 基本满意"),
    # cases closed in the period, by the level of the unit holding them at closure
    "closed_here": CountDef("closures", "cases closed in the period"),
    "closed_village": CountDef("closures", "of `closed_here`, closed by a village unit"),
    "closed_township": CountDef("closures", "of `closed_here`, closed by a township unit"),
    "closed_above": CountDef("closures", "of `closed_here`, closed above the township (county)"),
    "handling_days": CountDef(
        "handling",
        "of `closed_here`, the sum of working days from acceptance to closure (deadlines.working_days_between)",
    ),
    # escalations (audit entries "escalate") made in the period
    "escalations": CountDef("escalations", "escalations made in the period"),
    "escalations_deadline": CountDef("escalations", "of `escalations`, made by the deadline sweeper"),
    # supervision (督办): until supervision orders exist, the sweeper's flag is the order
    "supervised": CountDef("supervision", "cases the deadline sweeper flagged for supervision (督办) in the period"),
    "supervision_answered": CountDef(
        "supervision", "of `supervised`, no longer overdue at the period's end (resolved, escalated or extended)"
    ),
    "supervision_missed": CountDef("supervision", "of `supervised`, still overdue at the period's end (no answer)"),
    # supervision orders (督办令, the supervision app) issued in the period
    "orders_issued": CountDef(
        "orders", "supervision orders issued in the period (by hand, by the sweeper, by complaints)"
    ),
    "orders_answered_on_time": CountDef(
        "orders", "of `orders_issued`, replied before their deadline, never reminded (催办) (by the period's end)"
    ),
    "closed_after_supervision": CountDef(
        "orders", "cases of `orders_issued` closed after their first order of the period, before the period's end"
    ),
    # joint handling (联办) of cases created in the period
    "joint_cases": CountDef("joint", "cases created in the period that summoned other units (联办)"),
    "joint_finished": CountDef("joint", "of `joint_cases`, every summoned unit has answered"),
    "joint_hours": CountDef("joint", "of `joint_finished`, the sum of hours from the first summons to the last answer"),
    # residents' complaints arrive with the residents' issue: counted as 0 until then
    "complaints": CountDef("complaints", "justified complaints of residents (none recorded yet: always 0)"),
}
FAMILIES = tuple(dict.fromkeys(d.family for d in COUNTS.values()))
BLANK = dict.fromkeys(COUNTS, 0)


def _region_cases(region):
    return Case.objects.filter(area_code__startswith=region.prefix)


def _key(by, path=""):
    """The grouping expression: an area prefix of `by` characters, or a unit field ("first_unit")."""
    if isinstance(by, int):
        return Substr(f"{path}area_code", 1, by)
    return F(f"{path}{by}")


def _group(queryset, by, path, **aggregates):
    """{group key: {name: value}}; the key is "" when `by` is None (the whole region)."""
    if by is None:
        return {"": queryset.aggregate(**aggregates)}
    rows = queryset.annotate(group_key=_key(by, path)).values("group_key").annotate(**aggregates).order_by()
    return {row.pop("group_key"): row for row in rows}


CASE_COUNTS = ("due", "deferred", "closed", "overdue", "handled", "reworked", "on_spot")


def _added(*parts):
    """Grouped counts added key by key: {key: {name: value}}."""
    total = {}
    for part in parts:
        for key, values in part.items():
            counts = total.setdefault(key, {})
            for name, value in values.items():
                counts[name] = counts.get(name, 0) + value
    return total


def _cases_read(queryset, end, by, open_only=False):
    """The cases family counted from the cases of `queryset` (`open_only`: none of them is closed)."""
    closed = Q(state=CaseState.CLOSED, closed_at__lt=end)
    late = {}
    if not open_only:
        # closed_on_time = closed − those of them the sweeper escalated: the few escalated cases are
        # counted by a second query from the audit trail's index, so the scan of every case stays a
        # plain one the database can run in parallel.
        escalated = summary.automatic_escalations(AuditEntry.objects).values("case")
        late = _group(queryset.filter(closed, pk__in=escalated), by, "", closed_late=Count("pk"))
    # Open cases are never closed: not asking keeps the closure time out of the query, so that the
    # index of open cases answers it alone.
    closed_count = {} if open_only else {"closed": Count("pk", filter=closed)}
    result = _group(
        queryset,
        by,
        "",
        due=Count("pk"),
        deferred=Count("pk", filter=Q(state=CaseState.DEFERRED)),
        **closed_count,
        overdue=Count("pk", filter=lifecycle.overdue(end)),
        handled=Count("pk", filter=Q(state__in=HANDLED_STATES) | Q(rework_count__gt=0)),
        reworked=Count("pk", filter=Q(rework_count__gt=0)),
        on_spot=Count("pk", filter=Q(handling=Handling.IMMEDIATE)),
    )
    for key, counts in result.items():
        counts.setdefault("closed", 0)
        counts["closed_late"] = late.get(key, {}).get("closed_late", 0)
    return result


def _cases_family(region, start, end, by, span=None):
    queryset = _region_cases(region).filter(created_at__gte=start, created_at__lt=end)
    if span is None:
        parts = [_cases_read(queryset.exclude(state__in=NOT_DUE), end, by)]
    else:
        # Open cases from their own index (disputes_case_open_by_area), closed ones from the summary;
        # when the period ends inside a month, those closed from that month's start on directly.
        open_cases = queryset.open()
        parts = [_cases_read(open_cases, end, by, open_only=True)]
        rows = summary.closed_cases(region.prefix).filter(created_month__gte=span.first, created_month__lt=span.last)
        if span.tail is not None:
            parts.append(_cases_read(queryset.filter(state=CaseState.CLOSED, closed_at__gte=span.tail), end, by))
            rows = rows.filter(closed_month__lt=span.last)
        # A closed case is due and handled, never deferred nor overdue; closed in the period if its
        # month is before the end's.
        before_end = Q(closed_month__lt=span.last)
        found = _summed(
            rows,
            by,
            due=Sum("n"),
            handled=Sum("n"),
            closed=Sum("n", filter=before_end),
            closed_late=Sum("n", filter=before_end & Q(late=True)),
            reworked=Sum("n", filter=Q(reworked=True)),
            on_spot=Sum("n", filter=Q(on_spot=True)),
        )
        parts.append({key: {**dict.fromkeys(CASE_COUNTS, 0), **values} for key, values in found.items()})
    result = _added(*parts)
    for counts in result.values():
        counts["closed_on_time"] = counts["closed"] - counts.pop("closed_late")
    return result


def _summed(rows, by, **sums):
    """The summary `rows` summed per group as `_group` groups the cases: {key: {name: value}}."""
    if by is None:
        found = {"": rows.aggregate(**sums)}
    else:
        grouped = rows.annotate(group_key=summary.group_key(by)).values("group_key").annotate(**sums).order_by()
        found = {summary.case_key(by, row.pop("group_key")): row for row in grouped}
    return {key: {name: value or 0 for name, value in row.items()} for key, row in found.items()}


def _follow_ups_family(region, start, end, by, span=None):
    satisfied = [Satisfaction.SATISFIED, Satisfaction.BASIC]
    parts = []
    if span is not None:
        rows = summary.follow_ups(region.prefix).filter(month__gte=span.first, month__lt=span.last)
        sums = {
            "follow_ups": Sum("n", filter=~Q(satisfaction="")),
            "satisfied": Sum("n", filter=Q(satisfaction__in=satisfied)),
        }
        parts.append(_summed(rows, by, **sums))
        if span.tail is None:
            return parts[0]
        start = span.tail
    queryset = FollowUp.objects.filter(
        case__area_code__startswith=region.prefix, visited_at__gte=start, visited_at__lt=end
    )
    parts.append(
        _group(
            queryset,
            by,
            "case__",
            follow_ups=Count("pk", filter=~Q(satisfaction="")),
            satisfied=Count("pk", filter=Q(satisfaction__in=satisfied)),
        )
    )
    return _added(*parts)


def _closed_in(region, start, end):
    return _region_cases(region).filter(state=CaseState.CLOSED, closed_at__gte=start, closed_at__lt=end)


def _closures_family(region, start, end, by, span=None):
    """By the level of the closing unit (the case's current unit, which closure does not change)."""
    group = ["group_key"] if by is not None else []
    rows = []
    if span is not None:
        found = summary.closed_cases(region.prefix).filter(closed_month__gte=span.first, closed_month__lt=span.last)
        if by is not None:
            found = found.annotate(group_key=summary.group_key(by))
        for row in found.values(*group, "closing_kind").annotate(n=Sum("n")).order_by():
            if by is not None:
                row["group_key"] = summary.case_key(by, row["group_key"])
            rows.append(row)
        start = end if span.tail is None else span.tail  # the cases' part: none, or the last month's
    if start < end:
        queryset = _closed_in(region, start, end)
        if by is not None:
            queryset = queryset.annotate(group_key=_key(by))
        found = queryset.values(*group, closing_kind=F("current_unit__kind")).annotate(n=Count("pk"))
        rows += list(found.order_by())
    names = {RegionLevel.VILLAGE: "closed_village", RegionLevel.TOWNSHIP: "closed_township"}
    result = {}
    for row in rows:
        counts = result.setdefault(
            row.get("group_key", ""), dict.fromkeys(("closed_here", *names.values(), "closed_above"), 0)
        )
        counts["closed_here"] += row["n"]
        counts[names.get(unit_level(row["closing_kind"]), "closed_above")] += row["n"]
    return result


def _workday_index(days):
    """{day: working days from the earliest of `days` up to it}: W(b) − W(a) = working_days_between(a, b)."""
    index, previous, total = {}, None, 0
    for day in sorted(days):
        if previous is not None:
            total += working_days_between(periods.midnight(previous), periods.midnight(day))
        index[day], previous = total, day
    return index


def _handling_family(region, start, end, by):
    """Σ working days (acceptance → closure) = Σ W(closure day) − Σ W(acceptance day): two GROUP BY
    queries by day, so the work is per day, never per case."""
    zone = timezone.get_default_timezone()
    queryset = _closed_in(region, start, end).exclude(accepted_at=None)
    if by is not None:
        queryset = queryset.annotate(group_key=_key(by))
    group = ["group_key"] if by is not None else []
    sides = {}
    for sign, moment in ((1, "closed_at"), (-1, "accepted_at")):
        rows = queryset.annotate(day=TruncDate(moment, tzinfo=zone)).values(*group, "day").annotate(n=Count("pk"))
        sides[sign] = list(rows.order_by())
    index = _workday_index({row["day"] for rows in sides.values() for row in rows})
    result = {}
    for sign, rows in sides.items():
        for row in rows:
            counts = result.setdefault(row.get("group_key", ""), {"handling_days": 0})
            counts["handling_days"] += sign * index[row["day"]] * row["n"]
    return result


def _escalations_family(region, start, end, by):
    queryset = AuditEntry.objects.filter(
        action="escalate", at__gte=start, at__lt=end, case__area_code__startswith=region.prefix
    )
    return _group(
        queryset,
        by,
        "case__",
        escalations=Count("seq"),
        escalations_deadline=Count("seq", filter=Q(details__automatic=True)),
    )


def supervised_cases(region, start, end):
    """Cases flagged for supervision (督办) in [start, end): the sweeper's "deadline_breached" with
    {"supervise": true}. Supervision orders (with their own reply deadline) come with the centre's
    desk; until then this flag is the order, and an answer is the case no longer overdue."""
    flagged = AuditEntry.objects.filter(
        case=OuterRef("pk"), action="deadline_breached", details__supervise=True, at__gte=start, at__lt=end
    )
    return _region_cases(region).filter(Exists(flagged))


def _supervision_family(region, start, end, by):
    result = _group(
        supervised_cases(region, start, end),
        by,
        "",
        supervised=Count("pk"),
        supervision_missed=Count("pk", filter=lifecycle.overdue(end)),
    )
    for row in result.values():
        row["supervision_answered"] = row["supervised"] - row["supervision_missed"]
    return result


def _orders_family(region, start, end, by):
    queryset = Order.objects.filter(case__area_code__startswith=region.prefix, issued_at__gte=start, issued_at__lt=end)
    on_time = Q(replied_at__isnull=False, replied_at__lt=end, replied_at__lte=F("due_at"), reminded_at__isnull=True)
    closed = Q(case__state=CaseState.CLOSED, case__closed_at__lt=end, case__closed_at__gte=F("issued_at"))
    return _group(
        queryset,
        by,
        "case__",
        orders_issued=Count("pk"),
        orders_answered_on_time=Count("pk", filter=on_time),
        closed_after_supervision=Count("case", filter=closed, distinct=True),
    )


def _joint_family(region, start, end, by):
    """One row per joint case (few beside all cases), summed per group in Python."""
    queryset = JointTask.objects.filter(
        case__area_code__startswith=region.prefix, case__created_at__gte=start, case__created_at__lt=end
    )
    if by is not None:
        queryset = queryset.annotate(group_key=_key(by, "case__"))
    rows = (
        queryset.values("case", *(["group_key"] if by is not None else []))
        .annotate(unanswered=Count("pk", filter=Q(answered_at=None)), first=Min("summoned_at"), last=Max("answered_at"))
        .order_by()
    )
    result = {}
    for row in rows:
        counts = result.setdefault(row.get("group_key", ""), {"joint_cases": 0, "joint_finished": 0, "joint_hours": 0})
        counts["joint_cases"] += 1
        if not row["unanswered"]:
            counts["joint_finished"] += 1
            counts["joint_hours"] += (row["last"] - row["first"]).total_seconds() / 3600
    return result


def _complaints_family(region, start, end, by):
    return {}  # no complaints are recorded yet (the residents' issue brings them)


_FAMILY_QUERIES = {
    "cases": _cases_family,
    "follow_ups": _follow_ups_family,
    "closures": _closures_family,
    "handling": _handling_family,
    "escalations": _escalations_family,
    "supervision": _supervision_family,
    "orders": _orders_family,
    "joint": _joint_family,
    "complaints": _complaints_family,
}
assert set(_FAMILY_QUERIES) == set(FAMILIES)


# The families that read closed cases and follow-ups from assessment.summary when it can answer.
_SUMMARISED = {"cases", "follow_ups", "closures"}


def counts(region, start, end, by=None, families=FAMILIES, use_summary=True):
    """The counts of `region`'s cases for [start, end).

    `by` None: {name: value} for the whole region. `by` an int: grouped by the first `by`
    characters of the area code (the areas one level down); `by` "first_unit" or
    "current_unit": grouped by that unit's id. Grouped, the answer is {key: {name: value}}
    with only the keys that have something. One aggregate query per family (two for "cases"
    and "handling"), whatever the number of cases or groups. For a period starting on a month's
    first day (and not ending inside it), closed cases and follow-ups are read from their summaries
    (assessment.summary), open cases and the period's last, partial month from the cases: a few
    queries more, each small. `use_summary=False` reads everything from the cases (the tests' and
    the benchmark's reference).
    """
    span = summary.span(region.prefix, start, end, by) if use_summary else None
    grouped = {}
    for family in families:
        extra = {"span": span} if span is not None and family in _SUMMARISED else {}
        for key, values in _FAMILY_QUERIES[family](region, start, end, by, **extra).items():
            grouped.setdefault(key, dict(BLANK)).update(values)
    if by is None:
        return grouped.get("", dict(BLANK))
    return grouped


# --- indicators -----------------------------------------------------------------------------


def _terms(names):
    return " + ".join(names)


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str  # its name in 管理考核 (Chinese), as the README and the report print it
    label: object  # translated
    numerator: tuple
    denominator: tuple = ()  # empty: the indicator is the numerator itself
    less: tuple = ()  # subtracted from the denominator
    unit: str = "rate"  # rate | count | days | hours
    higher_is_better: bool = True
    counts_needed: tuple = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "counts_needed", tuple(dict.fromkeys(self.numerator + self.denominator + self.less)))
        assert set(self.counts_needed) <= set(COUNTS), self.key

    @property
    def formula(self):
        top = _terms(self.numerator)
        if not self.denominator:
            return f"{self.name} = {top}"
        if len(self.numerator) > 1:
            top = f"({top})"
        bottom = _terms(self.denominator)
        if self.less:
            bottom = f"({bottom} − {_terms(self.less)})"
        elif len(self.denominator) > 1:
            bottom = f"({bottom})"
        return f"{self.name} = {top} ÷ {bottom}"

    def value(self, counts):
        top = sum(counts[name] for name in self.numerator)
        if not self.denominator:
            return top
        bottom = sum(counts[name] for name in self.denominator) - sum(counts[name] for name in self.less)
        return top / bottom if bottom else None

    @property
    def families(self):
        return tuple(dict.fromkeys(COUNTS[name].family for name in self.counts_needed))


INDICATORS = {
    indicator.key: indicator
    for indicator in (
        Indicator("closure_rate", "办结率", _("closure rate"), ("closed",), ("due",), ("deferred",)),
        Indicator(
            "on_time_rate", "按期办结率", _("on-time closure rate"), ("closed_on_time",), ("due",), ("deferred",)
        ),
        Indicator("satisfaction_rate", "满意率", _("satisfaction rate"), ("satisfied",), ("follow_ups",)),
        Indicator(
            "local_rate",
            "就地化解率",
            _("local resolution rate"),
            ("closed_village", "closed_township"),
            ("closed_here",),
        ),
        Indicator("village_share", "村级化解率", _("closed at village level"), ("closed_village",), ("closed_here",)),
        Indicator(
            "township_share", "乡级化解率", _("closed at township level"), ("closed_township",), ("closed_here",)
        ),
        Indicator(
            "above_share",
            "上交率",
            _("closed above the township"),
            ("closed_above",),
            ("closed_here",),
            higher_is_better=False,
        ),
        Indicator("rework_rate", "返工率", _("rework rate"), ("reworked",), ("handled",), higher_is_better=False),
        Indicator("overdue", "超期件数", _("overdue cases"), ("overdue",), unit="count", higher_is_better=False),
        Indicator(
            "supervised", "督办件数", _("supervised cases"), ("supervised",), unit="count", higher_is_better=False
        ),
        Indicator(
            "supervision_reply_rate",
            "督办按期答复率",
            _("supervision answered"),
            ("supervision_answered",),
            ("supervised",),
        ),
        Indicator(
            "supervision_missed",
            "督办未答复件数",
            _("supervision unanswered"),
            ("supervision_missed",),
            unit="count",
            higher_is_better=False,
        ),
        Indicator("orders_issued", "督办单数", _("supervision orders issued"), ("orders_issued",), unit="count"),
        Indicator(
            "orders_answered_on_time",
            "督办按期答复件数",
            _("supervision orders answered on time"),
            ("orders_answered_on_time",),
            unit="count",
        ),
        Indicator(
            "closed_after_supervision",
            "督办后办结件数",
            _("cases closed after supervision"),
            ("closed_after_supervision",),
            unit="count",
        ),
        Indicator(
            "escalations", "上报升级件数", _("escalations"), ("escalations",), unit="count", higher_is_better=False
        ),
        Indicator(
            "deadline_escalation_share",
            "超时升级占比",
            _("escalated by the deadline"),
            ("escalations_deadline",),
            ("escalations",),
            higher_is_better=False,
        ),
        Indicator("joint_cases", "联办件数", _("joint cases"), ("joint_cases",), unit="count"),
        Indicator(
            "joint_hours",
            "联办平均用时（小时）",
            _("joint handling time (hours)"),
            ("joint_hours",),
            ("joint_finished",),
            unit="hours",
            higher_is_better=False,
        ),
        Indicator(
            "handling_days",
            "平均办理时长（工作日）",
            _("average handling time (working days)"),
            ("handling_days",),
            ("closed_here",),
            unit="days",
            higher_is_better=False,
        ),
        Indicator("on_spot", "就地即办件数", _("settled on the spot"), ("on_spot",), unit="count"),
        Indicator("due", "受理件数", _("cases"), ("due",), unit="count"),
    )
}


def families_for(keys):
    """The count families the indicators `keys` need: ask for no more queries than that."""
    return tuple(dict.fromkeys(family for key in keys for family in INDICATORS[key].families))


def values(counts, keys=None):
    """{indicator key: value} from one set of counts."""
    return {key: INDICATORS[key].value(counts) for key in (keys or INDICATORS)}


def compute(region, start, end, keys=None):
    """The indicators `keys` (default all) of `region` for [start, end), with their counts: (values, counts)."""
    keys = tuple(keys or INDICATORS)
    found = counts(region, start, end, families=families_for(keys))
    return values(found, keys), found


def readme_table():
    """The README's table of formulas and counts, generated from the definitions above."""
    lines = ["| indicator | formula |", "|---|---|"]
    lines += [f"| `{i.key}` | {i.formula} |" for i in INDICATORS.values()]
    lines += ["", "| count | what it counts |", "|---|---|"]
    lines += [f"| `{name}` | {d.meaning} |" for name, d in COUNTS.items()]
    return "\n".join(lines)
