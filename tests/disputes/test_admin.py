"""The disputes admin: categories and time limits are edited; cases and their records are only shown."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from disputes import intake, workflow
from disputes.models import (
    AuditEntry,
    Case,
    CaseRequest,
    Category,
    Photo,
    Report,
    StageLimit,
    SupplementNotice,
)
from tests.disputes.conftest import PARTIES, report_data
from tests.disputes.test_documents import mediated_agreement


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root-keeper", "root@example.org", "x")


@pytest.fixture
def staff(client, superuser):
    client.force_login(superuser)
    return client


def changelist(model):
    return reverse(f"admin:disputes_{model._meta.model_name}_changelist")


def change(obj):
    return reverse(f"admin:disputes_{obj._meta.model_name}_change", args=[obj.pk])


def submit(world, **overrides):
    return intake.submit_report(world.gridworker, report_data(world.neighbours, **overrides)).case


@pytest.fixture
def mediated(world):
    """A case with parties, a session, a signed agreement, a follow-up and its audit trail."""
    agreement = mediated_agreement(world)
    case = agreement.case
    workflow.resolve_case(world.mediator, case, result="双方签订调解协议")
    workflow.record_follow_up(world.committee, case, performed=True, satisfaction="satisfied", notes="已改道")
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def photo(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = Photo(sha256="ab" * 32, content_type="image/jpeg", size=3, width=1, height=1, uploaded_by=world.gridworker)
    item.original.save("original.jpg", ContentFile(b"abc"), save=False)
    item.public.save("public.jpg", ContentFile(b"abc"), save=False)
    item.save()
    return item


def test_every_page_loads_for_a_superuser(staff, world, mediated, photo):
    paused = submit(world)
    workflow.accept_case(world.committee, paused)
    workflow.request_materials(world.committee, paused, items=["身份证复印件"])
    dispatched = submit(world)
    workflow.accept_case(world.committee, dispatched)
    workflow.dispatch_case(world.committee, dispatched, unit=world.v1_mediation)
    workflow.start_case(world.mediator, dispatched)
    workflow.request_extension(world.mediator, dispatched, days=5, reason="当事人外出务工")
    objects = [
        world.neighbours,
        mediated,
        AuditEntry.objects.filter(case=mediated).last(),
        Report.objects.filter(case=mediated).get(),
        photo,
        CaseRequest.objects.get(),
        SupplementNotice.objects.get(),
    ]
    for obj in objects:
        assert staff.get(changelist(type(obj))).status_code == 200, type(obj)
        response = staff.get(change(obj))
        assert response.status_code == 200, type(obj)
    assert staff.get(changelist(Case), {"township": world.t1.code, "state": "resolved"}).status_code == 200
    assert staff.get(changelist(Case), {"q": mediated.number}).context["cl"].result_count == 1
    assert staff.get(reverse("admin:index")).status_code == 200


def test_the_category_list_shows_the_tree_and_limits(staff, world):
    response = staff.get(changelist(Category))
    content = response.content.decode()
    assert response.status_code == 200
    assert "相邻关系纠纷" in content and 'padding-left:1.5em">相邻关系纠纷' in content
    response = staff.get(changelist(Category), {"level__exact": "1", "q": "邻里"})
    assert [c.code for c in response.context["cl"].result_list] == ["11"]


def test_time_limits_are_set_on_the_category_page(staff, world):
    category = world.neighbours
    assert not category.limits.exists()
    response = staff.get(change(category))
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.prefix == "limits" and formset.model is StageLimit
    data = {
        "code": category.code,
        "name": category.name,
        "parent": category.parent_id,
        "level": category.level,
        "kind": category.kind,
        "default_grade": category.default_grade,
        "active": "on",
        "limits-TOTAL_FORMS": "1",
        "limits-INITIAL_FORMS": "0",
        "limits-MIN_NUM_FORMS": "0",
        "limits-MAX_NUM_FORMS": "1000",
        "limits-0-stage": "handle",
        "limits-0-amount": "7",
        "limits-0-unit": "working_days",
    }
    response = staff.post(change(category), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    limit = category.limits.get()
    assert (limit.stage, limit.amount, limit.unit) == ("handle", 7, "working_days")
    # and the workflow uses it
    assert workflow.stage_limit(category, "handle") == (7, "working_days")


def test_a_category_at_the_wrong_level_is_refused(staff, world):
    data = {"code": "1199", "name": "错层", "parent": world.disputes.pk, "level": "1", "kind": "dispute"}
    data |= {"default_grade": "yellow", "limits-TOTAL_FORMS": "0", "limits-INITIAL_FORMS": "0"}
    response = staff.post(reverse("admin:disputes_category_add"), data)
    assert response.status_code == 200 and not Category.objects.filter(code="1199").exists()


@pytest.mark.parametrize("model", [Case, AuditEntry, Report, Photo, CaseRequest, SupplementNotice])
def test_records_have_no_add_or_delete(staff, world, model):
    assert staff.get(reverse(f"admin:disputes_{model._meta.model_name}_add")).status_code == 403


def test_a_case_cannot_be_changed_or_deleted_in_the_admin(staff, world, mediated):
    before = Case.objects.values("state", "version", "description", "grade").get(pk=mediated.pk)
    audit = AuditEntry.objects.filter(case=mediated).count()
    response = staff.get(change(mediated))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in content and "deletelink" not in content
    assert reverse("admin:disputes_case_delete", args=[mediated.pk]) not in content
    listing = staff.get(changelist(Case)).content.decode()
    assert reverse("admin:disputes_case_add") not in listing and 'value="delete_selected"' not in listing
    assert response.context["has_change_permission"] is False

    post = staff.post(change(mediated), {"state": "closed", "description": "改过的", "grade": "red"})
    assert post.status_code == 403
    assert staff.post(reverse("admin:disputes_case_delete", args=[mediated.pk]), {"post": "yes"}).status_code == 403
    bulk = staff.post(changelist(Case), {"action": "delete_selected", "_selected_action": [mediated.pk]})
    assert bulk.status_code in (200, 302)  # no such action: nothing happens
    assert Case.objects.values("state", "version", "description", "grade").get(pk=mediated.pk) == before
    assert AuditEntry.objects.filter(case=mediated).count() == audit


def test_the_case_page_shows_its_whole_file_read_only(staff, world, mediated):
    content = staff.get(change(mediated)).content.decode()
    for party in PARTIES:
        assert party["name"] in content and party["phone"] in content  # administrators see them in full
    assert PARTIES[0]["id_number"] in content
    assert "东沟村人民调解室" in content  # the session
    assert "王建国与李卫东系前后院邻居" in content  # the agreement
    assert "已改道" in content  # the follow-up
    assert "两户因宅前排水沟堵塞发生争吵" in content  # the report
    for action in ("report_received", "record_agreement", "sign_agreement", "record_follow_up"):
        assert action in content
    assert "in_progress → resolved" in content
    # the inline rows are shown, never as forms to fill in
    assert 'name="parties-0-name"' not in content and 'name="audit-0-action"' not in content
    assert reverse("admin:disputes_case_agreement_pdf", args=[mediated.pk]) in content


def test_the_agreement_documents_are_served_from_the_case(staff, world, mediated):
    html = staff.get(reverse("admin:disputes_case_agreement_html", args=[mediated.pk]))
    assert html.status_code == 200 and "人民调解协议书" in html.content.decode()
    pdf = staff.get(reverse("admin:disputes_case_agreement_pdf", args=[mediated.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    without = submit(world)
    assert staff.get(reverse("admin:disputes_case_agreement_pdf", args=[without.pk])).status_code == 404


def test_the_documents_need_the_admin(client, world, mediated):
    client.force_login(world.mediator)  # a handler, but not admin staff
    response = client.get(reverse("admin:disputes_case_agreement_html", args=[mediated.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_audit_log_cannot_be_changed_or_deleted(staff, world, mediated):
    entry = AuditEntry.objects.filter(case=mediated).first()
    listing = staff.get(changelist(AuditEntry))
    content = listing.content.decode()
    assert listing.status_code == 200 and 'name="action"' not in content  # no bulk actions at all
    assert reverse("admin:disputes_auditentry_add") not in content
    assert listing.context["cl"].result_count == AuditEntry.objects.count()
    assert staff.get(changelist(AuditEntry), {"action": "record_agreement"}).context["cl"].result_count == 1
    page = staff.get(change(entry)).content.decode()
    assert 'name="_save"' not in page and "deletelink" not in page
    assert staff.post(change(entry), {"action": "forged"}).status_code == 403
    assert staff.post(reverse("admin:disputes_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "report_received"


def test_the_report_page_shows_the_point_on_a_map(staff, world, mediated):
    report = Report.objects.filter(case=mediated).get()
    response = staff.get(change(report))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_point-div-map"' in content and "leaflet/leaflet.js" in content
    assert f"{report.point.x}" in content  # the point's GeoJSON feeds the map
    assert ".modifiable = false" in content
    assert staff.post(change(report), {"description": "改"}).status_code == 403


def test_the_photo_list_shows_thumbnails_of_the_shared_copy_only(staff, photo):
    content = staff.get(changelist(Photo)).content.decode()
    assert f'src="/api/photos/{photo.sha256}.jpg"' in content and "<img" in content
    assert photo.original.url not in content and photo.public.url not in content
    page = staff.get(change(photo)).content.decode()
    assert f"/api/photos/{photo.sha256}.jpg" in page and photo.original.url not in page


def test_the_case_changelist_needs_a_fixed_number_of_queries(staff, world, django_assert_max_num_queries):
    for n in range(8):
        case = submit(world, description=f"纠纷{n}")
        workflow.accept_case(world.committee, case)
        if n % 2:
            workflow.dispatch_case(world.committee, case, unit=world.v1_mediation)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - datetime.timedelta(days=1))
    with django_assert_max_num_queries(8):
        response = staff.get(changelist(Case))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 8
    assert "icon-yes.svg" in response.content.decode()  # the overdue one
