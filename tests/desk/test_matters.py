"""Service matters (办事): opened from the catalogue as ordinary cases, missing materials on one
notice (HTML and PDF) while the clock stops; bad input changes nothing."""

import uuid

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidInput, NotAllowed, NotFound
from desk import services
from desk.models import ServiceItem, ServiceMatter
from disputes import workflow
from disputes.models import AuditEntry, Case, CaseState, Handling, Report, SupplementNotice
from tests import factories as f
from tests.worlds import POINT_V1_C1

from .conftest import PHONE

ELDERLY = "高龄津贴申领"  # 承诺, 15 days: 身份证；户口簿；本人银行卡或存折


def matter_data(chosen, **overrides):
    data = {
        "id": uuid.uuid4(),
        "source": "window",
        "item": chosen,
        "resident_name": "钱秀英",
        "contact_phone": PHONE,
        "resident_id_number": "11010519491231002X",
        "lon": POINT_V1_C1[0],
        "lat": POINT_V1_C1[1],
        "received": ["身份证", "户口簿"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def elderly(world):
    return ServiceItem.objects.get(name=ELDERLY)


def test_the_catalogue_is_seeded_from_the_shipped_file(world):
    assert ServiceItem.objects.count() == 18
    item = ServiceItem.objects.get(name=ELDERLY)
    assert item.handling == "promised" and item.promised_days == 15 and item.materials[-1] == "本人银行卡或存折"


def test_a_matter_with_a_missing_material_waits_for_it_with_one_notice(world, elderly):
    matter = services.open_service_matter(world.operator, matter_data(elderly))
    case = Case.objects.get(pk=matter.case.pk)
    assert Report.objects.get(case=case).source == "window"
    assert case.state == CaseState.AWAITING_MATERIALS and case.handling == Handling.PROMISED
    assert case.due_at is None  # the clock stops, as for any 补办
    notice = SupplementNotice.objects.get(case=case)
    assert notice.items == ["本人银行卡或存折"]
    actions = list(AuditEntry.objects.filter(case=case).order_by("pk").values_list("action", flat=True))
    assert actions == ["report_received", "accept", "dispatch", "start", "request_materials"]
    # The resident brings it: the loop's own act, and the clock runs again.
    case = workflow.materials_received(world.operator, case)
    assert case.state == CaseState.IN_PROGRESS and case.due_at is not None


def test_a_complete_matter_is_in_progress_without_a_notice(world, elderly):
    data = matter_data(elderly, received=list(elderly.materials), occurred_at=timezone.now())
    matter = services.open_service_matter(world.operator, data)
    assert matter.case.state == CaseState.IN_PROGRESS and not SupplementNotice.objects.exists()
    again = services.open_service_matter(world.operator, data)
    assert again.pk == matter.pk and Case.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"item": None}, "item"),
        ({"source": "hotline"}, "source"),
        ({"resident_name": " "}, "resident_name"),
        ({"resident_id_number": "110105194912310021"}, "resident_id_number"),
        ({"received": ["结婚证"]}, "received"),
        ({"lon": 100.0, "lat": 30.0}, "lon"),
    ],
)
def test_bad_input_is_named_and_changes_nothing(world, elderly, overrides, field):
    with pytest.raises(InvalidInput) as raised:
        services.open_service_matter(world.operator, matter_data(elderly, **overrides))
    assert field in raised.value.fields
    assert not Case.objects.exists() and not ServiceMatter.objects.exists()


def test_only_the_centre_of_the_place_takes_a_matter_in(world, elderly):
    with pytest.raises(NotAllowed):
        services.open_service_matter(world.operator_t2, matter_data(elderly))
    assert not Case.objects.exists()


def test_the_notice_prints_as_html_and_pdf_for_handlers_only(world, elderly, client):
    matter = services.open_service_matter(world.operator, matter_data(elderly))
    notice = SupplementNotice.objects.get(case=matter.case)
    client.force_login(world.operator)
    page = client.get(reverse("desk-notice", args=[notice.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "一次性告知书" in html
    assert matter.case.number in html and matter.case.verification_code in html and "本人银行卡或存折" in html
    pdf = client.get(reverse("desk-notice-pdf", args=[notice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    with pytest.raises(NotFound):
        services.notice_for(world.operator_t2, notice.pk)
    client.force_login(world.operator_t2)
    assert client.get(reverse("desk-notice-pdf", args=[notice.pk])).status_code == 404


def test_the_api_opens_a_matter_and_links_its_notice(world, elderly):
    client = f.client_for(world.operator)
    body = {**matter_data(elderly, item=elderly.pk), "id": str(uuid.uuid4())}
    response = client.post(reverse("desk-matters"), body, format="json")
    assert response.status_code == 200, response.json()
    receipt = response.json()
    assert receipt["case"]["state"] == "awaiting_materials" and receipt["notice"]["items"] == ["本人银行卡或存折"]
    assert receipt["notice"]["pdf"].endswith("/pdf")
    bad = client.post(reverse("desk-matters"), {**body, "id": str(uuid.uuid4()), "item": 999999}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "item" in bad.json()["fields"]


def test_the_import_command_adds_new_items_and_names_bad_rows(world, tmp_path):
    good = tmp_path / "items.csv"
    good.write_text("名称,单位,类型,时限,材料\n林木采伐许可,乡镇林业站,上报,20,申请表；林权证\n", encoding="utf-8")
    call_command("import_service_items", str(good))
    assert ServiceItem.objects.get(name="林木采伐许可").materials == ["申请表", "林权证"]
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,单位,类型,时限,材料\n某事项,某单位,加急,x,无\n", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_service_items", str(bad))
    assert "rows[2]" in str(raised.value)
