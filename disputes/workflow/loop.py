"""The closed loop: 受理 → 派遣 → 处置 → 办结 → 核查 → 结案, with its detours
(退回, 补办, 延期, 缓办, 合并, 不予受理)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import IllegalTransition, InvalidInput, NotAllowed
from grid.models import Unit

from ..lifecycle import OPEN_STATES, CaseState
from ..models import (
    Agreement,
    Case,
    CaseKind,
    CaseRequest,
    Decision,
    Handling,
    Report,
    RequestKind,
    SupplementNotice,
)
from .core import apply, record, require, run
from .mediation import mediating

S = CaseState


def accept_case(user, case, *, handling=Handling.PROMISED, note="", expected_version=None):
    """受理/立案."""
    if handling not in Handling.values:
        raise InvalidInput(fields={"handling": [_("Unknown handling type.")]})

    def body(case, member):
        changes = {"handling": handling, "accepted_at": timezone.now()}
        apply(case, user, member, "accept", to_state=S.ACCEPTED, changes=changes, details={"note": note})

    return run(user, case, "accept", expected_version, body)


def reject_case(user, case, *, reason, expected_version=None):
    """不予受理, always with a reason the reporter can read."""
    require(reason, "reason", _("Say why the case is not accepted."))
    return run(
        user,
        case,
        "reject",
        expected_version,
        lambda case, member: apply(
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
        apply(
            case,
            user,
            member,
            "merge",
            to_state=S.MERGED,
            changes={"merged_into": target, "closed_at": timezone.now()},
            details={"into": target.number},
        )
        record(
            target, action="merged_in", actor=user, unit=member.unit if member else None, details={"from": case.number}
        )

    return run(user, case, "merge", expected_version, body)


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
        apply(
            case,
            user,
            member,
            "dispatch",
            to_state=S.DISPATCHED,
            changes=changes,
            details={"unit": unit.code, "note": note},
        )

    return run(user, case, "dispatch", expected_version, body)


def return_case(user, case, *, reason, expected_version=None):
    """退回: the wrong unit got it; back to whoever dispatched it, with the reason."""
    require(reason, "reason", _("Say why the case is returned."))

    def body(case, member):
        back_to = case.dispatcher_unit or case.first_unit
        apply(
            case,
            user,
            member,
            "return",
            to_state=S.ACCEPTED,
            changes={"current_unit": back_to, "reason": reason, "handler": None},
            details={"reason": reason, "to_unit": back_to.code},
        )

    return run(user, case, "return", expected_version, body)


def start_case(user, case, *, expected_version=None):
    """The handling unit takes it up (处置/调解); the actor becomes the handler."""
    return run(
        user,
        case,
        "start",
        expected_version,
        lambda case, member: apply(case, user, member, "start", to_state=S.IN_PROGRESS, changes={"handler": user}),
    )


def request_materials(user, case, *, items, expected_version=None):
    """补办: one notice listing everything missing; the clock stops until it arrives."""
    items = [str(item).strip() for item in (items or []) if str(item).strip()]
    require(items, "items", _("List what is missing."))

    def body(case, member):
        notice = SupplementNotice.objects.create(case=case, items=items, issued_by=user)
        apply(
            case,
            user,
            member,
            "request_materials",
            to_state=S.AWAITING_MATERIALS,
            details={"items": items, "notice": notice.pk},
        )

    return run(user, case, "request_materials", expected_version, body)


def materials_received(user, case, *, note="", expected_version=None):
    def body(case, member):
        SupplementNotice.objects.filter(case=case, fulfilled_at__isnull=True).update(fulfilled_at=timezone.now())
        apply(
            case, user, member, "materials_received", to_state=case.paused_from or S.IN_PROGRESS, details={"note": note}
        )

    return run(user, case, "materials_received", expected_version, body)


def request_extension(user, case, *, days, reason, expected_version=None):
    """延期: more working days for this stage, if a supervisor approves."""
    require(reason, "reason", _("Say why more time is needed."))
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 60:
        raise InvalidInput(fields={"days": [_("Ask for between 1 and 60 working days.")]})
    return _open_request(user, case, RequestKind.EXTENSION, reason, days, expected_version)


def request_deferral(user, case, *, reason, expected_version=None):
    """缓办: put the case on hold, if a supervisor approves; the clock stops."""
    require(reason, "reason", _("Say why the case should wait."))
    return _open_request(user, case, RequestKind.DEFERRAL, reason, None, expected_version)


def _open_request(user, case, kind, reason, days, expected_version):
    action = f"request_{kind}"

    def body(case, member):
        if CaseRequest.objects.filter(case=case, kind=kind, decision=Decision.PENDING).exists():
            raise IllegalTransition(_("A request of this kind is already waiting for a decision."))
        request = CaseRequest.objects.create(case=case, kind=kind, reason=reason, days=days, requested_by=user)
        apply(case, user, member, action, details={"request": request.pk, "reason": reason, "days": days})
        return request

    return run(user, case, action, expected_version, body)


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
            apply(case, user, member, "extension_approved", changes=changes, details=details)
        elif approve:
            apply(
                case,
                user,
                member,
                "deferral_approved",
                to_state=S.DEFERRED,
                changes={"reason": locked.reason},
                details=details,
            )
        else:
            apply(case, user, member, f"{locked.kind}_refused", details=details)
        return locked

    return run(user, request.case, "decide_request", expected_version, body)


def resume_case(user, case, *, note="", expected_version=None):
    """End a deferral; the clock runs again from where it stopped."""
    return run(
        user,
        case,
        "resume",
        expected_version,
        lambda case, member: apply(
            case, user, member, "resume", to_state=case.paused_from or S.IN_PROGRESS, details={"note": note}
        ),
    )


def resolve_case(user, case, *, result, expected_version=None):
    """办结反馈: the handler reports it done, with what was done."""
    require(result, "result", _("Describe the result."))

    def body(case, member):
        if case.kind == CaseKind.DISPUTE and mediating(case):
            agreement = Agreement.objects.filter(case=case).first()
            if agreement is not None and not agreement.effective:
                raise IllegalTransition(_("The agreement is not signed yet: record every party's signature first."))
        apply(
            case,
            user,
            member,
            "resolve",
            to_state=S.RESOLVED,
            changes={"resolved_by": user, "resolved_at": timezone.now()},
            details={"result": result},
        )

    return run(user, case, "resolve", expected_version, body)


def verify_case(user, case, *, passed, note="", expected_version=None):
    """核查 by someone other than the handler; a failure sends it back as rework (返工)."""

    def body(case, member):
        if user.pk in (case.resolved_by_id, case.handler_id):
            raise NotAllowed(_("The case must be verified by someone other than its handler."))
        if passed:
            apply(case, user, member, "verify", to_state=S.VERIFIED, details={"passed": True, "note": note})
        else:
            require(note, "note", _("Say what is still wrong."))
            apply(
                case,
                user,
                member,
                "verify_failed",
                to_state=S.IN_PROGRESS,
                changes={"rework_count": case.rework_count + 1, "resolved_at": None},
                details={"passed": False, "note": note},
            )

    return run(user, case, "verify", expected_version, body)


def close_case(user, case, *, note="", expected_version=None):
    """结案."""
    return run(
        user,
        case,
        "close",
        expected_version,
        lambda case, member: apply(
            case,
            user,
            member,
            "close",
            to_state=S.CLOSED,
            changes={"closed_at": timezone.now()},
            details={"note": note},
        ),
    )
