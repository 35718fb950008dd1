"""Moving a case along the linkage chain: escalation (上报) and joint handling (联办).

Escalation hands the case to the next unit up the chain able to handle its category at its
grade (`linkage.escalation`). The first-receiving unit stays accountable (首问负责制): only the
current unit changes. A handler or supervisor escalates by hand, with a reason; the deadline
sweeper (disputes/sweeper.py) escalates a case whose stage is overdue, through the same code.
Every escalation's audit entry names the units passed over and why, so that a level is never
skipped silently; at the top of the chain there is nowhere further to go, and the case is
flagged for supervision (督办) instead.

Joint handling 「中心吹哨、部门报到」: a centre summons several units; each gets its own task
and deadline (two working days by default) and answers it; when the last task is answered the
case is resolved, in the same transaction.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import IllegalTransition, InvalidInput, NotAllowed
from grid.jurisdiction import HANDLER_ROLES
from grid.models import Unit

from .. import access, deadlines
from ..lifecycle import OPEN_STATES
from ..models import (
    Agreement,
    AuditEntry,
    Case,
    CaseKind,
    CaseState,
    Handling,
    JointTask,
)
from ..workflow.catalogue import CATALOGUE
from ..workflow.core import apply, fresh, record, require, run
from . import graph as linkage

S = CaseState
LEVELS = {rank: level for level, rank in linkage.RANK.items()}  # 0 village, 1 township, 2 county
DEFAULT_TASK_DAYS = 2  # departments answer a summons within two working days
MAX_TASK_DAYS = 30
ESCALATE_STATES = CATALOGUE["escalate"].states
SUMMON_STATES = CATALOGUE["summon"].states

# Outcomes of `escalate_overdue`, as the sweeper counts them.
ESCALATED = "escalated"
AT_TOP = "at_top"
SUPERVISED = "supervised"


# --- escalation -------------------------------------------------------------------------


class Escalation:
    """Where a case would go, worked out on one snapshot of the chain."""

    def __init__(self, case):
        self.chain = linkage.current()
        self.case = case
        self.route = linkage.escalation(self.chain, case.current_unit_id, case.category_id, case.grade)
        if self.route.found and self.route.unit in self._units_already_left():
            # The chain is validated acyclic, but an edited chain must never send a case back down.
            self.route = linkage.Route(
                None, reason=_("The chain leads back to a unit this case was already escalated from.")
            )

    @property
    def found(self):
        return self.route.found

    def _units_already_left(self):
        codes = {
            entry.get("from_unit")
            for entry in AuditEntry.objects.filter(case=self.case, action="escalate").values_list("details", flat=True)
        }
        return {unit for unit, data in self.chain.graph.nodes(data=True) if data["code"] in codes}

    def code(self, unit_id):
        return self.chain.unit(unit_id)["code"] if unit_id in self.chain.graph else str(unit_id)

    def skipped(self):
        """Every unit passed over, and every level jumped, each with why."""
        rows = [
            {"unit": self.code(unit), "name": self.chain.name(unit), "why": str(why)}
            for unit, why in self.route.skipped
        ]
        if not self.found or self.case.current_unit_id not in self.chain.graph:
            return rows
        here = self.chain.unit(self.case.current_unit_id)["rank"]
        there = self.chain.unit(self.route.unit)["rank"]
        covered = {self.chain.unit(unit)["rank"] for unit, _why in self.route.skipped}
        for rank in range(here + 1, there):
            if rank not in covered:
                rows.append(
                    {
                        "unit": None,
                        "level": LEVELS[rank],
                        "why": _("the chain has no unit at this level above %(unit)s for this case")
                        % {"unit": self.chain.name(self.case.current_unit_id)},
                    }
                )
        return rows

    def details(self, *, reason, automatic):
        return {
            "reason": str(reason),
            "automatic": automatic,
            "from_unit": self.case.current_unit.code,
            "to_unit": self.code(self.route.unit),
            "path": [self.code(unit) for unit in self.route.path],
            "skipped": self.skipped(),
        }

    def refusal(self):
        reason = self.route.reason or _("No unit above can handle this case.")
        return _("This case cannot be escalated further: %(reason)s") % {"reason": reason}


def _escalate(case, actor, member, *, reason, automatic, now=None, plan=None):
    """The one escalation step for both callers: a no-op returning the plan when there is no target."""
    plan = plan or Escalation(case)
    if not plan.found:
        return plan
    target = Unit.objects.get(pk=plan.route.unit)
    details = plan.details(reason=reason, automatic=automatic)
    apply(
        case,
        actor,
        member,
        "escalate",
        to_state=S.DISPATCHED,
        changes={"current_unit": target, "handler": None},
        details=details,
        now=now,
    )
    return plan


def escalate_case(user, case, *, reason, expected_version=None):
    """上报 by hand: the next capable unit up the chain takes the case, with a fresh deadline."""
    require(str(reason or "").strip(), "reason", _("Say why the case is escalated."))

    def body(case, member):
        plan = _escalate(case, user, member, reason=reason, automatic=False)
        if not plan.found:
            raise IllegalTransition(plan.refusal())

    return run(user, case, "escalate", expected_version, body)


def escalate_overdue(case, *, now=None):
    """The sweeper's step for a case past its deadline: escalate it, or flag it for supervision.

    Safe to call for a case someone else is handling at the same moment: the case is locked
    and checked again, and only a case still overdue and not yet handled for this stage is
    touched. Returns ESCALATED, AT_TOP, SUPERVISED, or None when there was nothing to do.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
        if locked is None or not _breached(locked, now):
            return None
        case = fresh(locked)
        stage = case.get_stage_display()
        reason = _("The %(stage)s deadline (%(due)s) has passed.") % {
            "stage": stage,
            "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
        }
        breach = {"stage": case.stage, "due_at": timezone.localtime(case.due_at).isoformat(), "reason": reason}
        if case.state not in ESCALATE_STATES:
            # Not yet accepted, or waiting for verification or closure: nothing to hand upwards,
            # so the centre supervises it (督办).
            return _mark_breach(case, now, {**breach, "supervise": True, "at_top": False, "escalated": False})
        plan = Escalation(case)
        if not plan.found:
            return _mark_breach(
                case,
                now,
                {**breach, "supervise": True, "at_top": True, "escalated": False, "why": str(plan.refusal())},
            )
        _audit(case, now, "deadline_breached", {**breach, "escalated": True, "to_unit": plan.code(plan.route.unit)})
        _escalate(case, None, None, reason=reason, automatic=True, now=now, plan=plan)
        return ESCALATED


def _breached(case, now):
    return case.breached_at is None and case.is_overdue(now)


def _mark_breach(case, now, details):
    """Record the breach once for this stage; no version bump, as nothing a handler edits changed."""
    claimed = Case.objects.filter(pk=case.pk, breached_at__isnull=True, stage_started_at=case.stage_started_at).update(
        breached_at=now
    )
    if not claimed:
        return None
    case.breached_at = now
    _audit(case, now, "deadline_breached", details)
    return AT_TOP if details["at_top"] else SUPERVISED


def _audit(case, now, action, details):
    record(case, action=action, details=details, at=now)


# --- joint handling ---------------------------------------------------------------------


def summon_units(user, case, *, units, instructions="", days=DEFAULT_TASK_DAYS, expected_version=None):
    """中心吹哨: give each summoned unit its own task and deadline; the case is handled jointly."""
    units = list(dict.fromkeys(units or []))  # in order, once each
    require(units, "units", _("Choose the units to summon."))
    if any(not isinstance(unit, Unit) or not unit.active for unit in units):
        raise InvalidInput(fields={"units": [_("Choose active units.")]})
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_TASK_DAYS:
        raise InvalidInput(
            fields={"days": [_("Give between 1 and %(max)s working days to answer.") % {"max": MAX_TASK_DAYS}]}
        )

    def body(case, member):
        far = [unit.name for unit in units if not case.area_code.startswith(unit.region.prefix)]
        if far:
            raise InvalidInput(
                fields={
                    "units": [
                        _("These units do not serve the place of this case: %(units)s.") % {"units": "、".join(far)}
                    ]
                }
            )
        busy = list(
            JointTask.objects.filter(case=case, unit__in=units, answered_at__isnull=True).values_list(
                "unit__name", flat=True
            )
        )
        if busy:
            raise InvalidInput(
                fields={
                    "units": [
                        _("These units already have an open task for this case: %(units)s.")
                        % {"units": "、".join(busy)}
                    ]
                }
            )
        now = timezone.now()
        due = deadlines.due_at(now, days, deadlines.WORKING_DAYS)
        # The version check first: of two simultaneous summons one wins, the other is stale
        # (instead of tripping over the one-open-task-per-unit constraint).
        apply(
            case,
            user,
            member,
            "summon",
            to_state=S.IN_PROGRESS,
            changes={"handling": Handling.JOINT},
            details={
                "units": [unit.code for unit in units],
                "days": days,
                "due_at": due.isoformat(),
                "instructions": instructions,
            },
            now=now,
        )
        JointTask.objects.bulk_create(
            [
                JointTask(
                    case=case, unit=unit, instructions=instructions, summoned_by=user, summoned_at=now, due_at=due
                )
                for unit in units
            ]
        )

    return run(user, case, "summon", expected_version, body)


def task_membership(user, task):
    """The membership through which `user` answers for the task's unit, or None."""
    for member in access.memberships(user):
        if member.unit_id == task.unit_id and member.role in HANDLER_ROLES:
            return member
    return None


def answer_task(user, task, *, answer):
    """部门报到: the summoned unit reports back; the last answer resolves the case.

    The case is resolved in the name of the person who summoned the units (`resolved_by`):
    the centre that blew the whistle owns the joint result, and so someone other than it (the
    gridworker who found the matter, the first unit, another supervisor) verifies it.
    """
    answer = str(answer or "").strip()
    require(answer, "answer", _("Say what your unit did."))
    member = task_membership(user, task)
    if member is None and not user.is_superuser:
        raise NotAllowed(_("Only the summoned unit can answer this task."))
    with transaction.atomic():
        # The case first, then the task: answers to one case's tasks queue up behind each other,
        # so exactly one of them sees that it is the last.
        case = fresh(Case.objects.select_for_update(of=("self",)).get(pk=task.case_id))
        task = JointTask.objects.select_for_update(of=("self",)).select_related("unit", "summoned_by").get(pk=task.pk)
        if task.answered_at is not None:
            raise IllegalTransition(_("This task has already been answered."))
        if case.state not in OPEN_STATES:
            raise IllegalTransition(state=case.get_state_display())
        now = timezone.now()
        task.answered_at, task.answered_by, task.answer = now, user, answer
        task.save(update_fields=["answered_at", "answered_by", "answer"])
        still_open = JointTask.objects.filter(case=case, answered_at__isnull=True).count()
        apply(
            case,
            user,
            member,
            "task_answered",
            details={"task": task.pk, "unit": task.unit.code, "answer": answer, "open_tasks": still_open},
            now=now,
        )
        if still_open == 0 and _may_resolve_jointly(case):
            answered = JointTask.objects.filter(case=case, summoned_at__gte=_round_start(case)).select_related("unit")
            apply(
                case,
                user,
                member,
                "resolve",
                to_state=S.RESOLVED,
                changes={"resolved_by": task.summoned_by, "resolved_at": now},
                details={
                    "joint": True,
                    "result": _("Every summoned unit has answered."),
                    "tasks": [{"task": t.pk, "unit": t.unit.code} for t in answered],
                    "resolved_by": task.summoned_by.get_username(),
                },
                now=now,
            )
    return task


def _round_start(case):
    """When the current round of joint handling began (the earliest still-relevant summons)."""
    last_resolve = (
        AuditEntry.objects.filter(case=case, action="resolve").order_by("-seq").values_list("at", flat=True).first()
    )
    return last_resolve or case.created_at


def _may_resolve_jointly(case):
    if case.handling != Handling.JOINT or case.state not in SUMMON_STATES:
        return False
    if case.kind == CaseKind.DISPUTE and case.mediation_source:
        # As in resolve_case: an agreement nobody has signed yet does not settle a dispute.
        agreement = Agreement.objects.filter(case=case).first()
        if agreement is not None and not agreement.effective:
            return False
    return True
