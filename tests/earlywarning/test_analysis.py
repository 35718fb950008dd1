"""The analysis over the database: trends, hot spots, parties and risk words become warnings,
once per (kind, place); the command is idempotent and safe in several copies."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from disputes import intake
from disputes.models import Case, Party, Report
from earlywarning import analysis
from earlywarning.models import AnalysisRun, HotCell, Warning, WarningEntry, WarningKind
from grid.members import assign_member
from realtime.models import Event
from tests import factories as f
from tests.disputes.conftest import report_data

from .conftest import POINT_V3, case_at

PARTY = {"name": "王建国", "role": "applicant", "id_number": "11010519491231002X", "phone": "13812345678"}


def run(world, capture, **kw):
    with capture(execute=True):
        return analysis.run(world.county, **kw)


def test_a_sudden_run_in_a_quiet_cell_raises_one_trend_warning(world, django_capture_on_commit_callbacks):
    case_at(world, 40, point=POINT_V3)
    cases = [case_at(world, 1 + i % 5) for i in range(6)]  # six in c1 this week, none before
    summary = run(world, django_capture_on_commit_callbacks, permutations=0)
    assert summary.raised >= 1
    warning = Warning.objects.get(kind=WarningKind.TREND, place_key=f"cell:{world.c1.code}")
    assert warning.area_code == world.c1.code and warning.region == world.v1
    assert warning.evidence["count"] == 6 and warning.evidence["p_value"] < 0.001
    assert sorted(warning.evidence["case_ids"]) == sorted(c.pk for c in cases)
    assert sum(warning.evidence["series"]) == 6
    assert warning.evidence["p_value"] <= warning.evidence["threshold"]
    assert warning.evidence["short_window"]["days"] == 5 and warning.evidence["short_window"]["count"] <= 6
    assert WarningEntry.objects.filter(warning=warning, action="raised").count() == 1
    event = Event.objects.get(kind="warning_raised", payload__warning__id=warning.pk)
    assert event.case_id is None and event.area_code == world.c1.code
    assert "case_ids" not in str(event.payload)  # no evidence, no case numbers on the wall


def test_running_again_updates_instead_of_raising_twice(world, django_capture_on_commit_callbacks):
    for i in range(6):
        case_at(world, 1 + i % 5)
    run(world, django_capture_on_commit_callbacks, permutations=0)
    before = Warning.objects.count()
    second = run(world, django_capture_on_commit_callbacks, permutations=0)
    assert second.raised == 0 and Warning.objects.count() == before
    case_at(world, 0)
    third = run(world, django_capture_on_commit_callbacks, permutations=0)
    assert third.raised == 0 and third.updated >= 1 and Warning.objects.count() == before
    warning = Warning.objects.get(kind=WarningKind.TREND, place_key=f"cell:{world.c1.code}")
    assert warning.evidence["count"] == 7 and warning.times_seen == 2


def test_the_command_is_idempotent(world, django_capture_on_commit_callbacks):
    for i in range(6):
        case_at(world, 1 + i % 5)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_early_warning", verbosity=0)
        first = list(Warning.objects.values_list("pk", "kind", "place_key", "version"))
        call_command("run_early_warning", "--region", world.county.code, verbosity=0)
        assert list(Warning.objects.values_list("pk", "kind", "place_key", "version")) == first
        # A village analysed on its own tests fewer places (its q-values differ), but raises nothing new.
        call_command("run_early_warning", "--region", world.v1.code, "--days", "7", verbosity=0)
    assert list(Warning.objects.values_list("pk", "kind", "place_key")) == [row[:3] for row in first]
    assert first


def test_a_region_claimed_by_another_copy_is_skipped(world):
    AnalysisRun.objects.create(region=world.county, started_at=timezone.now())  # another copy is at it
    assert analysis.run(world.county).skipped
    # … unless it died long ago
    AnalysisRun.objects.filter(region=world.county).update(started_at=timezone.now() - datetime.timedelta(hours=1))
    assert not analysis.run(world.county, permutations=0).skipped
    run_row = AnalysisRun.objects.get(region=world.county)
    assert run_row.finished_at >= run_row.started_at and "cells" in run_row.summary


def test_only_one_copy_wins_a_claim(world):
    now = timezone.now()
    assert analysis.claim(world.county, now) is True
    assert analysis.claim(world.county, now) is False


def test_the_same_party_in_three_disputes_is_an_escalating_party(world, django_capture_on_commit_callbacks):
    first = case_at(world, 60, parties=[PARTY])
    case_at(world, 20, parties=[{**PARTY, "id_number": ""}])  # the same phone
    case_at(world, 3, point=POINT_V3, parties=[{**PARTY, "phone": ""}])  # the same ID number, in T2
    case_at(world, 2, parties=[{"name": "李卫东", "role": "respondent", "phone": "13987654321"}])
    assert Party.objects.count() == 4
    run(world, django_capture_on_commit_callbacks, permutations=0)
    warning = Warning.objects.get(kind=WarningKind.PARTIES)
    assert warning.evidence["count"] == 3 and warning.evidence["case_ids"][0] == first.pk
    assert warning.area_code == world.county.code  # the cases lie in two townships
    assert "13812345678" not in str(warning.evidence) and "1101051949" not in warning.place_key


def test_risk_words_in_a_report_raise_a_warning_at_the_words_level(world, django_capture_on_commit_callbacks):
    case = case_at(world, 1, description="邻居扬言要报复，还说要去上访")
    case_at(world, 1, description="排水沟堵塞")
    run(world, django_capture_on_commit_callbacks, permutations=0)
    warning = Warning.objects.get(kind=WarningKind.RISK_WORDS)
    assert warning.place_key == f"case:{case.pk}" and warning.level == "orange"
    assert set(warning.evidence["words"]) == {"扬言", "报复", "上访"}
    event = Event.objects.get(kind="warning_raised", payload__warning__id=warning.pk)
    assert "扬言" not in str(event.payload)  # the words stay off the wall


def build_grid(n=12):
    """A county of its own: an n × n lattice of cells in one village (0.01° squares)."""
    county = f.county("150923000000", "商都县", bounds=(113, 40, 113 + n * 0.01, 40 + n * 0.01))
    town = f.township(county, "150923100000", "七台镇", (113, 40, 113 + n * 0.01, 40 + n * 0.01))
    village = f.village(town, "150923100201", "大库伦村", (113, 40, 113 + n * 0.01, 40 + n * 0.01))
    cells = []
    for y in range(n):
        for x in range(n):
            x0, y0 = 113 + x * 0.01, 40 + y * 0.01
            cells.append(f.cell(village, len(cells) + 1, (x0, y0, x0 + 0.01, y0 + 0.01)))
    return county, village, cells


def test_a_hot_cluster_of_cells_is_a_hot_spot_and_shades_the_layer(world, django_capture_on_commit_callbacks):
    county, village, cells = build_grid()
    unit = f.unit(village, "village_committee", "大库伦村村委会")
    worker = f.user("gw_grid")
    assign_member(worker, "gridworker", unit, cells)
    hot = [cells[y * 12 + x] for y in (5, 6, 7) for x in (5, 6, 7)]
    quiet = cells[::11]
    now = timezone.now()
    for cell, n in [(c, 5) for c in hot] + [(c, 1) for c in quiet]:
        centre = cell.boundary.centroid
        for i in range(n):
            case = intake.submit_report(worker, report_data(world.neighbours, point=(centre.x, centre.y))).case
            when = now - datetime.timedelta(days=1 + i % 5)
            Case.objects.filter(pk=case.pk).update(created_at=when)
            Report.objects.filter(case=case).update(occurred_at=when)
    with django_capture_on_commit_callbacks(execute=True):
        summary = analysis.run(county, permutations=99)
    found = set(Warning.objects.filter(kind=WarningKind.HOTSPOT).values_list("cell_id", flat=True))
    # The cluster's corners have the fewest hot neighbours; the rest of the county is quiet.
    assert hot[4].pk in found and len(found) >= 5 and found <= {c.pk for c in hot}, summary
    centre = Warning.objects.get(kind=WarningKind.HOTSPOT, cell=hot[4])
    assert len(centre.evidence["neighbours"]) == 8 and centre.evidence["q_value"] <= 0.05
    layer = dict(HotCell.objects.values_list("cell_id", "z"))
    assert layer[hot[4].pk] == max(layer.values())
