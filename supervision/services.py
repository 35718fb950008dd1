"""The verbs of supervision (督查督办): issue an order, reply to it, close it, remind and escalate
the missed ones, and take a resident's complaint.

Each verb runs in one transaction and records its audit entry on the case, with its realtime
event, through the one helper the case's own verbs use (`disputes.workflow.core.record`), so
the order shows on the case's timeline and on every wall that sees the case, after commit.

Who may do what derives from `disputes.access`: an order is issued by a centre operator or
administrator whose region holds the case (`supervisor_membership`, the leaders of 督办), and
answered by the members of the unit it is addressed to (the case's handling unit when it was
issued) or of the unit handling the case now.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound, WorkflowError
from disputes import access, deadlines
from disputes.lifecycle import OPEN_STATES
from disputes.models import AuditEntry, Case, Grade
from disputes.workflow.core import record
from grid import codes
from grid.jurisdiction import HANDLER_ROLES
from grid.models import Region, RegionLevel

from .models import AWAITING_REPLY, Complaint, Level, Order, OrderState, Reason, Reply

logger = logging.getLogger(__name__)

# Working days to reply when the system issues an order, for each reason it issues one.
SYSTEM_DAYS = {Reason.OVERDUE: 2, Reason.COMPLAINT: 3, Reason.RED_GRADE: 2, Reason.REPEATED_ESCALATION: 2}
# A case escalated (上报) this many times, by hand or by the sweeper, is supervised (多次上报).
REPEATED_ESCALATIONS = 2
MAX_DAYS = 30
MAX_TEXT = 2000


class AlreadyComplained(WorkflowError):
    code = "already_complained"
    status = 409
    default_message = gettext_lazy("A complaint about this case has already been received.")


# --- helpers ----------------------------------------------------------------------------


def _text(value, field, message):
    value = str(value or "").strip()
    if not value:
        raise InvalidInput(fields={field: [str(message)]})
    if len(value) > MAX_TEXT:
        raise InvalidInput(fields={field: [_("At most %(max)s characters.") % {"max": MAX_TEXT}]})
    return value


def _days(value):
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if isinstance(value, bool) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(fields={"days": [_("Give between 1 and %(max)s working days.") % {"max": MAX_DAYS}]})
    return days


def region_for(case, level):
    """The region whose centre supervises `case` at `level`: its county, or its township."""
    code = case.area_code[:12]
    if level == Level.COUNTY or code[6:9] == "000":
        return Region.objects.get(code=code[:6] + "000000", level=RegionLevel.COUNTY)
    return Region.objects.get(code=code[:9] + "000", level=RegionLevel.TOWNSHIP)


def system_level(case):
    """The level of an order the system issues: the county once the case is at a county unit."""
    unit = case.current_unit
    return Level.COUNTY if unit is not None and unit.region.level == codes.COUNTY else Level.TOWNSHIP


def _details(order, **more):
    return {
        "order": {
            "id": order.pk,
            "level": order.level,
            "reason": order.reason,
            "state": order.state,
            "due_at": timezone.localtime(order.due_at).isoformat(),
            "issued_at": timezone.localtime(order.issued_at).isoformat(),
            "unit": order.unit.code if order.unit_id else None,
        },
        **more,
    }


def _record(order, action, *, actor=None, unit=None, at=None, **more):
    record(order.case, action=action, actor=actor, unit=unit, details=_details(order, **more), at=at)


def _visible(user, case):
    return user.is_superuser or Case.objects.visible_to(user).filter(pk=case.pk).exists()


def reply_membership(user, order):
    """The membership through which `user` answers `order`: the addressed unit's, or the handling unit's."""
    for member in access.memberships(user):
        if member.role in HANDLER_ROLES and member.unit_id in (order.unit_id, order.case.current_unit_id):
            return member
    return None


def may_issue(user, case):
    return user.is_superuser or access.supervisor_membership(user, case) is not None


def may_reply(user, order):
    return order.state in (*AWAITING_REPLY, OrderState.REPLIED) and (
        user.is_superuser or reply_membership(user, order) is not None
    )


def may_close(user, order):
    return order.state == OrderState.REPLIED and may_issue(user, order.case)


# --- issue ------------------------------------------------------------------------------


def issue(case, *, by, reason, required, days, level, breach=None, now=None):
    """督办: order the case's handling unit to do `required` and reply within `days` working days.

    `by` is a centre operator or administrator over the case, or None when the system issues it
    (a deadline breach, `breach` being its audit entry, a resident's complaint, a red grade or
    repeated escalation). The system issues one order per breach, and one per case for each
    other reason (a unique constraint): when another sweeper issued it first, this returns None
    and records nothing.
    """
    if reason not in Reason.values:
        raise InvalidInput(fields={"reason": [_("Choose a reason.")]})
    if level not in Level.values:
        raise InvalidInput(fields={"level": [_("Choose the township or the county.")]})
    required = _text(required, "required", _("Say what is required."))
    days = _days(days)
    member = None
    if by is not None:
        if not _visible(by, case):
            raise NotFound()
        member = access.supervisor_membership(by, case)
        if member is None and not by.is_superuser:
            raise NotAllowed(_("Only a centre operator or leader over this case may issue a supervision order."))
        if member is not None and level == Level.COUNTY and member.unit.region.level != codes.COUNTY:
            raise InvalidInput(fields={"level": [_("A township centre issues township orders.")]})
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_related("current_unit__region", "category").get(pk=case.pk)
        if case.state not in OPEN_STATES and reason != Reason.COMPLAINT:
            raise IllegalTransition(state=case.get_state_display())
        with deadlines.use_calendar():
            due = deadlines.due_at(now, days, deadlines.WORKING_DAYS)
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the outer transaction usable
                order = Order.objects.create(
                    case=case,
                    issued_by=by,
                    issuing_unit=member.unit if member else None,
                    region=region_for(case, level),
                    unit=case.current_unit,
                    level=level,
                    reason=reason,
                    required=required,
                    days=days,
                    issued_at=now,
                    due_at=due,
                    breach=breach,
                )
        except IntegrityError:
            if by is not None:
                raise
            return None  # the system's order for this breach or reason exists: another sweeper was first
        _record(order, "supervision_issued", actor=by, unit=order.issuing_unit, at=now, required=required)
    return order


# --- reply and close ----------------------------------------------------------------------


def _locked(order):
    return Order.objects.select_for_update(of=("self",)).select_related("case", "unit").get(pk=order.pk)


def reply(order, *, by, text, now=None):
    """The addressed unit answers the order: what it did, or why it cannot yet."""
    text = _text(text, "text", _("Say what your unit did."))
    if not _visible(by, order.case):
        raise NotFound()
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order)
        member = reply_membership(by, order)
        if member is None and not by.is_superuser:
            raise NotAllowed(_("Only the unit this order is addressed to may reply."))
        if order.state not in (*AWAITING_REPLY, OrderState.REPLIED):
            raise IllegalTransition(_("This order is closed."))
        answer = Reply.objects.create(order=order, by=by, unit=member.unit if member else None, text=text, at=now)
        late = order.replied_at is None and now > order.due_at
        order.state = OrderState.REPLIED
        order.replied_at = order.replied_at or now
        order.save(update_fields=["state", "replied_at"])
        _record(order, "supervision_replied", actor=by, unit=answer.unit, at=now, text=text, late=late)
    return answer


def close(order, *, by, now=None):
    """The issuing side accepts the reply: the order is done (办结)."""
    if not _visible(by, order.case):
        raise NotFound()
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order)
        member = access.supervisor_membership(by, order.case)
        if member is None and not by.is_superuser:
            raise NotAllowed(_("Only a centre operator or leader over this case may close the order."))
        if order.state != OrderState.REPLIED:
            raise IllegalTransition(_("Only a replied order can be closed."))
        order.state, order.closed_at = OrderState.CLOSED, now
        order.save(update_fields=["state", "closed_at"])
        _record(order, "supervision_closed", actor=by, unit=member.unit if member else None, at=now)
    return order


# --- the sweep ----------------------------------------------------------------------------


def remind_and_escalate(now=None, batch=200):
    """催办: every order whose reply is missed is reminded and goes up one level, exactly once.

    Each order is claimed with a conditional UPDATE (still open, never reminded, past due): of
    several sweepers running at once exactly one changes the row and records the act. A township
    order becomes a county order with a fresh reply deadline; a county order, at the top, stays
    where it is, reminded. Returns (reminded, escalated).
    """
    now = now or timezone.now()
    reminded = escalated = 0
    last = 0
    while True:
        rows = list(
            Order.objects.filter(state=OrderState.OPEN, reminded_at__isnull=True, due_at__lt=now, pk__gt=last)
            .order_by("pk")
            .values_list("pk", "level", "days")[:batch]
        )
        if not rows:
            return reminded, escalated
        last = rows[-1][0]
        for pk, level, days in rows:
            try:
                with transaction.atomic():
                    done = _remind(pk, level, days, now)
            except Exception:
                logger.exception("supervision sweep: could not remind order %s", pk)
                continue
            reminded += done == OrderState.REMINDED
            escalated += done == OrderState.ESCALATED


def _remind(pk, level, days, now):
    claim = Order.objects.filter(pk=pk, state=OrderState.OPEN, reminded_at__isnull=True, due_at__lt=now)
    if level == Level.TOWNSHIP:
        order = Order.objects.select_related("case").get(pk=pk)
        with deadlines.use_calendar():
            due = deadlines.due_at(now, days, deadlines.WORKING_DAYS)
        changes = {
            "state": OrderState.ESCALATED,
            "level": Level.COUNTY,
            "region": region_for(order.case, Level.COUNTY),
            "due_at": due,
        }
    else:
        changes = {"state": OrderState.REMINDED}
    if claim.update(reminded_at=now, **changes) != 1:
        return None
    order = Order.objects.select_related("case", "unit").get(pk=pk)
    action = "supervision_escalated" if order.state == OrderState.ESCALATED else "supervision_reminded"
    _record(order, action, at=now, missed=True)
    return order.state


def open_for_breaches(now=None, batch=200):
    """An order for every deadline breach the sweeper flagged for supervision (督办), once each.

    The breach is the sweeper's audit entry (`deadline_breached` with `supervise`); the order
    holds it in a unique column, so a second sweeper, or a repeated pass, adds nothing.
    """
    now = now or timezone.now()
    opened, last = 0, 0
    while True:
        entries = list(
            AuditEntry.objects.filter(
                action="deadline_breached",
                details__supervise=True,
                case__state__in=sorted(OPEN_STATES),
                seq__gt=last,
            )
            .exclude(seq__in=Order.objects.filter(breach__isnull=False).values("breach_id"))
            .select_related("case__current_unit__region")
            .order_by("seq")[:batch]
        )
        if not entries:
            return opened
        last = entries[-1].seq
        for entry in entries:
            try:
                with transaction.atomic():
                    order = issue(
                        entry.case,
                        by=None,
                        reason=Reason.OVERDUE,
                        required=_("Handle the overdue case and reply with what was done."),
                        days=SYSTEM_DAYS[Reason.OVERDUE],
                        level=system_level(entry.case),
                        breach=entry,
                        now=now,
                    )
                opened += order is not None  # None: another sweeper issued it first
            except Exception:
                logger.exception("supervision sweep: could not issue an order for breach %s", entry.seq)


def _open_for(reason, cases, required, now, batch):
    """One system order with `reason` for each of `cases` that has no order with this reason yet.

    Once a case has had such an order (by hand or by the system, in any state, closed included)
    none is opened again: the reason is a standing fact of the case, not a new event, and the
    centre that closed the order accepted the unit's reply about it. A centre that wants more
    issues an order by hand. The unique constraint on system orders makes concurrent sweepers
    open one between them.
    """
    opened, last = 0, 0
    candidates = cases.filter(state__in=sorted(OPEN_STATES)).exclude(
        pk__in=Order.objects.filter(reason=reason).values("case_id")
    )
    while True:
        found = list(candidates.filter(pk__gt=last).select_related("current_unit__region").order_by("pk")[:batch])
        if not found:
            return opened
        last = found[-1].pk
        for case in found:
            try:
                with transaction.atomic():
                    order = issue(
                        case,
                        by=None,
                        reason=reason,
                        required=required,
                        days=SYSTEM_DAYS[reason],
                        level=system_level(case),
                        now=now,
                    )
                opened += order is not None
            except IllegalTransition:
                continue  # closed meanwhile: nothing to supervise
            except Exception:
                logger.exception("supervision sweep: could not issue a %s order for case %s", reason, case.pk)


def open_for_red_grade(now=None, batch=200):
    """An order for every open case graded red (红色: cross-department, needs leadership), once per case."""
    return _open_for(
        Reason.RED_GRADE,
        Case.objects.filter(grade=Grade.RED),
        _("The case is graded red: have it handled with the leadership's attention and reply with what was done."),
        now or timezone.now(),
        batch,
    )


def open_for_repeated_escalation(now=None, batch=200):
    """An order for every open case escalated REPEATED_ESCALATIONS times or more, once per case."""
    escalated = (
        AuditEntry.objects.filter(action="escalate")
        .values("case_id")
        .annotate(times=Count("seq"))
        .filter(times__gte=REPEATED_ESCALATIONS)
        .values("case_id")
    )
    return _open_for(
        Reason.REPEATED_ESCALATION,
        Case.objects.filter(pk__in=escalated),
        _("The case has been escalated repeatedly: settle who handles it and reply with what was done."),
        now or timezone.now(),
        batch,
    )


def sweep(now=None, batch=200):
    """The supervision step of the deadline sweeper (`manage.py run_deadlines`)."""
    now = now or timezone.now()
    opened = open_for_breaches(now, batch)
    red = open_for_red_grade(now, batch)
    repeated = open_for_repeated_escalation(now, batch)
    reminded, escalated = remind_and_escalate(now, batch)
    return {
        "orders_opened": opened,
        "orders_opened_for_red_grade": red,
        "orders_opened_for_repeated_escalation": repeated,
        "orders_reminded": reminded,
        "orders_escalated": escalated,
    }


# --- complaints -------------------------------------------------------------------------


def complain(case, *, text, contact_phone=None):
    """互联网+监督: a resident complains about the handling of `case` (one complaint per case).

    The complaint is kept and a supervision order with reason `complaint` goes to the handling
    unit. A second complaint about the same case is refused with `already_complained`.
    """
    text = _text(text, "text", _("Say what you complain about."))
    contact_phone = str(contact_phone or "").strip()
    if len(contact_phone) > 30:
        raise InvalidInput(fields={"contact_phone": [_("This phone number is too long.")]})
    if Complaint.objects.filter(case_id=case.pk).exists():
        raise AlreadyComplained()
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(case_id=case.pk, text=text, contact_phone=contact_phone)
            fresh_case = Case.objects.select_related("current_unit__region").get(pk=case.pk)
            complaint.order = issue(
                fresh_case,
                by=None,
                reason=Reason.COMPLAINT,
                required=_("A resident complained about the handling of this case: look into it and reply."),
                days=SYSTEM_DAYS[Reason.COMPLAINT],
                level=system_level(fresh_case),
            )
            complaint.save(update_fields=["order"])
    except IntegrityError:
        raise AlreadyComplained() from None
    return complaint
