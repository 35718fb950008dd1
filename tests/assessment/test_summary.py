"""The summaries of closed cases and follow-ups (assessment.summary): kept by the verbs in the closing
transaction, equal to a recount from the cases, and giving the very counts the cases give.

The story runs over three months (local time), through the real verbs, the clock moved by hand:

    A  village committee   created 10 Oct, closed 20 Oct; followed up 25 Oct, satisfied
    B  judicial office     created 28 Oct, sent back once, closed 3 Nov; followed up 5 Nov, basic
    C  county centre       created 5 Nov, escalated by the sweeper 6 Nov, closed 9 Nov;
                           followed up 1 Dec 00:10, unsatisfied
    D  settled on the spot 12 Nov, closed 13 Nov; followed up 20 Nov, no satisfaction asked
    E  village committee   created 30 Nov 23:30, closed 1 Dec 00:30 (a month apart by minutes)
    F  T2's centre         created 15 Nov, closed 2 Dec
    G  judicial office     created 20 Nov, still in progress
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from assessment import indicators, periods, summary
from assessment.models import ClosedCases, FollowUpCounts
from disputes import workflow
from disputes.models import AuditEntry, Case, FollowUp
from tests.disputes.conftest import POINT_V3
from tests.disputes.stories import closed, handled, new_case


def local(month, day, hour=10, minute=0):
    zone = timezone.get_default_timezone()
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=zone)


class Clock:
    def __init__(self, monkeypatch):
        self.moment = local(10, 1)
        monkeypatch.setattr(timezone, "now", lambda: self.moment)
        # Model fields keep the function they were given as their default: move theirs too.
        for field in (FollowUp._meta.get_field("visited_at"), AuditEntry._meta.get_field("at")):
            monkeypatch.setitem(field.__dict__, "_get_default", lambda: self.moment)

    def __call__(self, moment):
        self.moment = moment
        return self


def close(world, case, unit, handler, moment, clock, rework=False, verifier=None):
    clock(moment)
    if case.state != "resolved":
        workflow.resolve_case(handler, case, result="已调解")
    if rework:
        workflow.verify_case(world.gridworker, case, passed=False, note="没有落实")
        workflow.resolve_case(handler, case, result="已落实")
    verifier = verifier or (world.gridworker_v3 if unit == world.t2_centre else world.gridworker)
    workflow.verify_case(verifier, case, passed=True)
    workflow.close_case(world.county_operator, case)
    case.refresh_from_db()
    assert case.state == "closed"
    return case


@pytest.fixture
def story(world, monkeypatch):
    clock = Clock(monkeypatch)
    c = {}
    clock(local(10, 10))
    c["A"] = handled(world, world.v1_committee, world.committee)
    close(world, c["A"], world.v1_committee, world.committee, local(10, 20), clock)
    clock(local(10, 25))
    workflow.record_follow_up(world.county_operator, c["A"], performed=True, satisfaction="satisfied")

    clock(local(10, 28))
    c["B"] = handled(world, world.t1_justice, world.justice)
    close(world, c["B"], world.t1_justice, world.justice, local(11, 3), clock, rework=True)
    clock(local(11, 5))
    workflow.record_follow_up(world.county_operator, c["B"], performed=True, satisfaction="basic")

    clock(local(11, 5))
    c["C"] = handled(world, world.county_centre, world.county_operator)
    AuditEntry.objects.create(case=c["C"], action="escalate", details={"automatic": True}, at=local(11, 6))
    close(world, c["C"], world.county_centre, world.county_operator, local(11, 9), clock)
    clock(local(12, 1, 0, 10))
    workflow.record_follow_up(world.county_operator, c["C"], performed=True, satisfaction="unsatisfied")

    clock(local(11, 12))
    photos = [{"sha256": "a" * 64, "purpose": "result"}]
    c["D"] = new_case(world, resolved_on_site=True, on_site_result="当场劝和", photos=photos)
    close(world, c["D"], world.v1_committee, world.committee, local(11, 13), clock, verifier=world.county_operator)
    clock(local(11, 20))
    workflow.record_follow_up(world.county_operator, c["D"], performed=True)

    clock(local(11, 30, 23, 30))
    c["E"] = handled(world, world.v1_committee, world.committee)
    close(world, c["E"], world.v1_committee, world.committee, local(12, 1, 0, 30), clock)

    clock(local(11, 15))
    c["F"] = new_case(world, point=POINT_V3)
    workflow.accept_case(world.county_operator, c["F"])
    workflow.dispatch_case(world.county_operator, c["F"], unit=world.t2_centre)
    workflow.start_case(world.operator_t2, c["F"])
    close(world, c["F"], world.t2_centre, world.operator_t2, local(12, 2), clock)

    clock(local(11, 20))
    c["G"] = handled(world, world.t1_justice, world.justice)
    clock(local(12, 3))
    return c


def rows():
    closed_rows = set(
        ClosedCases.objects.values_list(
            "prefix", "first_unit", "closing_kind", "created_month", "closed_month", "reworked", "on_spot", "late", "n"
        )
    )
    follow_ups = set(FollowUpCounts.objects.values_list("prefix", "first_unit", "month", "satisfaction", "n"))
    return closed_rows, follow_ups


def test_the_verbs_keep_the_summaries_as_a_recount_would(world, story):
    kept = rows()
    closed_rows, follow_ups = kept
    v1 = world.v1.code
    assert sum(row[-1] for row in closed_rows) == 6 and sum(row[-1] for row in follow_ups) == 4
    # B: created in October, closed in November, sent back once, by the judicial office
    assert (v1, world.v1_committee.pk, "justice_office", local(10, 1).date(), local(11, 1).date(), True, False,
            False, 1) in closed_rows  # fmt: skip
    # C: escalated by the sweeper before closing: late
    assert any(row[2] == "county_centre" and row[7] for row in closed_rows)
    # D: settled on the spot
    assert any(row[6] and row[3] == local(11, 1).date() for row in closed_rows)
    # E: the months are local ones: created in November, closed in December, by minutes
    assert any(row[3] == local(11, 1).date() and row[4] == local(12, 1).date() and row[2] == "village_committee"
               for row in closed_rows)  # fmt: skip
    assert {(row[2], row[3], row[4]) for row in follow_ups} == {
        (local(10, 1).date(), "satisfied", 1),
        (local(11, 1).date(), "basic", 1),
        (local(12, 1).date(), "unsatisfied", 1),
        (local(11, 1).date(), "", 1),
    }
    assert {row[0] for row in closed_rows} == {world.v1.code, world.v3.code}  # the rows hold villages
    summary.rebuild()
    assert rows() == kept


PERIODS = ("2026-10", "2026-11", "2026-12", "2026-Q4", "2026", "2025")


def spans():
    """Whole months, quarters and years (over or running to now), and periods that end inside a month."""
    for code in PERIODS:
        period = periods.parse(code)
        yield code, period.start, period.until
    yield "Oct to 20 Nov", local(10, 1, 0), local(11, 20, 0)
    yield "Nov to 1 Dec 00:20", local(11, 1, 0), local(12, 1, 0, 20)
    yield "1 to 13 Nov 10:00", local(11, 1, 0), local(11, 13)


@pytest.mark.parametrize("name,start,end", list(spans()), ids=[name for name, *_ in spans()])
def test_the_summaries_give_the_counts_the_cases_give(world, story, name, start, end):
    families = ("cases", "follow_ups", "closures")
    answered = 0
    for region in (world.county, world.t1, world.t2, world.v1):
        for by in (None, "first_unit", len(region.prefix) + 3):
            if summary.span(region.prefix, start, end, by) is not None:
                answered += 1
            kept = indicators.counts(region, start, end, by=by, families=families)
            read = indicators.counts(region, start, end, by=by, families=families, use_summary=False)
            assert kept == read, (region.code, by)
    # every combination but the village grouped by cell, unless the period ends inside its first month
    inside_one_month = summary.month_of(start) == summary.month_of(end - datetime.timedelta(microseconds=1))
    assert answered == (0 if inside_one_month and end != summary.month_start(end) else 11)
    assert answered or name in ("2026-12", "1 to 13 Nov 10:00")


def test_the_story_in_figures(world, story):
    """What the summaries say of November, checked by hand against the story."""
    nov = periods.parse("2026-11")
    found = indicators.counts(world.county, nov.start, nov.until, families=("cases", "follow_ups", "closures"))
    # created in November: C, D, E, F, G; closed before December: C, D
    assert (found["due"], found["closed"], found["closed_on_time"], found["on_spot"]) == (5, 2, 1, 1)
    assert found["handled"] == 4  # C, D, E, F closed by now (handled), G in progress
    # closed in November: B (township), C (above), D (village)
    assert (found["closed_here"], found["closed_village"], found["closed_township"], found["closed_above"]) == (
        3,
        1,
        1,
        1,
    )
    assert (found["follow_ups"], found["satisfied"]) == (1, 1)  # B's; D's asked nothing


def test_the_summaries_answer_from_a_months_first_day_down_to_a_village():
    zone = timezone.get_default_timezone()
    first = datetime.datetime(2026, 11, 1, tzinfo=zone)
    after = datetime.datetime(2026, 12, 1, tzinfo=zone)
    nov, dec = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)
    assert summary.span("150922", first, after, 9) == summary.Span(nov, dec, None)
    inside = after + datetime.timedelta(days=5, hours=3)
    assert summary.span("150922", first, inside, None) == summary.Span(nov, dec, after)  # December read directly
    assert summary.span("150922", first, first + datetime.timedelta(days=3), None) is None  # the running month
    assert summary.span("150922", first + datetime.timedelta(hours=1), after, None) is None
    assert summary.span("150922100201", first, after, 15) is None  # by cell: finer than the rows
    assert summary.span("150922100201001", first, after, None) is None  # a cell
    assert summary.span("150922", first, after, "current_unit") is None
    utc_midnight = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    assert summary.span("150922", utc_midnight, after, None) is None  # not a local month's start


def test_a_closure_rolled_back_leaves_no_count(world):
    case = handled(world, world.v1_committee, world.committee)
    workflow.resolve_case(world.committee, case, result="已调解")
    workflow.verify_case(world.gridworker, case, passed=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.close_case(world.county_operator, case)
        assert ClosedCases.objects.get().n == 1  # in the closing transaction
        raise RuntimeError("the caller fails after closing")
    assert not ClosedCases.objects.exists()
    case.refresh_from_db()
    workflow.close_case(world.county_operator, case)
    assert ClosedCases.objects.get().n == 1


def test_rebuild_summaries_recounts_what_sql_wrote_behind_the_verbs(world):
    case = closed(world, world.v1_committee, world.committee)
    kept = rows()
    # A bulk load (or a repair by SQL) moves the case's closure to another month behind the verbs.
    Case.objects.filter(pk=case.pk).update(closed_at=case.closed_at + datetime.timedelta(days=40))
    assert rows() == kept  # not seen yet
    out = io.StringIO()
    call_command("rebuild_summaries", stdout=out)
    closed_rows, _ = rows()
    assert [row[4] for row in closed_rows] == [summary.month_of(case.closed_at + datetime.timedelta(days=40))]
    assert "已重新统计" in out.getvalue()  # Chinese by default
