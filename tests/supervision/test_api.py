"""The supervision API: list for the issuing centre, issue, reply, close, a case's orders; errors in the
one shape, changing nothing; nobody sees an order on a case outside their jurisdiction."""

import pytest

from supervision import services
from supervision.models import Order, Reply
from tests.factories import client_for
from tests.supervision.conftest import new_case

ORDERS = "/api/supervision/orders/"


def body(case, **kw):
    return {
        "case": case.pk,
        "reason": "instruction",
        "required": "请于两日内答复处理情况",
        "days": 2,
        "level": "township",
        **kw,
    }


def test_an_operator_issues_the_unit_replies_the_centre_closes(world, case):
    response = client_for(world.operator).post(ORDERS, body(case), format="json")
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["state"] == "open" and order["unit"] == "东沟村村委会" and order["issuing_unit"] == "长顺镇综治中心"
    assert order["case_number"] == case.number and order["allowed"] == []

    committee = client_for(world.committee)
    answer = committee.get(f"/api/cases/{case.pk}/orders/").json()
    [seen] = answer["orders"]
    assert seen["id"] == order["id"] and seen["allowed"] == ["reply"] and answer["may_issue"] is False
    response = committee.post(f"{ORDERS}{order['id']}/reply/", {"text": "已上门处理"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "replied"
    assert response.json()["replies"][0]["text"] == "已上门处理"

    operator = client_for(world.operator)
    assert operator.get(f"{ORDERS}{order['id']}/").json()["allowed"] == ["close"]
    response = operator.post(f"{ORDERS}{order['id']}/close/")
    assert response.status_code == 200 and response.json()["state"] == "closed"


def test_the_centres_list_holds_its_orders_and_filters(world, case, django_assert_max_num_queries):
    services.issue(case, by=world.operator, reason="instruction", required="答复", days=2, level="township")
    services.complain(new_case(world), text="没人管")
    client = client_for(world.operator)
    with django_assert_max_num_queries(12):
        page = client.get(ORDERS).json()
    assert page["count"] == 2
    assert client.get(ORDERS, {"reason": "complaint"}).json()["count"] == 1
    assert client.get(ORDERS, {"awaiting": "true", "mine": "true"}).json()["count"] == 2
    assert client.get(ORDERS, {"state": "closed"}).json()["count"] == 0
    assert client_for(world.county_operator).get(ORDERS).json()["count"] == 2


@pytest.mark.parametrize("who", ["operator_t2", "outsider", "gridworker_v3"])
def test_nobody_sees_orders_outside_their_jurisdiction(world, case, who):
    order = services.issue(case, by=world.operator, reason="instruction", required="答复", days=2, level="township")
    client = client_for(getattr(world, who))
    assert client.get(ORDERS).json()["count"] == 0
    for url in (f"{ORDERS}{order.pk}/", f"/api/cases/{case.pk}/orders/"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post(f"{ORDERS}{order.pk}/reply/", {"text": "x"}, format="json")
    assert response.status_code == 404
    response = client.post(ORDERS, body(case), format="json")
    assert response.status_code == 400 and "case" in response.json()["fields"]
    assert Order.objects.count() == 1 and not Reply.objects.exists()


def test_anonymous_is_401(world, case):
    response = client_for().get(ORDERS)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"reason": "whim"}, "reason"), ({"days": 0}, "days"), ({"required": ""}, "required"), ({"level": "x"}, "level")],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(world, case, change, field):
    response = client_for(world.operator).post(ORDERS, body(case, **change), format="json")
    error = response.json()
    assert response.status_code == 400 and error["code"] == "invalid" and field in error["fields"]
    assert set(error) == {"code", "message", "fields"}
    assert not Order.objects.exists()


def test_acts_out_of_turn_are_403_and_409(world, case):
    response = client_for(world.committee).post(ORDERS, body(case), format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    response = client_for(world.operator).post(ORDERS, body(case, level="county"), format="json")
    assert response.status_code == 400 and "level" in response.json()["fields"]
    order = services.issue(case, by=world.operator, reason="instruction", required="答复", days=2, level="township")
    response = client_for(world.operator).post(f"{ORDERS}{order.pk}/reply/", {"text": "我来答"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    response = client_for(world.operator).post(f"{ORDERS}{order.pk}/close/")
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"
    response = client_for(world.committee).post(f"{ORDERS}{order.pk}/reply/", {"text": " "}, format="json")
    assert response.status_code == 400 and "text" in response.json()["fields"]
    assert Order.objects.get().state == "open" and not Reply.objects.exists()


def test_a_case_panel_issues_on_its_case(world, case):
    client = client_for(world.operator)
    assert client.get(f"/api/cases/{case.pk}/orders/").json() == {"may_issue": True, "orders": []}
    payload = {"reason": "red_grade", "required": "当日上门", "days": 1, "level": "township"}
    response = client.post(f"/api/cases/{case.pk}/orders/", payload, format="json")
    assert response.status_code == 201
    [order] = response.json()["orders"]
    assert order["reason"] == "red_grade" and order["unit"] == "东沟村村委会"
    response = client.post(f"/api/cases/{case.pk}/orders/", {**payload, "days": 99}, format="json")
    assert response.status_code == 400 and "days" in response.json()["fields"]
    assert Order.objects.count() == 1


@pytest.mark.parametrize("param", ["mine", "awaiting"])
def test_a_flag_that_is_not_true_or_false_is_a_400_not_ignored(world, param):
    # schemathesis found `?mine=-82341` answered as if no filter had been asked for
    response = client_for(world.county_operator).get("/api/supervision/orders/", {param: "-82341"})
    error = response.json()
    assert response.status_code == 400 and error["code"] == "invalid" and param in error["fields"]
    assert client_for(world.county_operator).get("/api/supervision/orders/", {param: "true"}).status_code == 200
