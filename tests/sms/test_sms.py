"""SMS: queued in the change's transaction, sent after commit by the job runner, retried with
backoff, recorded, and never twice for one event; the Tencent backend against a fake provider."""

import datetime
import io
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from disputes import intake, workflow
from grid.models import Member
from sms import services
from sms.backends.console import ConsoleBackend
from sms.models import Message, MessageState, Preference, mask
from tests.disputes.conftest import report_data
from tests.disputes.stories import closed

PHONE = "13812345678"


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_mask():
    assert mask("13812345678") == "138****5678"


@pytest.mark.django_db
def test_queued_in_the_transaction_and_sent_after_commit(settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "sms.backends.file.MemoryBackend"
    from sms.backends.file import MemoryBackend

    MemoryBackend.outbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        message = services.queue(
            "+86 138-1234-5678", event="e1", template="case_received", params={"number": "1", "code": "2"}
        )
    assert message.phone == PHONE and message.state == MessageState.QUEUED
    assert MemoryBackend.outbox == []  # nothing before commit
    assert len(callbacks) == 1
    callbacks[0]()
    run_worker()
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.attempts == 1 and message.sent_at
    assert MemoryBackend.outbox == [
        {"phone": PHONE, "template": "case_received", "params": {"number": "1", "code": "2"}}
    ]


@pytest.mark.django_db
def test_never_twice_for_one_event():
    first = services.queue(PHONE, event="case:1:received", template="case_received", params={})
    again = services.queue("+8613812345678", event="case:1:received", template="case_received", params={})
    assert first is not None and again is None
    assert Message.objects.filter(phone=PHONE).count() == 1


@pytest.mark.django_db
def test_no_mobile_no_message():
    assert services.queue("0453-1234567", event="e", template="case_received", params={}) is None
    assert not Message.objects.exists()


def test_console_backend_prints_the_text():
    out = io.StringIO()
    ConsoleBackend(out).send(PHONE, "case_received", {"number": "2612050001", "code": "123456"})
    assert "2612050001" in out.getvalue() and "123456" in out.getvalue()


@pytest.mark.django_db
def test_file_backend(settings, tmp_path):
    settings.SMS_BACKEND = "sms.backends.file.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    message = services.queue(PHONE, event="e", template="case_received", params={"number": "N1", "code": "C1"})
    services.deliver(message.pk)
    assert '"N1"' in (tmp_path / "sms.jsonl").read_text()


@pytest.mark.django_db
def test_tencent_sends_a_signed_request(tencent):
    message = services.queue(PHONE, event="e", template="case_received", params={"number": "N1", "code": "C1"})
    message = services.deliver(message.pk)
    assert message.state == MessageState.SENT, message.error
    assert message.answer["Response"]["SendStatusSet"][0]["Code"] == "Ok"
    assert tencent.received == [
        {
            "PhoneNumberSet": ["+8613812345678"],
            "SmsSdkAppId": "1400000000",
            "SignName": "化德县综治中心",
            "TemplateId": "100001",
            "TemplateParamSet": ["N1", "C1"],
        }
    ]


@pytest.mark.django_db
def test_tencent_wrong_key_fails_without_retry(tencent, settings):
    settings.SMS_TENCENT_SECRET_KEY = "wrong"
    message = services.deliver(services.queue(PHONE, event="e", template="case_received", params={}).pk)
    assert message.state == MessageState.FAILED and "AuthFailure" in message.error
    assert message.answer["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"


@pytest.mark.django_db
def test_blacklisted_number_fails_without_retry(tencent):
    tencent.mode = "blacklist"
    message = services.deliver(services.queue(PHONE, event="e", template="case_received", params={}).pk)
    assert message.state == MessageState.FAILED and message.attempts == 1


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["stall", "internal_error", "http500"])
def test_failing_provider_loses_nothing_and_retries_with_backoff(tencent, settings, mode):
    settings.SMS_RETRY_BASE_SECONDS = 30
    tencent.mode = mode
    message = services.queue(PHONE, event="e", template="case_received", params={"number": "N", "code": "C"})
    now = timezone.now()
    started = time.monotonic()
    message = services.deliver(message.pk, now=now)
    assert time.monotonic() - started < 2.5  # the timeout (1 s) cut a stalled provider short
    assert message.state == MessageState.QUEUED and message.attempts == 1 and message.error
    assert message.next_attempt_at == now + datetime.timedelta(seconds=30)
    assert services.deliver(message.pk, now=now) is None  # not due yet
    message = services.deliver(message.pk, now=now + datetime.timedelta(seconds=31))
    assert message.state == MessageState.QUEUED and message.attempts == 2
    assert message.next_attempt_at == now + datetime.timedelta(seconds=31 + 60)
    tencent.mode = "ok"
    message = services.deliver(message.pk, now=now + datetime.timedelta(seconds=100))
    assert message.state == MessageState.SENT and message.attempts == 3


@pytest.mark.django_db
def test_gives_up_after_the_last_attempt(tencent, settings):
    settings.SMS_MAX_ATTEMPTS = 2
    tencent.mode = "internal_error"
    message = services.queue(PHONE, event="e", template="case_received", params={})
    now = timezone.now()
    services.deliver(message.pk, now=now)
    message = services.deliver(message.pk, now=now + datetime.timedelta(hours=1))
    assert message.state == MessageState.FAILED and message.attempts == 2


@pytest.mark.django_db
def test_a_retry_is_enqueued_for_later(tencent, settings):
    tencent.mode = "internal_error"
    message = services.queue(PHONE, event="e", template="case_received", params={})
    services.deliver(message.pk)
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [message.pk] and task.run_after > timezone.now()


@pytest.mark.django_db
def test_requeue_due_picks_up_lost_messages():
    message = services.queue(PHONE, event="e", template="case_received", params={})  # on_commit never ran
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(hours=1))
    assert services.requeue_due() == 1


# --- who is told what --------------------------------------------------------------------


@pytest.mark.django_db
def test_hotline_reporter_gets_number_and_code_and_the_result(world, django_capture_on_commit_callbacks):
    data = report_data(world.neighbours, source="hotline", contact_phone=PHONE)
    result = intake.submit_report(world.gridworker, data)
    case = result.case
    message = Message.objects.get(phone=PHONE)
    assert message.template == "case_received"
    assert message.params == {"number": case.number, "code": case.verification_code}
    intake.submit_report(world.gridworker, data)  # a resend stores nothing and sends nothing
    assert Message.objects.filter(phone=PHONE).count() == 1


@pytest.mark.django_db
def test_closing_tells_the_resident_with_a_link(world):
    case = closed(world, world.v1_committee, world.committee, source="web", contact_phone=PHONE)
    told = Message.objects.get(phone=PHONE, template="case_closed")
    assert told.params["number"] == case.number
    assert told.params["link"].endswith(f"/r/#f={case.number}-{case.verification_code}")


@pytest.mark.django_db
def test_gridworker_reports_tell_nobody(world):
    closed(world, world.v1_committee, world.committee, contact_phone=PHONE)  # source app
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_handlers_who_chose_are_told_of_new_tasks(world):
    Member.objects.filter(user=world.committee).update(phone="13900000001")
    Preference.objects.create(user=world.committee, new_tasks=True)
    Member.objects.filter(user=world.mediator).update(phone="13900000002")  # another unit
    data = report_data(world.neighbours)
    case = intake.submit_report(world.gridworker, data).case
    workflow.accept_case(world.county_operator, case)
    workflow.dispatch_case(world.county_operator, case, unit=world.v1_committee)
    assert list(Message.objects.values_list("phone", "template")) == [("13900000001", "task_new")]


@pytest.mark.django_db
def test_sms_never_delays_intake(world, tencent, client):
    """A stalled provider: the report is stored at once; the message waits for the job runner."""
    tencent.mode = "stall"
    data = report_data(world.neighbours, source="hotline", contact_phone=PHONE)
    started = time.monotonic()
    with transaction.atomic():
        intake.submit_report(world.gridworker, data)
    assert time.monotonic() - started < 1
    assert tencent.received == []
    assert Message.objects.get().state == MessageState.QUEUED


@pytest.mark.django_db
def test_handlers_who_chose_are_warned_at_80_percent(world):
    from disputes.workflow.core import record

    Member.objects.filter(user=world.committee).update(phone="13900000001")
    Preference.objects.create(user=world.committee, deadline_warnings=True)
    Member.objects.filter(user=world.operator).update(phone="13900000003")  # no preference: not told
    case = intake.submit_report(world.gridworker, report_data(world.neighbours)).case
    workflow.accept_case(world.county_operator, case)
    workflow.dispatch_case(world.county_operator, case, unit=world.v1_committee)
    case.refresh_from_db()
    with transaction.atomic():
        record(case, action="deadline_warning", details={"stage": case.stage})
    warned = Message.objects.get(template="deadline_warning")
    assert warned.phone == "13900000001" and warned.params["number"] == case.number
