"""我的: a person's units, cells and own figures this month, from the assessment's one count."""

from disputes import workflow
from tests.disputes.stories import handled, new_case
from tests.factories import client_for


def test_a_gridworker_sees_their_cells_unit_and_this_months_work(world):
    new_case(world)
    new_case(world)
    case = handled(world, world.t1_justice, world.justice)
    workflow.resolve_case(world.justice, case, result="已调解")
    workflow.verify_case(world.gridworker, case, passed=True)
    me = client_for(world.gridworker).get("/api/me/").json()
    assert me["username"] == world.gridworker.username
    assert [cell["code"] for cell in me["cells"]] == [world.c1.code] and me["name"] == "李明"
    assert me["units"] and all(unit["role"] == "gridworker" for unit in me["units"])
    figures = me["figures"]
    assert figures["reports"] == 3 and figures["verifications"] == 1 and figures["verified_on_time"] == 1
    assert figures["active_days"] == 1


def test_me_needs_a_sign_in(world):
    assert client_for(None).get("/api/me/").status_code == 401
