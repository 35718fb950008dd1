"""The closed loop and the mediation: every change of a case is one verb function in this package.

- `catalogue`: the acts a case allows, each declared once (states, who, verb, serializer, path, title…);
- `core`: the public core every verb runs on (`run`, `apply`, `record`), the clock and `allowed_actions`;
- `loop`: 受理 → 派遣 → 处置 → 办结 → 核查 → 结案 and its detours;
- `mediation`: the People's Mediation Law's records;
- `opening`: a report's case, graded and routed; `residents`: look-up and rating without an account.

The linkage chain's verbs (escalate, summon, answer) are in `disputes.linkage.escalation` and the
regrade in `disputes.grading`; they run on the same core. Nothing else writes a case's state.
"""

from .core import DEFAULT_LIMITS, allowed_actions, compute_due, stage_limit
from .loop import (
    accept_case,
    close_case,
    decide_request,
    dispatch_case,
    materials_received,
    merge_case,
    reject_case,
    request_deferral,
    request_extension,
    request_materials,
    resolve_case,
    resume_case,
    return_case,
    start_case,
    verify_case,
)
from .mediation import (
    CONFIRMATION_WINDOW_DAYS,
    MEDIATION_DAYS,
    add_party,
    edit_party,
    extend_mediation,
    record_agreement,
    record_confirmation,
    record_follow_up,
    record_session,
    register_mediation,
    sign_agreement,
)
from .opening import initial_unit, open_case
from .residents import find_for_resident, rate_case

__all__ = [
    "CONFIRMATION_WINDOW_DAYS",
    "DEFAULT_LIMITS",
    "MEDIATION_DAYS",
    "accept_case",
    "add_party",
    "edit_party",
    "allowed_actions",
    "close_case",
    "compute_due",
    "decide_request",
    "dispatch_case",
    "extend_mediation",
    "find_for_resident",
    "initial_unit",
    "materials_received",
    "merge_case",
    "open_case",
    "rate_case",
    "record_agreement",
    "record_confirmation",
    "record_follow_up",
    "record_session",
    "register_mediation",
    "reject_case",
    "request_deferral",
    "request_extension",
    "request_materials",
    "resolve_case",
    "resume_case",
    "return_case",
    "sign_agreement",
    "stage_limit",
    "start_case",
    "verify_case",
]
