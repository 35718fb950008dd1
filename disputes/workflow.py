"""The closed loop: every change of a case is one verb function here.

Each verb checks who may act (through which membership), in which state, against which
version; runs in one transaction; applies its change with a conditional UPDATE on the
version (so of two concurrent changes exactly one wins, on any database); and appends an
audit entry. Nothing else writes a case's state.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound, StaleCase
from grid.models import Unit, UnitKind

from . import access, announce, deadlines, reference
from .linkage import graph as linkage
from .models import (
    OPEN_STATES,
    PAUSED_STATES,
    Agreement,
    AuditEntry,
    Case,
    CaseKind,
    CaseRequest,
    CaseState,
    ConfirmationOutcome,
    Decision,
    FollowUp,
    Handling,
    LimitUnit,
    MediationSession,
    MediationSource,
    Party,
    PartyRole,
    Report,
    RequestKind,
    Satisfaction,
    Stage,
    SupplementNotice,
)

S = CaseState

# The stage (and so the clock) each state runs under.
STATE_STAGE = {
    S.REPORTED: Stage.ACCEPT,
    S.ACCEPTED: Stage.DISPATCH,
    S.DISPATCHED: Stage.HANDLE,
    S.IN_PROGRESS: Stage.HANDLE,
    S.RESOLVED: Stage.VERIFY,
    S.VERIFIED: Stage.CLOSE,
}

# Used when neither a category nor any of its ancestors sets a limit for a stage.
DEFAULT_LIMITS = {
    Stage.ACCEPT: (1, LimitUnit.WORKING_DAYS),
    Stage.DISPATCH: (1, LimitUnit.WORKING_DAYS),
    Stage.HANDLE: (10, LimitUnit.WORKING_DAYS),
    Stage.VERIFY: (2, LimitUnit.WORKING_DAYS),
    Stage.CLOSE: (1, LimitUnit.WORKING_DAYS),
}

MEDIATION_DAYS = 30  # 人民调解法: mediation normally ends within a month
CONFIRMATION_WINDOW_DAYS = 30  # 司法确认 must be applied for within 30 days of the agreement


@dataclass(frozen=True)
class Rule:
    states: frozenset
    who: tuple  # any of: "handler", "supervisor", "finder", "first_unit"


def _rule(states, *who):
    return Rule(frozenset(states), who)


MEDIATION_STATES = {S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS}
RULES = {
    "accept": _rule({S.REPORTED}, "handler", "supervisor"),
    "reject": _rule({S.REPORTED}, "handler", "supervisor"),
    "merge": _rule({S.REPORTED, S.ACCEPTED}, "handler", "supervisor"),
    "dispatch": _rule({S.ACCEPTED}, "handler", "supervisor"),
    "return": _rule({S.DISPATCHED}, "handler"),
    "start": _rule({S.DISPATCHED}, "handler"),
    "request_materials": _rule({S.ACCEPTED, S.IN_PROGRESS}, "handler"),
    "materials_received": _rule({S.AWAITING_MATERIALS}, "handler", "supervisor"),
    "request_extension": _rule({S.IN_PROGRESS}, "handler"),
    "request_deferral": _rule({S.IN_PROGRESS}, "handler"),
    "decide_request": _rule({S.IN_PROGRESS}, "supervisor"),
    "resume": _rule({S.DEFERRED}, "handler", "supervisor"),
    "resolve": _rule({S.IN_PROGRESS}, "handler"),
    "verify": _rule({S.RESOLVED}, "supervisor", "finder", "first_unit"),
    "close": _rule({S.VERIFIED}, "supervisor", "first_unit"),
    "add_party": _rule({S.REPORTED} | MEDIATION_STATES, "handler", "supervisor"),
    "register_mediation": _rule(MEDIATION_STATES, "handler"),
    "record_session": _rule({S.IN_PROGRESS}, "handler"),
    "record_agreement": _rule({S.IN_PROGRESS}, "handler"),
    "sign_agreement": _rule({S.IN_PROGRESS}, "handler"),
    "extend_mediation": _rule({S.IN_PROGRESS}, "handler"),
    "record_confirmation": _rule(
        {S.IN_PROGRESS, S.RESOLVED, S.VERIFIED, S.CLOSED}, "handler", "first_unit", "supervisor"
    ),
    "record_follow_up": _rule({S.RESOLVED, S.VERIFIED, S.CLOSED}, "handler", "first_unit", "supervisor"),
    # The linkage chain (disputes/escalation.py, disputes/grading.py).
    "escalate": _rule({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS}, "handler", "supervisor"),
    "summon": _rule({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS}, "supervisor"),
    "regrade": _rule({S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS}, "supervisor"),
}

_WHO = {
    "handler": access.handler_membership,
    "supervisor": access.supervisor_membership,
    "finder": access.finder_membership,
    "first_unit": access.first_unit_membership,
}


def allowed_actions(user, case):
    """The actions `user` may take on `case` now: what a screen offers."""
    return [
        action
        for action, rule in RULES.items()
        if case.state in rule.states and _acting_member(user, case, rule) is not False
    ]


def _acting_member(user, case, rule):
    """The membership `user` acts through under `rule`; None for a superuser; False if none."""
    for who in rule.who:
        member = _WHO[who](user, case)
        if member is not None:
            return member
    return None if user.is_superuser else False


def _check(user, case, action, expected_version=None):
    """Lock-free checks, in the order a person can act on: may I, is it current, is it possible now."""
    rule = RULES[action]
    member = _acting_member(user, case, rule)
    if member is False:
        raise NotAllowed()
    if expected_version is not None and int(expected_version) != case.version:
        raise StaleCase(current=case.version, expected=expected_version)
    if case.state not in rule.states:
        raise IllegalTransition(state=case.get_state_display())
    return member


def _fresh(case):
    """Re-read the case inside the transaction so that checks see committed state."""
    return Case.objects.select_related("category", "current_unit", "first_unit").get(pk=case.pk)


def _require(value, field, message):
    if value in (None, "", [], ()):
        raise InvalidInput(fields={field: [str(message)]})
    return value


# --- deadlines --------------------------------------------------------------------------


def stage_limit(category, stage):
    """The (amount, unit) of `stage` for `category`, inherited up the category tree."""
    return reference.category_limit(category, stage) or DEFAULT_LIMITS[stage]


def _pauses(case):
    return [
        (datetime.datetime.fromisoformat(begin), datetime.datetime.fromisoformat(end) if end else None)
        for begin, end in case.stage_pauses
    ]


def compute_due(case):
    """The current stage's due time, or None when there is no clock or it is paused."""
    if not case.stage or not case.stage_limit:
        return None
    limit = case.stage_limit
    due = deadlines.due_at(case.stage_started_at, limit["amount"], limit["unit"], pauses=_pauses(case))
    if due is not None and limit.get("extra_days"):
        due = deadlines.due_at(due, limit["extra_days"], LimitUnit.WORKING_DAYS)
    return due


def _enter_state(case, new_state, now, changes):
    """Stage and clock bookkeeping for moving `case` to `new_state`."""
    changes["state"] = new_state
    if new_state in PAUSED_STATES:
        changes["paused_from"] = case.state
        changes["stage_pauses"] = [*case.stage_pauses, [now.isoformat(), None]]
        return
    stage = STATE_STAGE.get(new_state)
    if case.state in PAUSED_STATES:
        # Resuming: close the open pause; the deadline moves by the working time paused.
        pauses = [list(pause) for pause in case.stage_pauses]
        pauses[-1][1] = now.isoformat()
        changes["stage_pauses"] = pauses
        changes["paused_from"] = ""
        if stage == case.stage:
            return
    if stage != case.stage:
        _start_stage(case, stage, now, changes)


def _start_stage(case, stage, now, changes):
    """A fresh clock for `stage` (None: no clock), with the sweeper's marks cleared."""
    changes["stage"] = stage
    changes["stage_started_at"] = now if stage else None
    changes["stage_pauses"] = []
    changes["warned_at"] = changes["breached_at"] = None
    if stage:
        amount, unit = stage_limit(case.category, stage)
        changes["stage_limit"] = {"amount": amount, "unit": unit}
    else:
        changes["stage_limit"] = {}


def _apply(case, actor, member, action, *, to_state=None, changes=None, details=None, now=None, restart_clock=False):
    """Write `changes` (and the move to `to_state`) if nobody changed the case meanwhile.

    `restart_clock` gives the (new) state's stage a fresh deadline even when the state stays
    the same, as when a case is escalated to another unit.
    """
    now = now or timezone.now()
    changes = dict(changes or {})
    from_state = case.state
    if to_state is not None and to_state != case.state:
        _enter_state(case, to_state, now, changes)
    if restart_clock:
        _start_stage(case, STATE_STAGE.get(changes.get("state", case.state)), now, changes)
    for field, value in changes.items():
        setattr(case, field, value)
    if "state" in changes or "stage_pauses" in changes or "stage_limit" in changes or "stage_started_at" in changes:
        case.due_at = changes["due_at"] = compute_due(case)
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1, **changes)
    if updated != 1:
        current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
        raise StaleCase(current=current, expected=case.version)
    case.version += 1
    entry = AuditEntry.objects.create(
        case=case,
        actor=actor if actor and actor.is_authenticated else None,
        unit=member.unit if member else None,
        action=action,
        from_state=from_state,
        to_state=case.state,
        details=details or {},
        at=now,
    )
    announce.audit_event(case, entry)


def _run(user, case, action, expected_version, body):
    """Check, then call `body(case, member)` inside one transaction."""
    with transaction.atomic():
        case = _fresh(case)
        member = _check(user, case, action, expected_version)
        result = body(case, member)
    return case if result is None else result


# --- the closed loop --------------------------------------------------------------------


def accept_case(user, case, *, handling=Handling.PROMISED, note="", expected_version=None):
    """受理/立案."""
    if handling not in Handling.values:
        raise InvalidInput(fields={"handling": [_("Unknown handling type.")]})

    def body(case, member):
        changes = {"handling": handling, "accepted_at": timezone.now()}
        _apply(case, user, member, "accept", to_state=S.ACCEPTED, changes=changes, details={"note": note})

    return _run(user, case, "accept", expected_version, body)


def reject_case(user, case, *, reason, expected_version=None):
    """不予受理, always with a reason the reporter can read."""
    _require(reason, "reason", _("Say why the case is not accepted."))
    return _run(
        user,
        case,
        "reject",
        expected_version,
        lambda case, member: _apply(
            case,
            user,
            member,
            "reject",
            to_state=S.REJECTED,
            changes={"reason": reason, "closed_at": timezone.now()},
            details={"reason": reason},
        ),
    )


def merge_case(user, case, *, into, expected_version=None):
    """Fold a duplicate into an open case; its reports follow."""

    def body(case, member):
        if into.pk == case.pk:
            raise InvalidInput(fields={"into": [_("A case cannot be merged into itself.")]})
        target = Case.objects.visible_to(user).select_for_update().filter(pk=into.pk).first()
        if target is None or target.state not in OPEN_STATES:
            raise InvalidInput(fields={"into": [_("Only an open case you can see can take in another.")]})
        Report.objects.filter(case=case).update(case=target)
        _apply(
            case,
            user,
            member,
            "merge",
            to_state=S.MERGED,
            changes={"merged_into": target, "closed_at": timezone.now()},
            details={"into": target.number},
        )
        entry = AuditEntry.objects.create(
            case=target,
            actor=user,
            unit=member.unit if member else None,
            action="merged_in",
            from_state=target.state,
            to_state=target.state,
            details={"from": case.number},
        )
        announce.audit_event(target, entry)

    return _run(user, case, "merge", expected_version, body)


def dispatch_case(user, case, *, unit, handling=None, note="", expected_version=None):
    """派遣 to the unit that will handle it."""
    if not isinstance(unit, Unit) or not unit.active:
        raise InvalidInput(fields={"unit": [_("Choose an active unit.")]})

    def body(case, member):
        if not case.area_code.startswith(unit.region.prefix):
            raise InvalidInput(
                fields={"unit": [_("%(unit)s does not serve the place of this case.") % {"unit": unit.name}]}
            )
        changes = {
            "current_unit": unit,
            "dispatcher_unit": member.unit if member else case.current_unit,
            "handler": None,
        }
        if handling:
            if handling not in Handling.values:
                raise InvalidInput(fields={"handling": [_("Unknown handling type.")]})
            changes["handling"] = handling
        _apply(
            case,
            user,
            member,
            "dispatch",
            to_state=S.DISPATCHED,
            changes=changes,
            details={"unit": unit.code, "note": note},
        )

    return _run(user, case, "dispatch", expected_version, body)


def return_case(user, case, *, reason, expected_version=None):
    """退回: the wrong unit got it; back to whoever dispatched it, with the reason."""
    _require(reason, "reason", _("Say why the case is returned."))

    def body(case, member):
        back_to = case.dispatcher_unit or case.first_unit
        _apply(
            case,
            user,
            member,
            "return",
            to_state=S.ACCEPTED,
            changes={"current_unit": back_to, "reason": reason, "handler": None},
            details={"reason": reason, "to_unit": back_to.code},
        )

    return _run(user, case, "return", expected_version, body)


def start_case(user, case, *, expected_version=None):
    """The handling unit takes it up (处置/调解); the actor becomes the handler."""
    return _run(
        user,
        case,
        "start",
        expected_version,
        lambda case, member: _apply(case, user, member, "start", to_state=S.IN_PROGRESS, changes={"handler": user}),
    )


def request_materials(user, case, *, items, expected_version=None):
    """补办: one notice listing everything missing; the clock stops until it arrives."""
    items = [str(item).strip() for item in (items or []) if str(item).strip()]
    _require(items, "items", _("List what is missing."))

    def body(case, member):
        notice = SupplementNotice.objects.create(case=case, items=items, issued_by=user)
        _apply(
            case,
            user,
            member,
            "request_materials",
            to_state=S.AWAITING_MATERIALS,
            details={"items": items, "notice": notice.pk},
        )

    return _run(user, case, "request_materials", expected_version, body)


def materials_received(user, case, *, note="", expected_version=None):
    def body(case, member):
        SupplementNotice.objects.filter(case=case, fulfilled_at__isnull=True).update(fulfilled_at=timezone.now())
        _apply(
            case, user, member, "materials_received", to_state=case.paused_from or S.IN_PROGRESS, details={"note": note}
        )

    return _run(user, case, "materials_received", expected_version, body)


def request_extension(user, case, *, days, reason, expected_version=None):
    """延期: more working days for this stage, if a supervisor approves."""
    _require(reason, "reason", _("Say why more time is needed."))
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 60:
        raise InvalidInput(fields={"days": [_("Ask for between 1 and 60 working days.")]})
    return _open_request(user, case, RequestKind.EXTENSION, reason, days, expected_version)


def request_deferral(user, case, *, reason, expected_version=None):
    """缓办: put the case on hold, if a supervisor approves; the clock stops."""
    _require(reason, "reason", _("Say why the case should wait."))
    return _open_request(user, case, RequestKind.DEFERRAL, reason, None, expected_version)


def _open_request(user, case, kind, reason, days, expected_version):
    action = f"request_{kind}"

    def body(case, member):
        if CaseRequest.objects.filter(case=case, kind=kind, decision=Decision.PENDING).exists():
            raise IllegalTransition(_("A request of this kind is already waiting for a decision."))
        request = CaseRequest.objects.create(case=case, kind=kind, reason=reason, days=days, requested_by=user)
        _apply(case, user, member, action, details={"request": request.pk, "reason": reason, "days": days})
        return request

    return _run(user, case, action, expected_version, body)


def decide_request(user, request, *, approve, note="", expected_version=None):
    """A supervisor approves or refuses an extension or deferral."""

    def body(case, member):
        locked = CaseRequest.objects.select_for_update().get(pk=request.pk)
        if locked.decision != Decision.PENDING:
            raise IllegalTransition(_("This request has already been decided."))
        if locked.requested_by_id == user.pk:
            raise NotAllowed(_("Someone else must decide on your own request."))
        locked.decision = Decision.APPROVED if approve else Decision.REFUSED
        locked.decided_by, locked.decided_at = user, timezone.now()
        locked.save(update_fields=["decision", "decided_by", "decided_at"])
        details = {"request": locked.pk, "kind": locked.kind, "decision": locked.decision, "note": note}
        if approve and locked.kind == RequestKind.EXTENSION:
            limit = {**case.stage_limit, "extra_days": case.stage_limit.get("extra_days", 0) + locked.days}
            # The longer stage gets its own 80% warning.
            changes = {"stage_limit": limit, "warned_at": None}
            _apply(case, user, member, "extension_approved", changes=changes, details=details)
        elif approve:
            _apply(
                case,
                user,
                member,
                "deferral_approved",
                to_state=S.DEFERRED,
                changes={"reason": locked.reason},
                details=details,
            )
        else:
            _apply(case, user, member, f"{locked.kind}_refused", details=details)
        return locked

    return _run(user, request.case, "decide_request", expected_version, body)


def resume_case(user, case, *, note="", expected_version=None):
    """End a deferral; the clock runs again from where it stopped."""
    return _run(
        user,
        case,
        "resume",
        expected_version,
        lambda case, member: _apply(
            case, user, member, "resume", to_state=case.paused_from or S.IN_PROGRESS, details={"note": note}
        ),
    )


def resolve_case(user, case, *, result, expected_version=None):
    """办结反馈: the handler reports it done, with what was done."""
    _require(result, "result", _("Describe the result."))

    def body(case, member):
        if case.kind == CaseKind.DISPUTE and _mediating(case):
            agreement = Agreement.objects.filter(case=case).first()
            if agreement is not None and not agreement.effective:
                raise IllegalTransition(_("The agreement is not signed yet: record every party's signature first."))
        _apply(
            case,
            user,
            member,
            "resolve",
            to_state=S.RESOLVED,
            changes={"resolved_by": user, "resolved_at": timezone.now()},
            details={"result": result},
        )

    return _run(user, case, "resolve", expected_version, body)


def verify_case(user, case, *, passed, note="", expected_version=None):
    """核查 by someone other than the handler; a failure sends it back as rework (返工)."""

    def body(case, member):
        if user.pk in (case.resolved_by_id, case.handler_id):
            raise NotAllowed(_("The case must be verified by someone other than its handler."))
        if passed:
            _apply(case, user, member, "verify", to_state=S.VERIFIED, details={"passed": True, "note": note})
        else:
            _require(note, "note", _("Say what is still wrong."))
            _apply(
                case,
                user,
                member,
                "verify_failed",
                to_state=S.IN_PROGRESS,
                changes={"rework_count": case.rework_count + 1, "resolved_at": None},
                details={"passed": False, "note": note},
            )

    return _run(user, case, "verify", expected_version, body)


def close_case(user, case, *, note="", expected_version=None):
    """结案."""
    return _run(
        user,
        case,
        "close",
        expected_version,
        lambda case, member: _apply(
            case,
            user,
            member,
            "close",
            to_state=S.CLOSED,
            changes={"closed_at": timezone.now()},
            details={"note": note},
        ),
    )


# --- mediation (人民调解法) ----------------------------------------------------------------


def _mediating(case):
    return bool(case.mediation_source)


def add_party(
    user, case, *, name, role, id_number="", phone="", address="", refuses_mediation=False, expected_version=None
):
    def body(case, member):
        party = Party(
            case=case,
            name=name,
            role=role,
            id_number=(id_number or "").upper(),
            phone=phone,
            address=address,
            refuses_mediation=refuses_mediation,
        )
        _full_clean(party)
        party.save()
        _apply(case, user, member, "add_party", details={"party": party.pk, "role": role})
        return party

    return _run(user, case, "add_party", expected_version, body)


def register_mediation(user, case, *, source, rights_notice_acknowledged, expected_version=None):
    """Registration: where the mediation came from, and the parties told of their rights and duties."""
    if case.kind != CaseKind.DISPUTE:
        raise IllegalTransition(_("Only disputes are mediated."))
    if source not in MediationSource.values:
        raise InvalidInput(fields={"source": [_("Unknown source of mediation.")]})
    if not rights_notice_acknowledged:
        raise InvalidInput(
            fields={
                "rights_notice_acknowledged": [_("The parties must acknowledge the notice of their rights and duties.")]
            }
        )

    def body(case, member):
        if case.mediation_source:
            raise IllegalTransition(_("Mediation is already registered for this case."))
        if not case.parties.exists():
            raise InvalidInput(fields={"parties": [_("Record the parties first.")]})
        refusing = list(case.parties.filter(refuses_mediation=True).values_list("name", flat=True))
        if refusing:
            raise IllegalTransition(
                _("A dispute is mediated only with every party's consent, and these parties refuse: %(names)s.")
                % {"names": "、".join(refusing)}
            )
        today = timezone.localdate()
        _apply(
            case,
            user,
            member,
            "register_mediation",
            changes={
                "mediation_source": source,
                "rights_notice_at": timezone.now(),
                "mediation_due_on": today + datetime.timedelta(days=MEDIATION_DAYS),
            },
            details={"source": source},
        )

    return _run(user, case, "register_mediation", expected_version, body)


def record_session(user, case, *, held_at, place, mediators, attendees, record, expected_version=None):
    for field, value in (("place", place), ("attendees", attendees), ("record", record), ("held_at", held_at)):
        _require(value, field, _("This field is required."))

    def body(case, member):
        _require_mediation(case)
        session = MediationSession.objects.create(
            case=case, held_at=held_at, place=place, attendees=attendees, record=record, recorded_by=user
        )
        session.mediators.set(mediators or [user])
        _apply(case, user, member, "record_session", details={"session": session.pk})
        return session

    return _run(user, case, "record_session", expected_version, body)


def _require_mediation(case):
    if not _mediating(case):
        raise IllegalTransition(_("Register the mediation first (source and rights notice)."))
    if case.parties.filter(refuses_mediation=True).exists():
        raise IllegalTransition(_("A party refuses mediation, so there is no mediation."))


def record_agreement(
    user, case, *, facts, issues, responsibilities, terms, performance, perform_by, oral=False, expected_version=None
):
    """调解协议书: parties, main facts, issues and responsibilities, terms, manner and time of performance."""
    values = {
        "facts": facts,
        "issues": issues,
        "responsibilities": responsibilities,
        "terms": terms,
        "performance": performance,
        "perform_by": perform_by,
    }
    missing = {field: [str(_("This field is required."))] for field, value in values.items() if not value}
    if missing:
        raise InvalidInput(fields=missing)

    def body(case, member):
        _require_mediation(case)
        if not case.sessions.exists():
            raise IllegalTransition(_("Record at least one mediation session before the agreement."))
        if Agreement.objects.filter(case=case).exists():
            raise IllegalTransition(_("This case already has an agreement."))
        agreement = Agreement.objects.create(case=case, mediator=user, oral=oral, **values)
        _apply(case, user, member, "record_agreement", details={"agreement": agreement.pk, "oral": oral})
        return agreement

    return _run(user, case, "record_agreement", expected_version, body)


def sign_agreement(user, case, *, party_ids, signed_at=None, expected_version=None):
    """The agreement takes effect when every party has signed (or sealed, or fingerprinted)."""

    def body(case, member):
        agreement = Agreement.objects.filter(case=case).first()
        if agreement is None:
            raise IllegalTransition(_("There is no agreement to sign."))
        parties = {party.pk: party for party in case.parties.all()}
        unknown = [pk for pk in party_ids if pk not in parties]
        if unknown:
            raise InvalidInput(
                fields={
                    "party_ids": [
                        _("These are not parties of this case: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
                    ]
                }
            )
        agreement.signed_parties.add(*party_ids)
        signed = set(agreement.signed_parties.values_list("pk", flat=True))
        details = {"signed": sorted(signed)}
        if signed >= set(parties) and agreement.signed_at is None:
            agreement.signed_at = signed_at or timezone.now()
            agreement.save(update_fields=["signed_at"])
            details["effective"] = agreement.signed_at.isoformat()
        _apply(case, user, member, "sign_agreement", details=details)
        return agreement

    return _run(user, case, "sign_agreement", expected_version, body)


def extend_mediation(user, case, *, days, consent_note, expected_version=None):
    """Mediation may run past its month only with the parties' agreement."""
    _require(consent_note, "consent_note", _("Record how the parties agreed to continue."))

    def body(case, member):
        _require_mediation(case)
        new_due = case.mediation_due_on + datetime.timedelta(days=int(days))
        _apply(
            case,
            user,
            member,
            "extend_mediation",
            changes={"mediation_due_on": new_due},
            details={"days": int(days), "consent": consent_note},
        )

    return _run(user, case, "extend_mediation", expected_version, body)


def record_confirmation(user, case, *, applied_on=None, outcome=None, decided_on=None, expected_version=None):
    """司法确认: applied for within 30 days of the agreement taking effect; then the court's outcome."""

    def body(case, member):
        agreement = Agreement.objects.filter(case=case).first()
        if agreement is None or not agreement.effective:
            raise IllegalTransition(_("Only an effective agreement can be confirmed by a court."))
        changes = []
        if applied_on is not None:
            deadline = timezone.localdate(agreement.signed_at) + datetime.timedelta(days=CONFIRMATION_WINDOW_DAYS)
            if applied_on > deadline:
                raise InvalidInput(
                    fields={
                        "applied_on": [
                            _("Judicial confirmation must be applied for by %(date)s, within 30 days of the agreement.")
                            % {"date": deadline.isoformat()}
                        ]
                    }
                )
            agreement.confirmation_applied_on = applied_on
            agreement.confirmation_outcome = ConfirmationOutcome.PENDING
            changes += ["confirmation_applied_on", "confirmation_outcome"]
        if outcome is not None:
            if agreement.confirmation_applied_on is None:
                raise IllegalTransition(_("Record the application before the court's decision."))
            if outcome not in (ConfirmationOutcome.CONFIRMED, ConfirmationOutcome.REFUSED):
                raise InvalidInput(fields={"outcome": [_("Unknown outcome.")]})
            agreement.confirmation_outcome = outcome
            agreement.confirmation_decided_on = decided_on or timezone.localdate()
            changes += ["confirmation_outcome", "confirmation_decided_on"]
        if not changes:
            raise InvalidInput(fields={"applied_on": [_("Give the application date or the outcome.")]})
        agreement.save(update_fields=changes)
        _apply(
            case,
            user,
            member,
            "record_confirmation",
            details={"applied_on": str(agreement.confirmation_applied_on), "outcome": agreement.confirmation_outcome},
        )
        return agreement

    return _run(user, case, "record_confirmation", expected_version, body)


def record_follow_up(user, case, *, performed, satisfaction="", notes="", expected_version=None):
    """回访: the committee checks the agreement is performed and asks how satisfied the parties are."""
    if satisfaction and satisfaction not in Satisfaction.values:
        raise InvalidInput(fields={"satisfaction": [_("Unknown satisfaction level.")]})

    def body(case, member):
        follow_up = FollowUp.objects.create(
            case=case, performed=bool(performed), satisfaction=satisfaction, notes=notes, visited_by=user
        )
        _apply(
            case,
            user,
            member,
            "record_follow_up",
            details={"follow_up": follow_up.pk, "performed": bool(performed), "satisfaction": satisfaction},
        )
        return follow_up

    return _run(user, case, "record_follow_up", expected_version, body)


def _full_clean(instance):
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=["case"])
    except ValidationError as error:
        raise InvalidInput(fields={k: [str(m) for m in v] for k, v in error.message_dict.items()}) from None


def initial_unit(region):
    """Where a case goes when the chain has a gap: the village committee, else the nearest centre above."""
    wanted = {
        "village": UnitKind.VILLAGE_COMMITTEE,
        "township": UnitKind.TOWNSHIP_CENTRE,
        "county": UnitKind.COUNTY_CENTRE,
    }
    node = region
    while node is not None:
        unit = reference.unit_of(node, wanted[node.level])
        if unit is not None:
            return unit
        node = node.parent
    return None


# --- intake and residents ---------------------------------------------------------------


def open_case(report, place, grade=None):
    """Open the case for a report about to be stored (called by `intake.submit_report`, inside its transaction).

    A matter settled on the spot (即办件) opens as resolved, waiting for someone else to verify it.
    """
    region = place.village or place.township or place.county
    category = report.category
    grade = grade or category.default_grade
    # 小事不出村、大事不出乡: the lowest capable unit on the place's chain takes it.
    routed = linkage.route(linkage.current(), region.pk, category.pk, grade)
    unit = reference.unit(routed.unit) if routed.found else None
    routing = {"path": [step.code for step in map(reference.unit, routed.path) if step]}
    if unit is None:
        # A gap in the chain must not lose the report: the nearest centre takes it, and the
        # gap is on record for the administrator (check_linkage lists it too).
        unit = initial_unit(region)
        routing = {"gap": routed.reason}
    if unit is None:
        raise InvalidInput(
            _("No unit serves %(region)s yet: ask the administrator to set up its units.") % {"region": region.name}
        )
    now = report.received_at
    case = Case(
        kind=category.kind,
        category=category,
        grade=grade,
        severity=report.severity,
        description=report.description,
        point=report.point,
        cell=report.cell,
        region=region,
        area_code=report.cell.code if report.cell else region.code,
        first_unit=unit,
        current_unit=unit,
        verification_code=f"{secrets.randbelow(10**6):06d}",
        created_at=now,
        state=S.REPORTED,
    )
    if report.resolved_on_site:
        case.handling = Handling.IMMEDIATE
        case.resolved_by = report.reporter
        case.resolved_at = now
        case.accepted_at = now
        initial = S.RESOLVED
    else:
        initial = S.REPORTED
    changes = {}
    case.state = None  # so that entering the initial state starts its clock
    case.stage = None
    _enter_state(case, initial, now, changes)
    for name, value in changes.items():
        setattr(case, name, value)
    case.due_at = compute_due(case)
    case.save(force_insert=True)
    case.number = f"{timezone.localtime(now):%y%m%d}{case.pk:06d}"
    Case.objects.filter(pk=case.pk).update(number=case.number)
    if report.parties:
        Party.objects.bulk_create(
            [
                Party(
                    case=case,
                    name=p.get("name", ""),
                    role=p.get("role") or PartyRole.APPLICANT,
                    id_number=(p.get("id_number") or "").upper(),
                    phone=p.get("phone") or "",
                    address=p.get("address") or "",
                )
                for p in report.parties
            ]
        )
    entry = AuditEntry.objects.create(
        case=case,
        actor=report.reporter,
        unit=None,
        action="report_received",
        from_state="",
        to_state=case.state,
        details={
            "report": str(report.pk),
            "source": report.source,
            "on_site": report.resolved_on_site,
            "unit": unit.code,
            "grade": grade,
            **routing,
        },
        at=now,
    )
    announce.audit_event(case, entry)
    return case


def find_for_resident(number, verification_code):
    """A resident's look-up: the number and the code given at intake, or nothing (never say which was wrong)."""
    case = Case.objects.filter(number=str(number or "").strip()).first()
    if case is None or not secrets.compare_digest(case.verification_code, str(verification_code or "").strip()):
        raise NotFound(_("No case matches this number and verification code."))
    return case


def rate_case(number, verification_code, satisfaction):
    """The resident rates the handling once, after it is resolved."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(fields={"satisfaction": [_("Unknown satisfaction level.")]})
    with transaction.atomic():
        case = find_for_resident(number, verification_code)
        if case.state not in (S.RESOLVED, S.VERIFIED, S.CLOSED):
            raise IllegalTransition(state=case.get_state_display())
        # Conditional update: two simultaneous ratings cannot both land.
        if not Case.objects.filter(pk=case.pk, resident_rating="").update(resident_rating=satisfaction):
            raise IllegalTransition(_("This case has already been rated."))
        entry = AuditEntry.objects.create(
            case=case,
            action="resident_rating",
            from_state=case.state,
            to_state=case.state,
            details={"satisfaction": satisfaction},
        )
        announce.audit_event(case, entry)
    case.resident_rating = satisfaction
    return case
