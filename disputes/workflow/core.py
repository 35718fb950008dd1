"""The public core every verb runs on: run an act, apply a state change, record the audit entry
and its event.

`run` checks who may act (through which membership), in which state, against which version,
and calls the verb's body in one transaction. `apply` writes the change with a conditional
UPDATE on the version (so of two concurrent changes exactly one wins, on any database) and
records an audit entry. `record` is the one helper that writes an audit entry and puts its
event on the realtime outbox; inside a `run` the events are written when the body has done
all its writes, so that their audience is the case's audience once the act is complete.
"""

import datetime
import threading

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from assessment import summary
from core.errors import IllegalTransition, InvalidInput, NotAllowed, StaleCase
from maps import casemap

from .. import access, announce, deadlines, notices, reference
from ..lifecycle import PAUSED_STATES, STATE_STAGE, Stage
from ..models import AuditEntry, Case, LimitUnit, PastUnit
from .catalogue import CATALOGUE

# Used when neither a category nor any of its ancestors sets a limit for a stage.
DEFAULT_LIMITS = {
    Stage.ACCEPT: (1, LimitUnit.WORKING_DAYS),
    Stage.DISPATCH: (1, LimitUnit.WORKING_DAYS),
    Stage.HANDLE: (10, LimitUnit.WORKING_DAYS),
    Stage.VERIFY: (2, LimitUnit.WORKING_DAYS),
    Stage.CLOSE: (1, LimitUnit.WORKING_DAYS),
}

_WHO = {
    "handler": access.handler_membership,
    "supervisor": access.supervisor_membership,
    "finder": access.finder_membership,
    "first_unit": access.first_unit_membership,
}


# --- who may act ------------------------------------------------------------------------


def allowed_actions(user, case):
    """The acts `user` may take on `case` now, in the catalogue's order: what a screen offers."""
    return [
        name
        for name, entry in CATALOGUE.items()
        if case.state in entry.states and acting_member(user, case, name) is not False
    ]


def acting_member(user, case, name):
    """The membership `user` acts through in act `name`; None for a superuser; False if none."""
    for who in CATALOGUE[name].who:
        member = _WHO[who](user, case)
        if member is not None:
            return member
    return None if user.is_superuser else False


def check(user, case, name, expected_version=None):
    """Lock-free checks, in the order a person can act on: may I, is it current, is it possible now."""
    member = acting_member(user, case, name)
    if member is False:
        raise NotAllowed()
    if expected_version is not None and int(expected_version) != case.version:
        raise StaleCase(current=case.version, expected=expected_version)
    if case.state not in CATALOGUE[name].states:
        raise IllegalTransition(state=case.get_state_display())
    return member


def fresh(case):
    """Re-read the case inside the transaction so that checks see committed state."""
    return Case.objects.select_related("category", "current_unit", "first_unit").get(pk=case.pk)


def require(value, field, message):
    if value in (None, "", [], ()):
        raise InvalidInput(fields={field: [str(message)]})
    return value


# --- deadlines --------------------------------------------------------------------------


def stage_limit(category, stage):
    """The (amount, unit) of `stage` for `category`, inherited up the category tree."""
    return reference.category_limit(category, stage) or DEFAULT_LIMITS[stage]


def case_stage_limit(case, stage, start):
    """The (amount, unit) of `stage` for `case` when it starts at `start`.

    The first hook of settings.STAGE_LIMIT_HOOKS that answers (a dotted path to a function of
    (case, stage, start) returning (amount, unit) or None) decides, e.g. the promised working
    days of a service matter (desk.services.promised_limit); otherwise the category's limit. Other
    apps plug in here, so disputes depends on none of them.
    """
    for path in getattr(settings, "STAGE_LIMIT_HOOKS", ()):
        limit = import_string(path)(case, stage, start)
        if limit is not None:
            return limit
    return stage_limit(case.category, stage)


def pauses(case):
    """The pauses of the current stage as (begin, end or None) datetimes."""
    return [
        (datetime.datetime.fromisoformat(begin), datetime.datetime.fromisoformat(end) if end else None)
        for begin, end in case.stage_pauses
    ]


def compute_due(case):
    """The current stage's due time, or None when there is no clock or it is paused."""
    if not case.stage or not case.stage_limit:
        return None
    limit = case.stage_limit
    due = deadlines.due_at(case.stage_started_at, limit["amount"], limit["unit"], pauses=pauses(case))
    if due is not None and limit.get("extra_days"):
        due = deadlines.due_at(due, limit["extra_days"], LimitUnit.WORKING_DAYS)
    return due


def set_due(case, changes):
    """Set the current stage's due time, and whether it is provisional (it counts days of a year
    whose holidays are not entered), on `case` and in `changes`."""
    with deadlines.use_calendar():
        case.due_at = changes["due_at"] = compute_due(case)
        provisional = deadlines.is_provisional(case.stage_started_at, case.due_at)
    case.due_provisional = changes["due_provisional"] = provisional


def enter_state(case, new_state, now, changes):
    """Stage and clock bookkeeping for moving `case` to `new_state`."""
    changes["state"] = new_state
    if new_state in PAUSED_STATES:
        changes["paused_from"] = case.state
        changes["stage_pauses"] = [*case.stage_pauses, [now.isoformat(), None]]
        return
    stage = STATE_STAGE.get(new_state)
    if case.state in PAUSED_STATES:
        # Resuming: close the open pause; the deadline moves by the working time paused.
        paused = [list(pause) for pause in case.stage_pauses]
        paused[-1][1] = now.isoformat()
        changes["stage_pauses"] = paused
        changes["paused_from"] = ""
        if stage == case.stage:
            return
    if stage != case.stage:
        start_stage(case, stage, now, changes)


def start_stage(case, stage, now, changes):
    """A fresh clock for `stage` (None: no clock), with the sweeper's marks cleared."""
    changes["stage"] = stage
    changes["stage_started_at"] = now if stage else None
    changes["stage_pauses"] = []
    changes["warned_at"] = changes["breached_at"] = None
    if stage:
        amount, unit = case_stage_limit(case, stage, now)
        changes["stage_limit"] = {"amount": amount, "unit": unit}
    else:
        changes["stage_limit"] = {}


# --- writing ----------------------------------------------------------------------------

_acts = threading.local()  # the audit entries of the act running in this thread, to announce at its end


def record(case, *, action, actor=None, unit=None, from_state=None, to_state=None, details=None, at=None):
    """Append an audit entry for `case` and put its event on the outbox, in the current transaction.

    Inside `run`, the event waits until the act's body has made all its writes.
    """
    entry = AuditEntry.objects.create(
        case=case,
        actor=actor if actor is not None and actor.is_authenticated else None,
        unit=unit,
        action=action,
        from_state=case.state if from_state is None else from_state,
        to_state=case.state if to_state is None else to_state,
        details=details or {},
        **({"at": at} if at is not None else {}),
    )
    notices.audit_recorded(case, entry)
    casemap.recorded(case, entry)  # the map's per-square counts, in the same transaction
    summary.recorded(case, entry)  # the assessment's closed cases and follow-ups, likewise
    pending = getattr(_acts, "pending", None)
    if pending is None:
        announce.audit_event(case, entry)
    else:
        pending.append((case, entry))
    return entry


def apply(case, actor, member, action, *, to_state=None, changes=None, details=None, now=None, restart_clock=None):
    """Write `changes` (and the move to `to_state`) if nobody changed the case meanwhile, and record it.

    `restart_clock` gives the (new) state's stage a fresh deadline even when the state stays the
    same; by default it is what the catalogue says of the act.
    """
    now = now or timezone.now()
    if restart_clock is None:
        restart_clock = action in CATALOGUE and CATALOGUE[action].restarts_clock
    changes = dict(changes or {})
    from_state = case.state
    previous_unit_id = case.current_unit_id
    if to_state is not None and to_state != case.state:
        enter_state(case, to_state, now, changes)
    if restart_clock:
        start_stage(case, STATE_STAGE.get(changes.get("state", case.state)), now, changes)
    for field, value in changes.items():
        setattr(case, field, value)
    if {"state", "stage_pauses", "stage_limit", "stage_started_at"} & set(changes):
        set_due(case, changes)
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1, **changes)
    if updated != 1:
        current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
        raise StaleCase(current=current, expected=case.version)
    case.version += 1
    if "current_unit" in changes and previous_unit_id not in (None, case.current_unit_id) and action != "return":
        # The unit it leaves keeps following it, read-only (access.case_scope); not one that returned
        # it as never its business (退回).
        PastUnit.objects.get_or_create(case=case, unit_id=previous_unit_id, defaults={"left_at": now})
    record(
        case,
        action=action,
        actor=actor,
        unit=member.unit if member else None,
        from_state=from_state,
        to_state=case.state,
        details=details,
        at=now,
    )


def run(user, case, name, expected_version, body):
    """Check act `name`, then call `body(case, member)` inside one transaction; announce at the end."""
    if getattr(_acts, "pending", None) is not None:
        raise RuntimeError("one act at a time: an act's body must not run another act")
    with transaction.atomic():
        _acts.pending = []
        try:
            case = fresh(case)
            member = check(user, case, name, expected_version)
            result = body(case, member)
            pending, _acts.pending = _acts.pending, None
            for changed, entry in pending:
                announce.audit_event(changed, entry)
        finally:
            _acts.pending = None
    return case if result is None else result
