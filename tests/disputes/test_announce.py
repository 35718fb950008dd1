"""Every recorded act reaches the event stream, after commit only, with nothing personal in it."""

import json

import pytest
from django.db import transaction

from disputes import intake, workflow
from disputes.models import AuditEntry
from realtime import publish
from realtime.models import Event
from tests.disputes.conftest import PARTIES, POINT_V3, report_data

pytestmark = pytest.mark.django_db


def test_each_audit_entry_becomes_one_event_sent_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        case = intake.submit_report(world.gridworker, report_data(world.neighbours, parties=PARTIES)).case
    assert len(callbacks) == 1  # nothing was sent inside the transaction
    event = Event.objects.get()
    entry = AuditEntry.objects.get(case=case)
    assert (event.kind, event.case_id, event.audit_seq) == ("report_received", case.pk, entry.seq)
    assert event.area_code == world.c1.code

    workflow.accept_case(world.committee, case)
    kinds = list(Event.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds == ["report_received", "state_changed"]
    assert Event.objects.count() == AuditEntry.objects.count()


def test_events_reach_the_place_and_unit_groups_and_no_other_township(world):
    case = intake.submit_report(world.gridworker, report_data(world.neighbours)).case
    groups = set(Event.objects.get(case_id=case.pk).groups.values_list("group", flat=True))
    assert {
        f"region.{world.county.code}",
        f"region.{world.t1.code}",
        f"region.{world.v1.code}",
        f"cell.{world.c1.code}",
        f"unit.{case.current_unit_id}",
    } <= groups
    assert f"region.{world.t2.code}" not in groups
    assert [e["case_id"] for e in publish.catch_up([f"region.{world.t2.code}"], after=0)] == []
    other = intake.submit_report(world.gridworker_v3, report_data(world.neighbours, point=POINT_V3)).case
    assert [e["case_id"] for e in publish.catch_up([f"region.{world.t2.code}"], after=0)] == [other.pk]


def test_a_refused_change_publishes_nothing(world):
    case = intake.submit_report(world.gridworker, report_data(world.neighbours)).case
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.accept_case(world.committee, case)
        raise RuntimeError("roll back")
    assert Event.objects.count() == before


def test_no_personal_data_in_any_payload(world):
    data = report_data(world.neighbours, parties=PARTIES, contact_name="王建国", contact_phone="13812345678")
    case = intake.submit_report(world.gridworker, data).case
    workflow.reject_case(world.committee, case, reason="当事人王建国已撤回")
    text = json.dumps(list(Event.objects.values_list("payload", flat=True)), ensure_ascii=False)
    for secret in ("王建国", "13812345678", "11010519491231002X", data["description"], "撤回"):
        assert secret not in text
