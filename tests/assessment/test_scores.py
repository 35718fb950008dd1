"""Scores and rankings: the scheme valid in each period, ranks, changes, gridworkers' points."""

import datetime
import random
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessment import indicators, periods, scores
from assessment.models import Scheme, SchemeWeight
from disputes import workflow
from disputes.models import Report
from tests.disputes.conftest import POINT_V3
from tests.disputes.stories import closed, handled, new_case, shift


def at(period, days=1):
    return period.start + datetime.timedelta(days=days)


@pytest.fixture
def months():
    this = periods.parse("2025-11")
    return this, this.previous()


def test_periods_parse_and_step():
    nov = periods.parse("2026-11")
    assert (nov.code, nov.previous().code, nov.last_year().code) == ("2026-11", "2026-10", "2025-11")
    assert periods.parse("2026-Q1").previous().code == "2025-Q4"
    assert periods.parse("2026").end == periods.parse("2027").start
    assert [p.code for p in nov.trend()][:2] == ["2025-12", "2026-01"] and nov.trend()[-1] == nov
    for bad in ("2026-13", "2026-Q5", "26", "", "2026-1", "0999"):
        assert periods.parse(bad) is None


def scheme(world, valid_from, valid_to=None, **weights):
    made = Scheme.objects.create(county=world.county, name=str(valid_from), valid_from=valid_from, valid_to=valid_to)
    for key, weight in weights.items():
        SchemeWeight.objects.create(scheme=made, indicator=key, weight=Decimal(weight))
    return made


def test_each_period_is_scored_with_the_scheme_valid_then(world):
    old = scheme(world, datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), closure_rate=1)
    new = scheme(world, datetime.date(2025, 1, 1), satisfaction_rate=1)
    assert scores.scheme_for(world.county.code, datetime.date(2024, 6, 1))[0] == old
    assert scores.scheme_for(world.county.code, datetime.date(2026, 6, 1))[0] == new
    assert scores.scheme_for(world.county.code, datetime.date(2023, 6, 1))[0].pk is None  # the default
    overlapping = Scheme(county=world.county, name="x", valid_from=datetime.date(2024, 12, 1))
    with pytest.raises(ValidationError):
        overlapping.clean()


def test_areas_are_ranked_with_their_change_against_the_previous_period(world, months):
    this, before = months
    scheme(world, datetime.date(2020, 1, 1), closure_rate=1)
    # T1: this month one closed of one; T2: one closed, one open past due. Before: T2 better.
    a = closed(world, world.v1_committee, world.committee)
    e = closed(world, world.t2_centre, world.operator_t2, finder=world.gridworker_v3, point=POINT_V3)
    e2 = handled(world, world.t2_centre, world.operator_t2, point=POINT_V3)
    b = new_case(world)
    workflow.accept_case(world.county_operator, b)
    for case in (a, e, e2):
        shift(case, created_at=at(this), closed_at=at(this, 2) if case.closed_at else None, due_at=at(this, 3))
    shift(b, created_at=at(before), due_at=at(before, 2))  # T1, before: open and overdue

    rows = scores.ranking(world.county, this)
    by_code = {row["code"]: row for row in rows}
    t1, t2 = by_code[world.t1.code], by_code[world.t2.code]
    assert t1["score"] == 100 and t1["rank"] == 1
    assert t2["score"] == 50 - 1 and t2["rank"] == 2  # half closed, one overdue case (1 point)
    assert t1["previous_score"] == pytest.approx(0 - 1)  # nothing closed, one overdue
    assert t1["score_change"] == pytest.approx(101) and t1["rank_change"] == 1
    assert t2["values"]["closure_rate"] == pytest.approx(0.5)
    alone = indicators.counts(world.t2, this.start, this.end, families=("cases",))
    assert {name: t2["counts"][name] for name in ("due", "closed", "overdue")} == {
        name: alone[name] for name in ("due", "closed", "overdue")
    }


def test_gridworkers_earn_points_for_reports_on_the_spot_verifications_and_days(world):
    this = periods.current_month()  # the audit log is append-only: its entries stay where they were made
    new_case(world)
    new_case(
        world, resolved_on_site=True, on_site_result="当场劝和", photos=[{"sha256": "a" * 64, "purpose": "result"}]
    )
    closed(world, world.v1_mediation, world.mediator)  # verified by the gridworker
    first = Report.objects.filter(reporter=world.gridworker).order_by("received_at").first()
    Report.objects.filter(pk=first.pk).update(received_at=this.start)
    days = len({timezone.localdate(this.start), timezone.localdate()})

    rows = {row["key"]: row for row in scores.ranking(world.county, this, kind="people")}
    mine = rows[world.gridworker.pk]["counts"]
    assert mine == {"reports": 3, "on_spot_reports": 1, "verifications": 1, "verified_on_time": 1, "active_days": days}
    assert rows[world.gridworker.pk]["score"] == 3 + 2 + 1 + days * 0.5
    assert rows[world.gridworker.pk]["rank"] == 1 and rows[world.gridworker_v3.pk]["score"] == 0


def test_gridworkers_reports_and_days_match_a_count_of_each_report(world):
    """A person's reports, those settled on the spot and their active days (local days with a
    report), counted per day by the database, against the reports counted one by one here: random
    times over five weeks around a month, many near local midnight, then the reports changed."""
    rng = random.Random(14)
    this = periods.parse("2025-11")
    new_case(world)
    template = Report.objects.filter(reporter=world.gridworker).first()
    people = [world.gridworker.pk, world.gridworker_v3.pk]
    first_day = this.start - datetime.timedelta(days=3)

    def add(n):
        for _ in range(n):
            minute = rng.randrange(38 * 24 * 60)
            if rng.random() < 0.4:  # a minute either side of a local midnight
                minute = minute // (24 * 60) * 24 * 60 + rng.choice((-1, 0, 1))
            template.pk, template.content_hash = uuid.uuid4(), f"{rng.getrandbits(256):064x}"
            template.reporter_id = rng.choice(people)
            template.received_at = first_day + datetime.timedelta(minutes=minute)
            template.resolved_on_site = rng.random() < 0.3
            template.save(force_insert=True)

    def expected():
        found = {pk: {"reports": 0, "on_spot_reports": 0, "days": set()} for pk in people}
        for report in Report.objects.filter(reporter__in=people):
            if this.start <= report.received_at < this.end:
                mine = found[report.reporter_id]
                mine["reports"] += 1
                mine["on_spot_reports"] += report.resolved_on_site
                mine["days"].add(timezone.localdate(report.received_at))
        return {pk: (f["reports"], f["on_spot_reports"], len(f["days"])) for pk, f in found.items()}

    def counted():
        found = scores.people_counts(people, this.start, this.until)
        return {pk: (c["reports"], c["on_spot_reports"], c["active_days"]) for pk, c in found.items()}

    assert scores.people_counts([], this.start, this.until) == {}  # nobody to count: no query
    add(300)
    assert counted() == expected()
    assert all(reports > 20 for reports, _on_spot, _days in expected().values())
    add(100)  # more reports, and some moved across a midnight and to the other person
    for report in Report.objects.filter(reporter__in=people).order_by("?")[:40]:
        Report.objects.filter(pk=report.pk).update(
            received_at=report.received_at + datetime.timedelta(minutes=rng.choice((-720, -1, 1, 720))),
            reporter_id=rng.choice(people),
        )
    assert counted() == expected()
