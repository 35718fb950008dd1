"""Put what the services record on the realtime event stream.

Every audit entry becomes one event (and a red case on intake one more, the red alert),
written by `realtime.publish.record` into realtime's outbox in the same transaction and sent
to the groups of the case's place and units only after commit. The payload is what a wall may
show: number, state, category, grade, point, unit names — never parties, phones, descriptions
or the free text of notes and reasons.
"""

from realtime import events as rt
from realtime import publish

from . import access, reference

KINDS = {
    "report_received": rt.EventKind.REPORT_RECEIVED,
    "escalate": rt.EventKind.ESCALATED,
    "deadline_warning": rt.EventKind.DEADLINE_WARNING,
    "deadline_breached": rt.EventKind.DEADLINE_BREACHED,
    "summon": rt.EventKind.JOINT_SUMMONED,
    "task_answered": rt.EventKind.JOINT_ANSWERED,
}
# Supervision orders (督办, the supervision app) record these actions on their case.
SUPERVISION_ACTIONS = (
    "supervision_issued",
    "supervision_replied",
    "supervision_reminded",
    "supervision_escalated",
    "supervision_closed",
)
KINDS.update(dict.fromkeys(SUPERVISION_ACTIONS, rt.EventKind.SUPERVISION))


def _name(unit_id):
    unit = reference.unit(unit_id)
    return unit.name if unit else ""


def _unit_id(code):
    unit = reference.unit_by_code(code)
    return unit.pk if unit else None


def case_payload(case):
    units = [_name(case.current_unit_id)]
    if case.first_unit_id != case.current_unit_id:
        units.append(_name(case.first_unit_id))
    return rt.case_payload(
        case.number, case.state, case.category.name, case.grade, case.point.x, case.point.y, [u for u in units if u]
    )


def audit_event(case, entry):
    """The event for one audit entry; call it right after writing the entry, inside the transaction."""
    base = case_payload(case)
    details = entry.details or {}
    kind = KINDS.get(entry.action, rt.EventKind.STATE_CHANGED)
    if kind == rt.EventKind.REPORT_RECEIVED:
        payload = rt.report_received(base, source=details.get("source"), on_site=details.get("on_site"))
    elif kind == rt.EventKind.ESCALATED:
        payload = rt.escalated(
            base,
            from_unit=_name(_unit_id(details.get("from_unit"))),
            to_unit=_name(case.current_unit_id),
            automatic=details.get("automatic", False),
        )
    elif kind in (rt.EventKind.DEADLINE_WARNING, rt.EventKind.DEADLINE_BREACHED):
        make = rt.deadline_warning if kind == rt.EventKind.DEADLINE_WARNING else rt.deadline_breached
        payload = make(base, stage=case.stage, due_at=case.due_at)
    elif kind == rt.EventKind.JOINT_SUMMONED:
        summoned = [_unit_id(code) for code in details.get("units", [])]
        payload = rt.joint_summoned(base, unit_names=[_name(pk) for pk in summoned], due_at=details.get("due_at"))
    elif kind == rt.EventKind.JOINT_ANSWERED:
        answering = _unit_id(details.get("unit"))
        payload = rt.joint_answered(base, unit_name=_name(answering), answered_at=entry.at)
    elif kind == rt.EventKind.SUPERVISION:
        order = details.get("order") or {}
        payload = rt.supervision(
            base,
            action=entry.action,
            order_id=order.get("id"),
            level=order.get("level"),
            cause=order.get("reason"),
            state=order.get("state"),
            due_at=order.get("due_at"),
            issued_at=order.get("issued_at"),
        )
    else:
        payload = rt.state_changed(base, action=entry.action, from_state=entry.from_state, to_state=entry.to_state)
    # Exactly those who may see the case now hear of it (access.audience mirrors case_scope).
    opening = kind == rt.EventKind.REPORT_RECEIVED
    audience = access.audience(case, reporter=entry.actor if opening else None)
    _record(case, entry, kind, payload, audience)
    if kind == rt.EventKind.REPORT_RECEIVED and case.grade == "red":
        _record(case, entry, rt.EventKind.RED_ALERT, rt.red_alert(base, cause="red_grade"), audience)


def _record(case, entry, kind, payload, audience):
    publish.record(
        kind,
        case_id=case.pk,
        audit_seq=entry.seq,
        area_code=audience.area_code,
        units=sorted(audience.units),
        users=sorted(audience.users),
        payload=payload,
    )
