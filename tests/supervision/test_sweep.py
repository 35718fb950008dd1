"""The deadline sweeper's breaches become orders (once each), and the same pass reminds and escalates
missed orders (once each), whatever the number of sweepers running at the same moment."""

import datetime
import threading
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from disputes.models import AuditEntry, Case, CaseState
from disputes.sweeper import further_steps, sweep
from supervision import services
from supervision.models import Level, Order, OrderState, Reason
from tests import worlds
from tests.disputes.test_escalation import build_chain
from tests.supervision.conftest import new_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2024, 6, 26, 10, 0, tzinfo=SHANGHAI)


def orders(result):
    """The supervision step's counts in a pass's result (other apps add their own steps' keys)."""
    return {key: value for key, value in result.items() if key.startswith("orders_")}


def counts(**nonzero):
    """Every count the supervision step reports, zero unless given."""
    keys = ("opened", "opened_for_red_grade", "opened_for_repeated_escalation", "reminded", "escalated")
    return {f"orders_{key}": nonzero.get(key, 0) for key in keys}


def overdue(case, now=NOW):
    Case.objects.filter(pk=case.pk).update(
        stage_started_at=now - datetime.timedelta(days=10), due_at=now - datetime.timedelta(hours=1), breached_at=None
    )
    return Case.objects.get(pk=case.pk)


def test_a_breach_flagged_for_supervision_gets_one_overdue_order(world):
    # Not yet accepted: nothing to escalate, so the sweeper flags it for supervision (督办).
    case = overdue(new_case(world, state=CaseState.REPORTED))
    assert sweep(now=NOW)["supervised"] == 1
    assert orders(further_steps(now=NOW)) == counts(opened=1)
    [order] = Order.objects.filter(case=case)
    breach = AuditEntry.objects.get(case=case, action="deadline_breached")
    assert order.breach == breach and order.reason == Reason.OVERDUE and order.issued_by is None
    assert order.unit == world.v1_committee and order.level == Level.TOWNSHIP and order.region == world.t1
    # Idempotent: another pass opens nothing more.
    assert further_steps(now=NOW)["orders_opened"] == 0
    assert Order.objects.filter(case=case).count() == 1


def test_a_breach_the_sweeper_escalated_gets_no_order(world):
    case = overdue(new_case(world))
    assert sweep(now=NOW)["escalated"] == 1
    assert further_steps(now=NOW)["orders_opened"] == 0
    assert not Order.objects.filter(case=case).exists()


def test_a_breach_at_the_top_of_the_chain_gets_a_county_order(world):
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(current_unit=world.county_centre)
    case = overdue(case)
    assert sweep(now=NOW)["at_top"] == 1
    further_steps(now=NOW)
    [order] = Order.objects.filter(case=case)
    assert order.level == Level.COUNTY and order.region == world.county and order.unit == world.county_centre


def test_the_same_pass_reminds_and_escalates_missed_orders(world):
    case = overdue(new_case(world, state=CaseState.REPORTED))
    sweep(now=NOW)
    further_steps(now=NOW)
    order = Order.objects.get(case=case)
    later = order.due_at + datetime.timedelta(minutes=5)
    assert orders(further_steps(now=later)) == counts(escalated=1)
    assert orders(further_steps(now=later)) == counts()
    order = Order.objects.get(pk=order.pk)
    assert order.state == OrderState.ESCALATED and order.level == Level.COUNTY


def test_run_deadlines_runs_the_supervision_step(world, capsys):
    real_now = timezone.now()
    case = new_case(world, state=CaseState.REPORTED)
    Case.objects.filter(pk=case.pk).update(
        stage_started_at=real_now - datetime.timedelta(days=30), due_at=real_now - datetime.timedelta(minutes=5)
    )
    call_command("run_deadlines")
    out = capsys.readouterr().out
    assert "supervised 1" in out and "orders_opened 1" in out
    call_command("run_deadlines")
    assert "orders_opened 0" in capsys.readouterr().out
    assert Order.objects.filter(case=case).count() == 1


# --- two sweepers at once (PostGIS) -----------------------------------------------------

postgis_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs parallel connections to a server database (PostGIS run)"
)


def together(count, target):
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = target()
        except Exception as error:  # noqa: BLE001 - collected for the assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def world_tx(transactional_db):
    return build_chain(worlds.build())


@postgis_only
@pytest.mark.parametrize(("sweepers", "batch"), [(2, 200), (4, 3)])
def test_concurrent_sweepers_open_remind_and_escalate_each_order_exactly_once(world_tx, sweepers, batch):
    world = world_tx
    cases = [overdue(new_case(world, state=CaseState.REPORTED)) for _ in range(10)]
    assert sweep(now=NOW)["supervised"] == 10
    results = together(sweepers, lambda: further_steps(now=NOW, batch=batch))
    assert all(isinstance(result, dict) for result in results), results
    assert sum(result["orders_opened"] for result in results) == 10
    assert all(Order.objects.filter(case=case).count() == 1 for case in cases)

    later = Order.objects.order_by("-due_at").first().due_at + datetime.timedelta(minutes=5)
    results = together(sweepers, lambda: services.remind_and_escalate(later, batch=batch))
    assert all(isinstance(result, tuple) for result in results), results
    assert sum(escalated for _reminded, escalated in results) == 10
    for case in cases:
        assert AuditEntry.objects.filter(case=case, action="supervision_escalated").count() == 1
    assert set(Order.objects.values_list("state", "level")) == {(OrderState.ESCALATED, Level.COUNTY)}
