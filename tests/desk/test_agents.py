"""Village agents (代办员): who an agent files for is recorded on the report and shown, from the
desk and from the phone app's report API alike; reports without it keep their digest."""

import uuid

from django.urls import reverse

from desk import services
from desk.models import ServiceItem
from disputes import intake
from disputes.models import Handling, Report
from tests import factories as f
from tests.disputes.conftest import report_data

from .conftest import call_data
from .test_matters import matter_data


def test_the_phone_api_takes_and_shows_who_the_agent_acts_for(world):
    client = f.client_for(world.gridworker)
    data = {**report_data(world.incidents), "id": str(uuid.uuid4()), "on_behalf_of": "王大爷"}
    data["occurred_at"] = data["occurred_at"].isoformat()
    response = client.post("/api/reports/", data, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["report"]["on_behalf_of"] == "王大爷"
    assert Report.objects.get(pk=data["id"]).on_behalf_of == "王大爷"
    again = client.post("/api/reports/", data, format="json")
    assert again.status_code == 200
    other = client.post("/api/reports/", {**data, "on_behalf_of": "李大娘"}, format="json")
    assert other.status_code == 409  # the same id for someone else is another report
    case = Report.objects.get(pk=data["id"]).case
    detail = f.client_for(world.operator).get(f"/api/cases/{case.pk}/").json()
    assert detail["reports"][0]["on_behalf_of"] == "王大爷"


def test_a_report_without_it_keeps_the_digest_it_had(world):
    data = report_data(world.incidents)
    assert intake.content_hash(data) == intake.content_hash({**data, "on_behalf_of": ""})
    assert intake.content_hash(data) != intake.content_hash({**data, "on_behalf_of": "王大爷"})


def test_an_agent_call_and_an_agent_matter_record_it(world):
    result, _call = services.take_call(
        world.operator, call_data(world.incidents, source="agent", on_behalf_of="赵奶奶")
    )
    assert result.report.on_behalf_of == "赵奶奶"
    item = ServiceItem.objects.get(name="高龄津贴申领")
    matter = services.open_service_matter(world.operator, matter_data(item, source="agent", on_behalf_of="钱秀英"))
    assert matter.case.handling == Handling.PROXY  # 代理
    assert Report.objects.get(case=matter.case).on_behalf_of == "钱秀英"


def test_the_desk_receipt_shows_it(world):
    from .test_api import body

    client = f.client_for(world.operator)
    response = client.post(reverse("desk-calls"), body(world, source="agent", on_behalf_of="孙爷爷"), format="json")
    assert response.status_code == 201 and response.json()["on_behalf_of"] == "孙爷爷"
