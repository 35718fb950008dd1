"""待办: what waits for a person, most urgent first, with the acts they may do — and nothing else."""

import datetime

from django.utils import timezone

from disputes import work, workflow
from tests.disputes.stories import handled, new_case, shift
from tests.factories import client_for


def codes(items):
    return [(case.pk, level) for case, level, _acts in items]


def test_a_handler_sees_their_units_cases_most_urgent_first(world):
    now = timezone.now()
    later = handled(world, world.t1_justice, world.justice)
    warned = handled(world, world.t1_justice, world.justice)
    late = handled(world, world.t1_justice, world.justice)
    shift(later, due_at=now + datetime.timedelta(days=9), warned_at=None)
    shift(warned, due_at=now + datetime.timedelta(days=1), warned_at=now)
    shift(late, due_at=now - datetime.timedelta(hours=1))
    items = work.waiting_for(world.justice, now)
    assert codes(items) == [(late.pk, "breached"), (warned.pk, "warning"), (later.pk, "due")]
    # The acts are the catalogue's, for this person: a handler resolves, and does not verify.
    acts = {case.pk: acts for case, _level, acts in items}
    assert "resolve" in acts[later.pk] and "verify" not in acts[later.pk]


def test_a_gridworker_is_asked_to_verify_only_in_their_cells(world):
    case = handled(world, world.t1_justice, world.justice)
    workflow.resolve_case(world.justice, case, result="已调解")
    assert [c.pk for c, _level, acts in work.waiting_for(world.gridworker) if "verify" in acts] == [case.pk]
    # The gridworker of another village's cell has nothing to verify here.
    assert case.pk not in [c.pk for c, _level, _acts in work.waiting_for(world.gridworker_v3)]


def test_a_case_nobody_can_act_on_is_not_work(world):
    case = new_case(world)
    workflow.accept_case(world.county_operator, case)
    workflow.dispatch_case(world.county_operator, case, unit=world.t1_justice)
    workflow.start_case(world.justice, case)
    workflow.resolve_case(world.justice, case, result="已调解")
    workflow.verify_case(world.gridworker, case, passed=True)
    workflow.close_case(world.county_operator, case)
    for user in (world.justice, world.gridworker):
        assert case.pk not in [c.pk for c, _level, _acts in work.waiting_for(user)]


def test_the_api_answers_the_same_list(world):
    case = handled(world, world.t1_justice, world.justice)
    shift(case, due_at=timezone.now() - datetime.timedelta(minutes=5))
    response = client_for(world.justice).get("/api/work/")
    assert response.status_code == 200
    first = response.json()[0]
    assert first["case"]["id"] == case.pk and first["case"]["overdue"] is True
    assert first["urgency"] == "breached" and "resolve" in first["acts"]
    assert client_for(world.gridworker_v3).get("/api/work/").json() == []
    assert client_for(None).get("/api/work/").status_code == 401
