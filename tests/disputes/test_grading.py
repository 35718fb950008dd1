"""Colour grading: the rule table, repeat reports in a cell, and regrading by an operator."""

import datetime

import pytest
from django.utils import timezone

from core import versions
from core.errors import IllegalTransition, InvalidInput, NotAllowed, StaleCase
from disputes import grading, intake, reference, workflow
from disputes.models import AuditEntry, Case, Category, Report
from tests.disputes.conftest import POINT_V1_C1, POINT_V1_C2, report_data


@pytest.mark.parametrize(
    ("default", "severity", "parties", "repeats", "expected"),
    [
        # the category's default stands for ordinary matters
        ("green", 1, 0, 0, "green"),
        ("yellow", 2, 2, 2, "yellow"),
        ("orange", 1, 0, 0, "orange"),
        ("red", 1, 0, 0, "red"),
        # severity 3 raises one step, 4 two
        ("green", 3, 0, 0, "yellow"),
        ("green", 4, 0, 0, "orange"),
        ("yellow", 4, 0, 0, "red"),
        ("orange", 4, 0, 0, "red"),  # capped at red
        # 3+ repeat reports raise one step
        ("green", 1, 0, 3, "yellow"),
        ("green", 1, 0, 10, "yellow"),
        ("green", 3, 0, 3, "orange"),
        ("yellow", 4, 0, 3, "red"),
        # 5+ parties: at least orange; 10+: red
        ("green", 1, 4, 0, "green"),
        ("green", 1, 5, 0, "orange"),
        ("yellow", 4, 5, 0, "red"),  # already above orange: parties do not lower it
        ("green", 1, 9, 0, "orange"),
        ("green", 1, 10, 0, "red"),
        ("green", 2, 10, 3, "red"),
        # missing values count as the mildest
        ("yellow", None, None, None, "yellow"),
    ],
)
def test_the_rule_table(default, severity, parties, repeats, expected):
    assert grading.grade(default, severity, parties, repeats) == expected


@pytest.mark.parametrize("default", grading.GRADES)
def test_never_below_the_default_and_never_above_red(default):
    for severity in range(1, 6):
        for parties in (0, 4, 5, 10, 50):
            for repeats in (0, 2, 3, 7):
                result = grading.grade(default, severity, parties, repeats)
                assert grading.GRADE_RANK[default] <= grading.GRADE_RANK[result] <= 3


def test_the_grade_only_rises_with_each_input():
    base = ("green", 1, 0, 0)
    for position, values in ((1, range(1, 6)), (2, range(0, 15)), (3, range(0, 6))):
        ranks = []
        for value in values:
            args = list(base)
            args[position] = value
            ranks.append(grading.GRADE_RANK[grading.grade(*args)])
        assert ranks == sorted(ranks)


class TestRepeats:
    def submit(self, world, category, point=POINT_V1_C1, days_ago=0):
        result = intake.submit_report(world.gridworker, report_data(category, point=point))
        if days_ago:
            received = timezone.now() - datetime.timedelta(days=days_ago)
            Report.objects.filter(pk=result.report.pk).update(received_at=received)
        return result.report

    def test_reports_of_the_same_top_level_category_in_the_same_cell_within_30_days(
        self, world, django_assert_num_queries
    ):
        drainage = Category.objects.get(code="110102")  # 排水纠纷, under 1101 under 11
        family = Category.objects.get(code="1001")  # 婚姻纠纷: another top-level category
        self.submit(world, world.neighbours, days_ago=1)
        self.submit(world, world.neighbours, days_ago=10)
        self.submit(world, drainage, days_ago=29)  # a sibling subcategory counts
        self.submit(world, world.neighbours, days_ago=31)  # too old
        self.submit(world, family)  # another top-level category
        self.submit(world, world.neighbours, point=POINT_V1_C2)  # another cell
        self.submit(world, world.hazard)  # an incident
        now = timezone.now()
        with versions.reading():  # as in a request: the reference caches' version tokens read once
            reference.categories.get()
            with django_assert_num_queries(1):
                assert grading.count_repeats(world.neighbours, world.c1, now) == 3
        # Any category of the tree counts its whole top-level category.
        assert grading.count_repeats(world.disputes, world.c1, now) == 3
        assert grading.count_repeats(drainage, world.c1.pk, now) == 3
        assert grading.count_repeats(family.pk, world.c1, now) == 1
        assert grading.count_repeats(world.neighbours, world.c2, now) == 1
        assert grading.count_repeats(world.neighbours, world.c3, now) == 0
        assert grading.count_repeats(world.neighbours, None, now) == 0

    def test_the_window_is_the_30_days_before_the_moment(self, world):
        report = self.submit(world, world.neighbours)
        at = report.received_at
        assert grading.count_repeats(world.neighbours, world.c1, at) == 0  # not itself
        assert grading.count_repeats(world.neighbours, world.c1, at + datetime.timedelta(microseconds=1)) == 1
        assert grading.count_repeats(world.neighbours, world.c1, at + datetime.timedelta(days=30)) == 1
        assert grading.count_repeats(world.neighbours, world.c1, at + datetime.timedelta(days=30, microseconds=1)) == 0

    def test_a_report_after_three_repeats_is_graded_one_step_up(self, world):
        for _ in range(3):
            self.submit(world, world.neighbours)
        report = Report(category=world.neighbours, cell=world.c1, severity=2, parties=[], received_at=timezone.now())
        assert world.neighbours.default_grade == "green"
        assert grading.intake_grade(report) == "yellow"
        report.cell = world.c2
        assert grading.intake_grade(report) == "green"
        report.severity, report.parties = 4, [{"name": str(n)} for n in range(10)]
        assert grading.intake_grade(report) == "red"

    def test_repeats_are_not_counted_when_they_cannot_change_the_grade(self, world, django_assert_num_queries):
        for _ in range(3):
            self.submit(world, world.neighbours)
        report = Report(category=world.neighbours, cell=world.c1, severity=4, parties=[], received_at=timezone.now())
        # green + 2 for severity 4 = orange: three repeats still raise it, so they are counted.
        with versions.reading():  # as in a request: the reference caches' version tokens read once
            reference.categories.get()
            with django_assert_num_queries(1):
                assert grading.intake_grade(report) == "red"
        # Ten parties make it red already: nothing to count.
        report.parties = [{"name": str(n)} for n in range(10)]
        with django_assert_num_queries(0):
            assert grading.intake_grade(report) == "red"
        report.cell = world.c2  # no repeats there: the same grade
        with django_assert_num_queries(0):
            assert grading.intake_grade(report) == "red"


class TestRegrade:
    @pytest.fixture
    def case(self, world):
        return intake.submit_report(world.gridworker, report_data(world.neighbours)).case

    def state(self, case):
        case = Case.objects.get(pk=case.pk)
        return case.grade, case.version, AuditEntry.objects.filter(case=case).count()

    def test_an_operator_regrades_with_a_reason_and_it_is_audited(self, world, case):
        assert case.grade == "green" and case.version == 1
        result = grading.regrade_case(
            world.operator, case, grade="orange", reason="双方情绪激动，可能升级", expected_version=1
        )
        assert result.grade == "orange" and result.version == 2
        case.refresh_from_db()
        assert case.grade == "orange" and case.version == 2 and case.state == "reported"
        entry = AuditEntry.objects.filter(case=case).last()
        assert entry.action == "regrade" and entry.actor == world.operator and entry.unit == world.t1_centre
        assert entry.details == {"from": "green", "to": "orange", "reason": "双方情绪激动，可能升级"}
        assert entry.from_state == entry.to_state == "reported"
        grading.regrade_case(world.county_operator, case, grade="red", reason="涉及多个部门")
        assert Case.objects.get(pk=case.pk).grade == "red"

    @pytest.mark.parametrize("who", ["outsider", "operator_t2", "committee", "gridworker", "gridworker_v3"])
    def test_others_may_not_regrade(self, world, case, who):
        before = self.state(case)
        with pytest.raises(NotAllowed):
            grading.regrade_case(getattr(world, who), case, grade="red", reason="test")
        assert self.state(case) == before

    def test_a_stale_version_is_refused(self, world, case):
        grading.regrade_case(world.operator, case, grade="yellow", reason="first")
        before = self.state(case)
        with pytest.raises(StaleCase):
            grading.regrade_case(world.operator, case, grade="red", reason="second", expected_version=1)
        assert self.state(case) == before

    @pytest.mark.parametrize(
        ("grade", "reason", "field"),
        [
            ("purple", "why", "grade"),
            ("", "why", "grade"),
            (None, "why", "grade"),
            ("red", "  ", "reason"),
            ("red", None, "reason"),
            ("green", "unchanged", "grade"),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(self, world, case, grade, reason, field):
        before = self.state(case)
        with pytest.raises(InvalidInput) as error:
            grading.regrade_case(world.operator, case, grade=grade, reason=reason)
        assert field in error.value.fields
        assert self.state(case) == before

    def test_a_closed_case_keeps_its_grade(self, world):
        result = intake.submit_report(
            world.gridworker,
            report_data(
                world.neighbours,
                resolved_on_site=True,
                on_site_result="当场劝和",
                photos=[{"sha256": "b" * 64, "purpose": "result"}],
            ),
        )
        workflow.verify_case(world.committee, result.case, passed=True)
        workflow.close_case(world.operator, result.case)
        with pytest.raises(IllegalTransition):
            grading.regrade_case(world.operator, result.case, grade="red", reason="too late")
