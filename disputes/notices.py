"""Whom a change is told by SMS, and with which template (the sending is sms/'s business).

Called in the transaction of the change: the messages are rows written with it and sent by the
job runner after commit. Residents who gave a phone on the web, by the hotline or at the window
get the case number and code at intake, and the result with a link to rate it at closing;
handlers who chose to (sms.Preference) get new tasks of their unit and the 80 % warning.
"""

from django.conf import settings
from django.utils import timezone

from grid.models import Member
from sms import services as sms

from .models import Report, ReportSource

TOLD_SOURCES = (ReportSource.WEB, ReportSource.HOTLINE, ReportSource.WINDOW)
NEW_TASK_ACTIONS = ("dispatch", "escalate")


def follow_link(case):
    """The resident's follow page for `case`; the code rides in the fragment, which no server logs."""
    return f"{settings.SITE_URL}/r/#f={case.number}-{case.verification_code}"


def report_received(report, case):
    if report.source in TOLD_SOURCES and report.contact_phone:
        sms.queue(
            report.contact_phone,
            event=f"case:{case.number}:received",
            template="case_received",
            params={"number": case.number, "code": case.verification_code},
        )


def audit_recorded(case, entry):
    if entry.action == "close":
        phones = (
            Report.objects.filter(case=case, source__in=TOLD_SOURCES)
            .exclude(contact_phone="")
            .values_list("contact_phone", flat=True)
        )
        for phone in set(phones):
            sms.queue(
                phone,
                event=f"case:{case.number}:closed",
                template="case_closed",
                params={"number": case.number, "link": follow_link(case)},
            )
    elif entry.action in NEW_TASK_ACTIONS and case.current_unit_id:
        _handlers(
            case,
            "user__sms_preference__new_tasks",
            f"case:{case.number}:task:{entry.seq}",
            "task_new",
            {"number": case.number, "category": case.category.name},
        )
    elif entry.action == "deadline_warning" and case.current_unit_id and case.due_at:
        due = timezone.localtime(case.due_at).strftime("%m-%d %H:%M")
        _handlers(
            case,
            "user__sms_preference__deadline_warnings",
            f"case:{case.number}:warning:{entry.seq}",
            "deadline_warning",
            {"number": case.number, "due": due},
        )


def _handlers(case, preference, event, template, params):
    phones = (
        Member.objects.filter(unit_id=case.current_unit_id, active=True, user__is_active=True, **{preference: True})
        .exclude(phone="")
        .values_list("phone", flat=True)
    )
    for phone in set(phones):
        sms.queue(phone, event=event, template=template, params=params)
