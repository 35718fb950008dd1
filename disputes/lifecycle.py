"""The states of a case, which of them run a clock, and what counts as overdue: defined here once.

Everything else derives from these: the models (`Case.is_overdue`, `CaseQuerySet.open`), the
closed loop's clock (`disputes.workflow.core`), the sweeper, the figures and the wall, the API's
`overdue` filter and field, and the JavaScript of every face (`js_config`, in each page's config).
"""

from django.db.models import Q, TextChoices
from django.utils.translation import gettext_lazy as _


class CaseState(TextChoices):
    REPORTED = "reported", _("reported")  # 上报
    ACCEPTED = "accepted", _("accepted")  # 受理/立案
    REJECTED = "rejected", _("rejected")  # 不予受理
    MERGED = "merged", _("merged")  # 合并
    DISPATCHED = "dispatched", _("dispatched")  # 派遣
    IN_PROGRESS = "in_progress", _("in progress")  # 处置/调解
    AWAITING_MATERIALS = "awaiting_materials", _("awaiting materials")  # 补办
    DEFERRED = "deferred", _("deferred")  # 缓办
    RESOLVED = "resolved", _("resolved")  # 办结反馈
    VERIFIED = "verified", _("verified")  # 核查
    CLOSED = "closed", _("closed")  # 结案


class Stage(TextChoices):
    """The stages that carry a time limit."""

    ACCEPT = "accept", _("acceptance")  # 受理
    DISPATCH = "dispatch", _("dispatch")  # 派遣
    HANDLE = "handle", _("handling")  # 处置
    VERIFY = "verify", _("verification")  # 核查
    CLOSE = "close", _("closure")  # 结案


S = CaseState

# The stage (and so the clock) each running state is under.
STATE_STAGE = {
    S.REPORTED: Stage.ACCEPT,
    S.ACCEPTED: Stage.DISPATCH,
    S.DISPATCHED: Stage.HANDLE,
    S.IN_PROGRESS: Stage.HANDLE,
    S.RESOLVED: Stage.VERIFY,
    S.VERIFIED: Stage.CLOSE,
}
# A clock stopped: 补办 (awaiting materials) and 缓办 (deferred).
PAUSED_STATES = frozenset({S.AWAITING_MATERIALS, S.DEFERRED})
# Open: not yet closed, rejected or merged away.
OPEN_STATES = frozenset(STATE_STAGE) | PAUSED_STATES
# Open with its clock running: the states in which a case can be overdue.
TICKING_STATES = frozenset(STATE_STAGE)
CLOSED_STATES = frozenset(S) - OPEN_STATES
# Open and still being handled: the result is not reported yet (办结 comes next).
IN_HAND_STATES = OPEN_STATES - {S.RESOLVED, S.VERIFIED}


def overdue(now):
    """A Q selecting the cases overdue at `now`: open, clock running, past the due time."""
    return Q(state__in=sorted(TICKING_STATES), due_at__lt=now)


def is_overdue(state, due_at, now):
    """The same rule for one case in memory."""
    return state in TICKING_STATES and due_at is not None and due_at < now


def js_config():
    """The state sets as every face's JavaScript reads them from its page config."""
    return {
        "open": sorted(OPEN_STATES),
        "paused": sorted(PAUSED_STATES),
        "ticking": sorted(TICKING_STATES),
        "in_hand": sorted(IN_HAND_STATES),
    }
