"""Open311 GeoReport v2 over gridgov: clients and their keys, the services offered, requests posted
through the intake service, and the public view of requests.

What a request shows is what a resident's own look-up shows (disputes.workflow.residents and
PublicCaseSerializer): number, state, category, times; never a description, a name, a phone or a
unit. Only incidents (事件) of a category the county made public are shown, never disputes (纠纷),
and the place is the centre of the grid cell (of the village when no cell holds it).
"""

import datetime
import hashlib
import secrets
import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.gis.db.models.functions import Centroid
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ReportConflict, WorkflowError
from core.params import DateTimeParamField
from disputes import intake, reference
from disputes.categories import active_tree
from disputes.lifecycle import OPEN_STATES, CaseState
from disputes.models import AuditEntry, Case, CaseKind, Report, ReportSource
from grid.models import GridCell, Region

from . import errors
from .models import Client

KEY_PREFIX = "o311_"
# The spec's default window and its cap on one answer ("90 days or 1000 requests, whichever is smallest").
WINDOW = datetime.timedelta(days=90)
LIMIT = 1000
# A client's own request ids become report ids in this namespace, per client: two clients may use the
# same id without meeting, and the same id from the same client is the same report (resends are harmless).
REQUEST_NAMESPACE = uuid.UUID("5b0c0f8e-3a44-4c55-9b1e-0f311a7e0001")
MAX_DESCRIPTION = 4000  # the spec's limit


# --- clients and their keys ---------------------------------------------------------------


def _digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key():
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, _digest(key), key[: len(KEY_PREFIX) + 6]


def create_client(name, contact=""):
    """A new client with its service user; returns (client, key). The key is not kept: show it once."""
    key, digest, prefix = _new_key()
    with transaction.atomic():
        user = get_user_model()(username=f"open311-{secrets.token_hex(6)}", last_name=name[:150], is_active=False)
        user.set_unusable_password()  # it acts only through its client's key, never signs in
        user.save()
        client = Client.objects.create(name=name, contact=contact, key_hash=digest, key_prefix=prefix, user=user)
    return client, key


def renew_key(client):
    """A new key for `client`; the old one stops working at once. Returns the key (show it once)."""
    key, digest, prefix = _new_key()
    Client.objects.filter(pk=client.pk).update(key_hash=digest, key_prefix=prefix, key_made_at=timezone.now())
    client.key_hash, client.key_prefix = digest, prefix
    return key


def client_for_key(key):
    """The active client holding `key`, else the spec's 403."""
    key = str(key or "").strip()
    if not key:
        raise errors.Open311Error(403, _("api_key was not provided: cannot proceed with create_request."))
    client = Client.objects.select_related("user").filter(key_hash=_digest(key), active=True).first()
    if client is None:
        raise errors.invalid_key()
    return client


# --- services: the active leaf categories -------------------------------------------------


def services():
    """Every active category without active children, with its parent's name as the group."""
    by_code = reference.categories.get()["by_code"]
    found = []

    def walk(nodes, path):
        for node in nodes:
            if node["children"]:
                walk(node["children"], [*path, node["name"]])
                continue
            category = by_code[node["code"]]
            found.append(
                {
                    "service_code": node["code"],
                    "service_name": node["name"],
                    "description": " / ".join([*path, node["name"]]),
                    "metadata": False,
                    "type": "realtime",
                    "keywords": ", ".join(_keywords(category)),
                    "group": path[-1] if path else node["name"],
                }
            )

    walk(active_tree(), [])
    return found


def _keywords(category):
    """The category's everyday words, then its ancestors' (a minor category often has none of its own)."""
    words = []
    node = category
    while node is not None:
        words.extend(node.keywords.split())
        node = node.parent
    return list(dict.fromkeys(words))


def service(code):
    for item in services():
        if item["service_code"] == code:
            return item
    raise errors.not_found(_("service_code"), code)


# --- posting a request ---------------------------------------------------------------------


def submit_request(client, params):
    """A posted request becomes a report through the intake service, source `open311`, reported by the
    client's service user. Returns (case, created). Nothing is stored unless everything is valid."""
    code = _one(params, "service_code")
    if not code:
        raise errors.missing("service_code")
    service(code)  # 404 for a code that is not an active leaf
    lat, lon = _one(params, "lat"), _one(params, "long")
    if not (lat and lon):
        if _one(params, "address_string") or _one(params, "address_id"):
            raise errors.Open311Error(400, _("lat and long are required: this server cannot place an address."))
        raise errors.missing("lat & long")
    try:
        lat, lon = float(lat), float(lon)
    except ValueError:
        raise errors.Open311Error(400, _("lat and long must be numbers (WGS84 degrees).")) from None
    description = _one(params, "description")
    if len(description) > MAX_DESCRIPTION:
        raise errors.Open311Error(400, _("description is limited to 4,000 characters."))
    own_id = _one(params, "client_request_id")
    if len(own_id) > 100:
        raise errors.Open311Error(400, _("client_request_id is limited to 100 characters."))
    name = (_one(params, "last_name") + _one(params, "first_name"))[:50]  # Chinese order
    data = {
        "id": uuid.uuid5(REQUEST_NAMESPACE, f"{client.pk}:{own_id}") if own_id else uuid.uuid4(),
        "source": ReportSource.OPEN311,
        "category": code,
        "description": description,
        "lon": lon,
        "lat": lat,
        "contact_name": name,
        "contact_phone": _one(params, "phone")[:30],
    }
    try:
        result = _submit(client, data)
    except WorkflowError as error:
        raise errors.Open311Error.from_workflow(error) from None
    return result.case, result.created


def _submit(client, data):
    """The intake, with the time a resend carries: the first attempt's receipt time is when it happened
    (a posted request names no time), so a resend is the same content and gets the stored report back."""
    for attempt in range(2):
        stored = Report.objects.filter(pk=data["id"], reporter=client.user).values_list("occurred_at", flat=True)
        stored = stored.first()
        data["occurred_at"] = stored or timezone.now()
        try:
            return intake.submit_report(client.user, data, vouched=True)
        except ReportConflict:
            # A twin posted at the same moment stored it first, with its own time: once more, with that time.
            if attempt or stored is not None:
                raise


def _one(params, name):
    return str(params.get(name) or "").strip()


# --- the public view of requests -----------------------------------------------------------


def _public_categories():
    """{pk: category} of the active incident categories the county made public (the same ones as the
    resident's map, disputes.reference.public_categories); never a dispute's."""
    public = reference.public_categories()
    rows = reference.categories.get()["by_pk"].values()
    return {c.pk: c for c in rows if c.active and c.kind == CaseKind.INCIDENT and c.pk in public}


def public_cases():
    """The cases anyone may read through Open311 (the start of every public query)."""
    return Case.objects.filter(kind=CaseKind.INCIDENT, category__in=sorted(_public_categories()), number__isnull=False)


_date_field = DateTimeParamField()


def _date(params, name):
    value = _one(params, name)
    if not value:
        return None
    try:
        return _date_field.clean(value)
    except forms.ValidationError as error:
        raise errors.Open311Error(400, f"{name}: {' '.join(error.messages)}") from None


def _list(params, name):
    return [item.strip() for item in _one(params, name).split(",") if item.strip()]


def find_requests(params):
    """GET requests: by ids (which override all else), or by service codes, status and a window of at most
    90 days (the last 90 by default), newest first, at most 1000; never a count or an offset."""
    cases = public_cases()
    ids = _list(params, "service_request_id")
    if ids:
        return _rows(cases.filter(number__in=ids[:LIMIT]))
    codes = _list(params, "service_code")
    if codes:
        by_code = reference.categories.get()["by_code"]
        unknown = [code for code in codes if code not in by_code]
        if unknown:
            raise errors.not_found(_("service_code"), ", ".join(unknown))
        cases = cases.filter(category__in=[by_code[code].pk for code in codes])
    statuses = set(_list(params, "status"))
    if statuses - {"open", "closed"}:
        raise errors.Open311Error(400, _("status is open or closed, or both, comma delimited."))
    if statuses == {"open"}:
        cases = cases.filter(state__in=sorted(OPEN_STATES))
    elif statuses == {"closed"}:
        cases = cases.exclude(state__in=sorted(OPEN_STATES))
    start, end = _date(params, "start_date"), _date(params, "end_date")
    if start and end:
        if end < start:
            raise errors.Open311Error(400, _("end_date lies before start_date."))
        if end - start > WINDOW:
            raise errors.Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    elif start:
        end = start + WINDOW
    else:
        end = end or timezone.now()
        start = end - WINDOW
    cases = cases.filter(created_at__gte=start, created_at__lte=end)
    return _rows(cases)


def find_request(number):
    rows = _rows(public_cases().filter(number=number))
    if not rows:
        raise errors.not_found(_("service_request_id"), number)
    return rows


def _rows(cases):
    """The public fields of at most LIMIT cases, newest first: three queries whatever their number."""
    cases = list(
        cases.order_by("-created_at", "-pk").values(
            "pk", "number", "state", "category_id", "cell_id", "region_id", "created_at"
        )[:LIMIT]
    )
    if not cases:
        return []
    updated = dict(
        AuditEntry.objects.filter(case__in=[c["pk"] for c in cases])
        .values("case")
        .annotate(last=Max("at"))
        .values_list("case", "last")
    )
    centres = _centres(GridCell, {c["cell_id"] for c in cases if c["cell_id"]})
    centres.update(
        {("region", pk): xy for pk, xy in _centres(Region, {c["region_id"] for c in cases if not c["cell_id"]}).items()}
    )
    categories = reference.categories.get()["by_pk"]
    rows = []
    for case in cases:
        category = categories[case["category_id"]]
        lon, lat = centres.get(case["cell_id"]) if case["cell_id"] else centres.get(("region", case["region_id"]))
        rows.append(
            {
                "service_request_id": case["number"],
                "status": "open" if case["state"] in OPEN_STATES else "closed",
                "status_notes": str(CaseState(case["state"]).label),
                "service_name": category.name,
                "service_code": category.code,
                "description": "",
                "agency_responsible": "",
                "service_notice": "",
                "requested_datetime": w3(case["created_at"]),
                "updated_datetime": w3(updated.get(case["pk"]) or case["created_at"]),
                "expected_datetime": None,
                "address": "",
                "address_id": "",
                "zipcode": "",
                "lat": lat,
                "long": lon,
                "media_url": "",
            }
        )
    return rows


def _centres(model, pks):
    """{pk: (lon, lat)} of the areas' centroids, rounded to about a metre."""
    if not pks:
        return {}
    found = model.objects.filter(pk__in=sorted(pks)).order_by().annotate(centre=Centroid("boundary"))
    found = found.values_list("pk", "centre")
    return {pk: (round(centre.x, 5), round(centre.y, 5)) for pk, centre in found}


def w3(moment):
    """The spec's date-time: ISO 8601 with the offset, in the installation's time zone, whole seconds."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def posted(case, created):
    """The answer to a POST: the case number is the service_request_id; the notice gives the resident's
    verification code, so the person who reported can follow the matter on the resident look-up."""
    notice = _("Received as case %(number)s; verification code %(code)s.") % {
        "number": case.number,
        "code": case.verification_code,
    }
    return [{"service_request_id": case.number, "service_notice": notice, "account_id": None}]
