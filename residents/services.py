"""What a resident may do without an account (the face at /r/ calls these; views stay thin).

A phone number is proved by a code sent to it (`request_code`, `verify_code` → a signed token
good for a while); a report needs that token, and both steps count against limits per number and
per client address in the shared cache, so nobody floods the centre anonymously. Reports go
through the intake service like every other (source `web`, the device-made id: a resend stores
nothing twice). Following shows what happened in plain words, the unit that did it and when,
the deadline, and nothing personal; a resident rates once and complains once.
"""

import datetime
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.db.models.functions import PointOnSurface
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from desk import places as desk_places
from disputes import intake, notices, reference, timeline, workflow
from disputes.lifecycle import OPEN_STATES, CaseState
from disputes.models import Case, Report, Satisfaction
from grid.models import GridCell
from sms import services as sms
from supervision import services as supervision
from supervision.models import Complaint

from . import limits

CODE_TTL = 600  # seconds a verification code stays valid
CODE_TRIES = 5  # wrong codes before it is void
TOKEN_MAX_AGE = 2 * 3600  # seconds a verified number may report without a new code
TOKEN_SALT = "residents.phone"
RATEABLE = (CaseState.RESOLVED, CaseState.VERIFIED, CaseState.CLOSED)
CHANNEL_USERNAME = "resident-web"


def rate(name, default):
    return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(name) or default


def _mobile(phone):
    number = sms.mobile(phone)
    if not number:
        raise InvalidInput(fields={"phone": [_("Give a mainland mobile number of 11 digits.")]})
    return number


def _code_key(number):
    return "residents:code:" + hashlib.sha256(number.encode()).hexdigest()[:32]


def _digest(code):
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def request_code(phone, *, address):
    """Send a 6-digit code to `phone` (limits per number and per address)."""
    number = _mobile(phone)
    limits.spend("code-address", address, rate("resident_code_address", "20/hour"))
    limits.spend("code-phone", number, rate("resident_code", "5/hour"))
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_code_key(number), {"digest": _digest(code), "tries": 0}, CODE_TTL)
    with transaction.atomic():
        sms.queue(number, event=f"verify:{uuid.uuid4()}", template="verification_code", params={"code": code})
    return number


def verify_code(phone, code):
    """The token that proves `phone` for TOKEN_MAX_AGE seconds, or a clear refusal."""
    number = _mobile(phone)
    key = _code_key(number)
    stored = cache.get(key)
    wrong = InvalidInput(fields={"code": [_("This code is wrong or has expired: ask for a new one.")]})
    if not stored:
        raise wrong
    if not hmac.compare_digest(stored["digest"], _digest(str(code or "").strip())):
        stored["tries"] += 1
        if stored["tries"] >= CODE_TRIES:
            cache.delete(key)
        else:
            cache.set(key, stored, CODE_TTL)
        raise wrong
    cache.delete(key)
    return signing.dumps({"phone": number}, salt=TOKEN_SALT)


def verified_phone(token):
    try:
        return signing.loads(str(token or ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)["phone"]
    except (signing.BadSignature, KeyError, TypeError):
        raise InvalidInput(
            _("Confirm your phone number with the code sent to it first."),
            fields={"token": [_("Confirm your phone number with the code sent to it first.")]},
        ) from None


def channel_account():
    """The account the web channel reports as (no password, cannot sign in); made on first use."""
    user, created = get_user_model().objects.get_or_create(
        username=CHANNEL_USERNAME, defaults={"is_active": False, "last_name": _("Residents (web)")}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def submit_report(data, *, token, address):
    """A resident's report: a verified number, within the limits, through intake (source `web`)."""
    phone = verified_phone(token)
    # A resend of a stored report is not a new attempt: intake answers it with what it stored.
    # When the page sent no time, the stored report's is the one it meant: "now" on the resend would
    # differ by the seconds between them, and intake would take the same id with other content for
    # a conflict.
    stored = Report.objects.filter(pk=data["id"]).values_list("occurred_at", flat=True).first()
    if stored is None:
        limits.spend("report-address", address, rate("resident_report_address", "30/hour"))
        limits.spend("report-phone", phone, rate("resident_report", "10/hour"))
    payload = {
        "id": data["id"],
        "source": "web",
        "category": data.get("category"),
        "description": data.get("description") or "",
        "lon": data.get("lon"),
        "lat": data.get("lat"),
        "accuracy_m": data.get("accuracy_m"),
        "occurred_at": data.get("occurred_at") or stored or timezone.now().replace(microsecond=0),
        "severity": 1,
        "contact_phone": phone,
        "photos": [{"sha256": sha, "purpose": "evidence"} for sha in data.get("photos") or []],
    }
    return intake.submit_report(channel_account(), payload, vouched=True)


def places(query, limit=10):
    """Villages, grid cells and the county's places (landmarks, 门牌 addresses) by name, pinyin or
    initials, each with a point inside it: the desk's one search (desk.places), over the whole county."""
    return [
        {"name": row["name"], "within": row["detail"], "lon": row["lon"], "lat": row["lat"]}
        for row in desk_places.search(None, query, limit=limit)
    ][:limit]


def follow(number, code):
    """The case as a resident sees it: state, timeline in words, deadline, nothing personal."""
    case = workflow.find_for_resident(number, code)
    entries = case.audit.select_related("unit").order_by("seq")
    is_open = case.state in OPEN_STATES
    return {
        "number": case.number,
        "state": case.state,
        "state_display": case.get_state_display(),
        "category": case.category.name,
        "created_at": case.created_at,
        "due_at": case.due_at if is_open else None,
        "closed_at": case.closed_at,
        "rating": case.resident_rating,
        "can_rate": case.state in RATEABLE and not case.resident_rating,
        "can_complain": not _complained(case),
        "timeline": [
            {
                "action": entry.action,
                "label": str(timeline.LABELS.get(entry.action, entry.action)),
                "unit": entry.unit.name if entry.unit_id else "",
                "at": entry.at,
            }
            for entry in entries
        ],
    }


def rate_case(number, code, satisfaction, reason=""):
    """Rate once; 不满意 with its reason reaches the centre as a complaint unless one was made."""
    with transaction.atomic():
        case = workflow.rate_case(number, code, satisfaction, reason)
        if satisfaction == Satisfaction.UNSATISFIED and not _complained(case):
            supervision.complain(case, text=reason, contact_phone=_contact(case))
    return case


def complain(number, code, text):
    case = workflow.find_for_resident(number, code)
    if not str(text or "").strip():
        raise InvalidInput(fields={"text": [_("Say what is wrong with the handling.")]})
    return supervision.complain(case, text=str(text).strip(), contact_phone=_contact(case))


# --- complaints (supervision's) ----------------------------------------------------------


def _complained(case):
    return Complaint.objects.filter(case_id=case.pk).exists()


def _contact(case):
    """The phone a resident gave when reporting the case (the complaint keeps it for the centre)."""
    return (
        Report.objects.filter(case=case, source__in=notices.TOLD_SOURCES)
        .exclude(contact_phone="")
        .values_list("contact_phone", flat=True)
        .first()
    )


# --- the public map -----------------------------------------------------------------------


def public_map(box, *, max_cells=2000, days=180):
    """Matters of the categories the county put on the map, in view: one dot per grid cell at its
    centre with counts (open, closed), no case, person or description."""
    shown = Q(category__in=sorted(reference.public_categories()))
    since = timezone.now() - datetime.timedelta(days=days)
    open_states = sorted(OPEN_STATES)
    rows = (
        Case.objects.filter(shown, cell__isnull=False, point__contained=box, created_at__gte=since)
        .values("cell_id")
        .annotate(
            open=Count("pk", filter=Q(state__in=open_states)),
            closed=Count("pk", filter=Q(state=CaseState.CLOSED)),
            total=Count("pk"),
        )
        .order_by("cell_id")[:max_cells]
    )
    counts = {row["cell_id"]: row for row in rows}
    cells = (
        GridCell.objects.filter(pk__in=counts)
        .select_related("village")
        .annotate(centre=PointOnSurface("boundary"))
        .order_by("code")
    )
    return [
        {
            "village": cell.village.name,
            "cell": cell.name,
            "lon": round(cell.centre.x, 6),
            "lat": round(cell.centre.y, 6),
            "open": counts[cell.pk]["open"],
            "closed": counts[cell.pk]["closed"],
            "total": counts[cell.pk]["total"],
        }
        for cell in cells
    ]
