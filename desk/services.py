"""The desk's verbs: take a call (or a walk-in) and end it one of four ways, the caller's history
and the cases a call may be the same as.

A call makes its case through `disputes.intake.submit_report`, exactly as a phone report does,
and every later step is an act of the closed loop (`disputes.workflow`): the desk adds no second
way of making or moving a case. Everything happens in one transaction, so a refused last step
(an unknown unit, a case that cannot take another in) leaves no report behind.
"""

import types

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotAllowed, NotFound
from disputes import access, deadlines, identity, intake, workflow
from disputes.lifecycle import OPEN_STATES, Stage
from disputes.models import Case, Handling, LimitUnit, Report, SupplementNotice
from grid.models import Unit

from .models import Call, Outcome, ServiceHandling, ServiceItem, ServiceMatter

DESK_SOURCES = ("hotline", "window", "agent")
HISTORY_LIMIT = 20


def _validate(data):
    errors = {}
    if data.get("source") not in DESK_SOURCES:
        errors["source"] = [_("A desk takes calls from the hotline, the window or a village agent.")]
    if not (data.get("contact_phone") or "").strip():
        errors["contact_phone"] = [_("Give the caller's phone number.")]
    id_number = (data.get("caller_id_number") or "").strip().upper()
    if id_number:
        try:
            identity.validate_id_number(id_number)
        except ValidationError as error:
            errors["caller_id_number"] = list(error.messages)
    outcome = data.get("outcome") or Outcome.ROUTED
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Choose how the call ends.")]
    elif outcome == Outcome.SETTLED and not (data.get("result") or "").strip():
        errors["result"] = [_("Say how the matter was settled on the call.")]
    elif outcome == Outcome.ASSIGNED:
        if not isinstance(data.get("unit"), Unit):
            errors["unit"] = [_("Choose an active unit.")]
        if not (data.get("reason") or "").strip():
            errors["reason"] = [_("Say why you chose this unit rather than the linkage chain's.")]
    elif outcome == Outcome.ATTACHED and not isinstance(data.get("into"), Case):
        errors["into"] = [_("Choose the case the call belongs to.")]
    if errors:
        raise InvalidInput(fields=errors)
    return outcome, id_number


def take_call(clerk, data):
    """Store the call's report (its case is opened and routed by intake) and end it as asked.

    `data` holds what `submit_report` takes (id, source, category, description, lon, lat,
    occurred_at, contact_name, contact_phone, parties, severity, on_behalf_of) and: caller_id_number, outcome
    (routed|settled|assigned|attached) with result (settled), unit and reason (assigned), into
    (attached). A retry with the same id returns what the first attempt stored and does nothing more.
    """
    outcome, id_number = _validate(data)
    report_data = {
        key: data[key]
        for key in (
            "id",
            "source",
            "category",
            "description",
            "lon",
            "lat",
            "occurred_at",
            "severity",
            "contact_name",
            "contact_phone",
            "parties",
            "on_behalf_of",
        )
        if key in data
    }
    report_data.setdefault("occurred_at", timezone.now())
    with transaction.atomic():
        result = intake.submit_report(clerk, report_data)
        if not result.created:
            return result, Call.objects.filter(report=result.report).first()
        case = result.case
        if outcome == Outcome.SETTLED:
            case = _settle(clerk, case, data["result"].strip())
        elif outcome == Outcome.ASSIGNED:
            case = workflow.accept_case(clerk, case, note=data["reason"])
            case = workflow.dispatch_case(clerk, case, unit=data["unit"], note=data["reason"])
        elif outcome == Outcome.ATTACHED:
            workflow.merge_case(clerk, case, into=data["into"])
            case = Case.objects.get(pk=data["into"].pk)
        call = Call.objects.create(report=result.report, clerk=clerk, caller_id_number=id_number, outcome=outcome)
    result.case = case
    return result, call


def _settle(clerk, case, result):
    """即办: answered on the call. The clerk's centre accepts it as an immediate matter, takes it
    itself and reports it done with the answer; as every case, someone else verifies and closes
    it (核查, 结案), so it is counted like any other."""
    member = access.supervisor_membership(clerk, case) or access.handler_membership(clerk, case)
    if member is None and not clerk.is_superuser:
        raise NotAllowed(_("Only the centre whose area holds the matter may settle it on the call."))
    unit = member.unit if member else case.current_unit
    case = workflow.accept_case(clerk, case, handling=Handling.IMMEDIATE, note=result)
    case = workflow.dispatch_case(clerk, case, unit=unit, handling=Handling.IMMEDIATE, note=result)
    case = workflow.start_case(clerk, case)
    return workflow.resolve_case(clerk, case, result=result)


def caller_history(user, phone):
    """The cases the user may see that this phone number reported or is a party to, newest first,
    and whether the caller has called before (a repeat caller)."""
    phone = "".join(str(phone or "").split())
    if len(phone) < 5:
        return {"cases": [], "repeat": False, "open": 0}
    reported = Report.objects.filter(contact_phone=phone).values("case_id")
    cases = (
        Case.objects.visible_to(user)
        .filter(Q(pk__in=reported) | Q(parties__phone=phone))
        .select_related("category", "current_unit")
        .defer("region", "cell")
        .distinct()
        .order_by("-created_at")
    )
    found = list(cases[:HISTORY_LIMIT])
    return {
        "cases": found,
        "repeat": len(found) >= 1,
        "open": sum(case.state in OPEN_STATES for case in found),
    }


def similar_cases(user, category, point, now=None):
    """What intake would suggest as duplicates of a call not yet taken (same category, open,
    nearby, recent), among the cases the user may see."""
    probe = types.SimpleNamespace(point=point, category_id=category.pk, created_at=now or timezone.now(), pk=0)
    found = intake.suggest_duplicates(probe)
    visible = set(Case.objects.visible_to(user).filter(pk__in=[case.pk for case in found]).values_list("pk", flat=True))
    return [case for case in found if case.pk in visible]


# --- service matters (办事) -------------------------------------------------------------

CASE_HANDLING = {
    ServiceHandling.IMMEDIATE: Handling.IMMEDIATE,
    ServiceHandling.PROMISED: Handling.PROMISED,
    ServiceHandling.JOINT: Handling.JOINT,
    ServiceHandling.REFERRED: Handling.PROMISED,  # promised to the resident, decided above (上报)
}


def _centre_member(clerk, case):
    member = access.supervisor_membership(clerk, case) or access.handler_membership(clerk, case)
    if member is None and not clerk.is_superuser:
        raise NotAllowed(_("Only the centre whose area holds the matter may take it in."))
    return member


def open_service_matter(clerk, data):
    """A resident's service matter from the catalogue, as an ordinary case: its report goes through
    intake; the clerk's centre accepts it with the item's handling type and takes it; if materials
    are missing, one notice lists them all and the clock stops (the loop's request_materials).

    `data`: id, source (window|agent), item (a ServiceItem), resident_name, contact_phone,
    resident_id_number, lon, lat, received (materials from the item's list), note, occurred_at,
    on_behalf_of (the resident a village agent acts for).
    A retry with the same id returns the matter stored the first time.
    """
    item = data.get("item")
    errors = {}
    if not isinstance(item, ServiceItem) or not item.active:
        errors["item"] = [_("Choose an item of the catalogue.")]
    if data.get("source") not in ("window", "agent"):
        errors["source"] = [_("A service matter comes to the window or to a village agent.")]
    if not (data.get("resident_name") or "").strip():
        errors["resident_name"] = [_("Give the resident's name.")]
    if not (data.get("contact_phone") or "").strip():
        errors["contact_phone"] = [_("Give the caller's phone number.")]
    id_number = (data.get("resident_id_number") or "").strip().upper()
    if id_number:
        try:
            identity.validate_id_number(id_number)
        except ValidationError as error:
            errors["resident_id_number"] = list(error.messages)
    received = list(dict.fromkeys(data.get("received") or []))
    if isinstance(item, ServiceItem):
        unknown = [m for m in received if m not in item.materials]
        if unknown:
            errors["received"] = [_("Not on this item's list: %(items)s") % {"items": "、".join(unknown)}]
    if errors:
        raise InvalidInput(fields=errors)
    missing = [m for m in item.materials if m not in received]
    name = data["resident_name"].strip()
    description = f"{item.name}：{name}"
    if (data.get("note") or "").strip():
        description += f"。{data['note'].strip()}"
    report_data = {
        "id": data["id"],
        "source": data["source"],
        "category": item.category.code,
        "description": description,
        "lon": data.get("lon"),
        "lat": data.get("lat"),
        "occurred_at": data.get("occurred_at") or timezone.now(),
        "contact_name": name,
        "contact_phone": data["contact_phone"].strip(),
        "on_behalf_of": (data.get("on_behalf_of") or "").strip(),
    }
    with transaction.atomic():
        result = intake.submit_report(clerk, report_data)
        if not result.created:
            return ServiceMatter.objects.select_related("case", "item").get(case=result.case)
        case = result.case
        member = _centre_member(clerk, case)
        # Stored first, so that the handling stage's clock runs on the item's promise (promised_limit).
        matter = ServiceMatter.objects.create(
            case=case, item=item, resident_name=name, resident_id_number=id_number, received=received, opened_by=clerk
        )
        unit = member.unit if member else case.current_unit
        # A village agent doing it for the resident is 代理, one of the six ways of handling.
        handling = Handling.PROXY if report_data["on_behalf_of"] else CASE_HANDLING[item.handling]
        case = workflow.accept_case(clerk, case, handling=handling, note=item.name)
        case = workflow.dispatch_case(clerk, case, unit=unit, handling=handling, note=item.name)
        case = workflow.start_case(clerk, case)
        if missing:
            case = workflow.request_materials(clerk, case, items=missing)
        matter.case = case
    return matter


def promised_limit(case, stage, start):
    """The time limit of a service matter's handling (settings.STAGE_LIMIT_HOOKS): its item's
    promised working days (承诺时限) instead of the category's; an item settled at once (即办,
    0 days) is due at the close of business of the day its handling starts (the next working
    day's, when that day is over). None for any other case or stage.

    The promise is what the resident is told at the window, so it is the one limit of the
    matter's handling, whichever unit handles it and however often the stage starts again.
    """
    if stage != Stage.HANDLE or case.pk is None:
        return None
    days = ServiceMatter.objects.filter(case_id=case.pk).values_list("item__promised_days", flat=True).first()
    if days is None:
        return None
    if days == 0:
        return deadlines.rest_of_working_day(start).total_seconds() / 3600, LimitUnit.WORKING_HOURS
    return days, LimitUnit.WORKING_DAYS


def notice_for(user, notice_id):
    """The one-time notice (一次性告知) with its case, for someone who handles the case; else NotFound."""
    notice = (
        SupplementNotice.objects.select_related("case", "case__current_unit", "issued_by")
        .filter(pk=notice_id, case__in=Case.objects.visible_to(user).values("pk"))
        .first()
    )
    if notice is None or not access.is_handler(user, notice.case):
        raise NotFound()
    return notice
