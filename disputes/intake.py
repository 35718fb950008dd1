"""Intake: a report becomes a case exactly once, however often the phone retries.

The device makes the report's id. The insert is attempted first; the primary key's unique
constraint decides between concurrent retries (never check-then-insert). A retry whose
content matches what is stored gets the stored report back; a different report under the
same id is a conflict.
"""

import datetime
import hashlib
import json
import math
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import grid
from core.errors import InvalidInput, NotAllowed, ReportConflict
from grid.location import CoordinateError

from . import access, grading, notices, reference, workflow
from .lifecycle import OPEN_STATES
from .models import Case, CaseKind, Category, Party, PartyRole, PhotoPurpose, Report, ReportPhoto

DUPLICATE_RADIUS_M = 250
DUPLICATE_WINDOW = datetime.timedelta(days=7)
SHA256 = re.compile(r"^[0-9a-f]{64}$")

# The fields a device sends; only these decide whether a retry is "the same report".
CONTENT_FIELDS = (
    "id",
    "source",
    "category",
    "description",
    "lon",
    "lat",
    "accuracy_m",
    "occurred_at",
    "severity",
    "contact_name",
    "contact_phone",
    "resolved_on_site",
    "on_site_result",
    "parties",
    "photos",
)

OPTIONAL_CONTENT_FIELDS = ("on_behalf_of",)


@dataclass
class IntakeResult:
    report: Report
    case: Case
    created: bool
    duplicates: list = field(default_factory=list)
    # The photos written for a new report, as the receipt shows them (sha256, purpose), in the order
    # written; None for a stored report found again (the receipt reads them).
    photos: list | None = None


def content_hash(data):
    """A stable digest of what the device sent."""
    canonical = {}
    for name in CONTENT_FIELDS:
        value = data.get(name)
        if isinstance(value, datetime.datetime):
            value = value.astimezone(datetime.UTC).isoformat()
        elif isinstance(value, float):
            value = round(value, 7)
        elif isinstance(value, Category):
            value = value.code
        canonical[name] = value
    # Newer optional fields count only when given, so that reports stored before them keep their digest.
    for name in OPTIONAL_CONTENT_FIELDS:
        if data.get(name):
            canonical[name] = data[name]
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def submit_report(reporter, data, *, vouched=False):
    """Store the report and open its case, or return what a previous attempt stored.

    `vouched`: the caller has already established that this reporter may report without a membership
    (an Open311 client's service user, admitted by its api_key; the resident web channel's account,
    admitted by a phone number verified by SMS).
    """
    if not (vouched or reporter.is_superuser or access.memberships(reporter)):
        raise NotAllowed(_("Only members of a unit may report events."))
    category = _category(data.get("category"))
    data = {**data, "category": category}
    digest = content_hash(data)
    location = _locate(data.get("lon"), data.get("lat"))
    _validate(data, category)

    photos = _distinct_photos(data.get("photos") or [])
    report = Report(
        id=data["id"],
        content_hash=digest,
        source=data["source"],
        category=category,
        description=data["description"].strip(),
        point=location.point,
        accuracy_m=data.get("accuracy_m"),
        cell=location.cell,
        region=location.village or location.township or location.county,
        occurred_at=data["occurred_at"],
        received_at=timezone.now(),
        reporter=reporter,
        contact_name=data.get("contact_name") or "",
        contact_phone=data.get("contact_phone") or "",
        severity=data.get("severity") or 1,
        resolved_on_site=bool(data.get("resolved_on_site")),
        on_site_result=data.get("on_site_result") or "",
        on_behalf_of=(data.get("on_behalf_of") or "").strip(),
        parties=data.get("parties") or [],
    )
    try:
        with transaction.atomic():
            # The case first, so the report row goes in once, complete; if the id is taken,
            # the insert fails and the whole block (case included) rolls back.
            case = workflow.open_case(report, location, grade=grading.intake_grade(report))
            report.case = case
            report.save(force_insert=True)
            if photos:
                ReportPhoto.objects.bulk_create(
                    [ReportPhoto(report=report, sha256=p["sha256"], purpose=p["purpose"]) for p in photos]
                )
            notices.report_received(report, case)
    except IntegrityError:
        stored = Report.objects.select_related("case").filter(pk=data["id"]).first()
        if stored is None:
            raise
        # Someone else's id is a conflict too: a receipt would hand over its verification code.
        if stored.content_hash != digest or stored.reporter_id != reporter.pk:
            raise ReportConflict() from None
        # A retry gets the same answer as the first attempt, suggestions included.
        return IntakeResult(stored, stored.case, created=False, duplicates=suggest_duplicates(stored.case))
    return IntakeResult(report, case, created=True, duplicates=suggest_duplicates(case), photos=photos)


def _distinct_photos(photos):
    """One row per photo: a list naming the same SHA-256 twice is one photo, a result photo if
    any mention says so (the unique constraint would otherwise refuse the report on every retry)."""
    by_sha = {}
    for photo in photos:
        purpose = photo.get("purpose") or PhotoPurpose.EVIDENCE
        known = by_sha.setdefault(photo["sha256"], purpose)
        if known != PhotoPurpose.RESULT and purpose == PhotoPurpose.RESULT:
            by_sha[photo["sha256"]] = purpose
    return [{"sha256": sha, "purpose": purpose} for sha, purpose in by_sha.items()]


def _locate(lon, lat):
    try:
        location = grid.locate(lon, lat)
    except CoordinateError as error:
        raise InvalidInput(str(error), fields={"lon": [str(error)], "lat": [str(error)]}) from None
    if not location:
        message = _("The location (%(lon)s, %(lat)s) lies outside every boundary this system serves.") % {
            "lon": lon,
            "lat": lat,
        }
        raise InvalidInput(message, fields={"lon": [message], "lat": [message]})
    return location


def _category(value):
    category = value if isinstance(value, Category) else (reference.active_category(value) if value else None)
    if category is None or not category.active:
        message = _("Unknown category “%(code)s”.") % {"code": value}
        raise InvalidInput(message, fields={"category": [message]})
    return category


def occurred_bounds(now=None):
    """The earliest and latest time a reported event may have happened (settings.REPORT_*)."""
    earliest = timezone.make_aware(datetime.datetime.combine(settings.REPORT_EARLIEST_DATE, datetime.time()))
    latest = (now or timezone.now()) + datetime.timedelta(minutes=settings.REPORT_CLOCK_SKEW_MINUTES)
    return earliest, latest


def _validate(data, category):
    errors = {}
    if not (data.get("description") or "").strip():
        errors["description"] = [_("Describe what happened.")]
    occurred = data.get("occurred_at")
    if occurred is None:
        errors["occurred_at"] = [_("Say when it happened.")]
    else:
        earliest, latest = occurred_bounds()
        if occurred < earliest:
            errors["occurred_at"] = [
                _("The time it happened lies before %(earliest)s: check the phone's date.")
                % {"earliest": timezone.localtime(earliest).date().isoformat()}
            ]
        elif occurred > latest:
            errors["occurred_at"] = [_("The time it happened lies in the future: check the phone's clock.")]
    severity = data.get("severity") or 1
    if not 1 <= int(severity) <= 4:
        errors["severity"] = [_("Severity runs from 1 to 4.")]
    photos = data.get("photos") or []
    bad = [p.get("sha256") for p in photos if not SHA256.match(str(p.get("sha256") or ""))]
    if bad:
        errors["photos"] = [_("A photo is named by the SHA-256 of its bytes: 64 lowercase hex digits.")]
    if data.get("resolved_on_site"):
        if not (data.get("on_site_result") or "").strip():
            errors["on_site_result"] = [_("Describe how it was settled on the spot.")]
        if not any(p.get("purpose") == PhotoPurpose.RESULT for p in photos):
            errors["photos"] = [_("A matter settled on the spot needs a photo of the result.")]
    parties = data.get("parties") or []
    if parties and category.kind != CaseKind.DISPUTE:
        errors["parties"] = [_("Only disputes have parties.")]
    for index, party in enumerate(parties):
        candidate = Party(
            name=party.get("name") or "",
            role=party.get("role") or PartyRole.APPLICANT,
            id_number=(party.get("id_number") or "").upper(),
            phone=party.get("phone") or "",
            address=party.get("address") or "",
        )
        try:
            candidate.full_clean(exclude=["case"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"parties[{index}].{name}", []).extend(messages)
    if errors:
        raise InvalidInput(fields=errors)


def suggest_duplicates(case):
    """Open cases of the same or a related category (its siblings) within 250 m and 7 days:
    offered, never imposed. `case` needs only `pk`, `point`, `category_id` and `created_at`, so a
    call not yet taken can be a probe."""
    found = nearby_duplicates([case]).get(case.pk, {})
    if not found:
        return []
    return list(Case.objects.filter(pk__in=found).order_by("-created_at")[:10])


def nearby_duplicates(cases):
    """{case pk: {pk: category pk of each open case that may be it again}} for many cases in one
    round trip per hundred (a page of the case list, or one new report).

    One indexed query per case for the candidates in a bounding box around its point, joined with
    UNION ALL, then the exact great-circle distance in Python: the same answer on both databases,
    and far cheaper than compiling the ORM's geography lookups.
    """
    cases = [case for case in cases if case.point is not None]
    states = sorted(OPEN_STATES)
    dlat = DUPLICATE_RADIUS_M / 111_000
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        in_box = "point && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    else:
        in_box = (
            "disputes_case.id IN (SELECT pkid FROM idx_disputes_case_point"
            " WHERE xmin <= %s AND xmax >= %s AND ymin <= %s AND ymax >= %s)"
        )
    branches = []
    for n, case in enumerate(cases):
        point = case.point
        dlon = dlat / max(0.01, abs(math.cos(math.radians(point.y))))
        box = (point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat)
        if not postgresql:
            box = (box[2], box[0], box[3], box[1])
        family = reference.category_family(case.category_id)
        sql = (
            f"SELECT * FROM (SELECT {n} AS origin, id, category_id, ST_X(point) AS x, ST_Y(point) AS y"
            " FROM disputes_case"
            f" WHERE {in_box} AND category_id IN ({', '.join(['%s'] * len(family))})"
            f" AND state IN ({', '.join(['%s'] * len(states))}) AND created_at >= %s AND id <> %s"
            f" ORDER BY created_at DESC LIMIT 50) AS branch{n}"
        )
        since = connection.ops.adapt_datetimefield_value(case.created_at - DUPLICATE_WINDOW)
        branches.append((sql, [*box, *family, *states, since, case.pk or 0]))
    found = {}
    with connection.cursor() as cursor:
        # SQLite allows 500 terms in a compound SELECT: a hundred at a time.
        for first in range(0, len(branches), 100):
            chunk = branches[first : first + 100]
            sql = " UNION ALL ".join(branch for branch, _params in chunk)
            cursor.execute(sql, [value for _branch, params in chunk for value in params])
            for n, pk, category_id, x, y in cursor.fetchall():
                point = cases[n].point
                if _metres(point.x, point.y, x, y) <= DUPLICATE_RADIUS_M:
                    found.setdefault(cases[n].pk, {})[pk] = category_id
    return found


def _metres(lon1, lat1, lon2, lat2):
    """Great-circle distance on the mean Earth sphere (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))
