"""12345 hotline work orders (工单): a platform's export file in, the results file back out.

A file is read (CSV in UTF-8 or GBK; a title row above the header is skipped), its columns are
mapped to our fields by the unit's remembered `ColumnMapping` (or the defaults, which fit the common
export), and every row is checked: its number, when it was received, the caller's phone, its
category (found as the field faces find one, by name, everyday words and pinyin; with nothing
found it goes under 其他 with a warning) and where it happened (the village named in the address,
placed in its grid cell by intake like any report). `preview` answers that per row and writes
nothing; `import_orders` takes each good row as a hotline call through `desk.services.take_call`
and keeps its work order beside the report, each in its own savepoint.

Importing the same order twice adds nothing: the work order's unique number decides, also between
two imports running at once (the loser's savepoint is rolled back, its row reported as already
imported).
"""

import csv
import datetime
import io
import os
import re
import tempfile
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.errors import InvalidInput, NotAllowed, WorkflowError
from disputes import access, categories, intake
from disputes.models import AuditEntry, CaseKind, CaseState
from disputes.workflow.core import record
from grid.models import Region, RegionLevel
from ledgers.registers import Column
from ledgers.writers import CsvSink

from . import places, services
from .models import ColumnMapping, Outcome, Place, WorkOrder

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10  # a title row (or a few) may stand above the header


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    required: bool
    headers: tuple  # the default header first, then what other platforms call it


FIELDS = (
    Field(
        "number", pgettext_lazy("12345 column", "work order number"), True, ("工单编号", "工单号", "受理编号", "编号")
    ),
    Field(
        "received_at",
        pgettext_lazy("12345 column", "received at"),
        True,
        ("来电时间", "受理时间", "登记时间", "创建时间"),
    ),
    Field("caller", pgettext_lazy("12345 column", "caller"), False, ("来电人", "诉求人", "姓名", "联系人")),
    Field("phone", pgettext_lazy("12345 column", "phone"), True, ("联系电话", "来电号码", "电话", "手机号码")),
    Field("category", pgettext_lazy("12345 column", "category"), True, ("诉求类型", "事项分类", "问题分类", "类别")),
    Field(
        "description",
        pgettext_lazy("12345 column", "what happened"),
        True,
        ("诉求内容", "工单内容", "问题描述", "内容"),
    ),
    Field("address", pgettext_lazy("12345 column", "address"), True, ("事发地址", "地址", "事发地点", "问题地址")),
    Field("township", pgettext_lazy("12345 column", "township"), False, ("所属乡镇", "乡镇", "所属街道")),
    Field("urgency", pgettext_lazy("12345 column", "urgency"), False, ("紧急程度", "缓急程度")),
    Field(
        "days",
        pgettext_lazy("12345 column", "time limit (working days)"),
        False,
        ("办理时限（工作日）", "办理时限", "时限"),
    ),
    Field("unit", pgettext_lazy("12345 column", "unit passed to"), False, ("转办单位", "承办单位", "处理单位")),
)
FIELD_KEYS = [f.key for f in FIELDS]
DEFAULT_COLUMNS = {f.key: f.headers[0] for f in FIELDS}

# 一般 / 较急 / 紧急 / 特急 → a report's severity (1–4).
URGENCY = {"一般": 1, "普通": 1, "较急": 2, "急": 2, "紧急": 3, "特急": 4, "特别紧急": 4}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}\d{7,8}|\d{7,8})$")
VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "嘎查", "村")


class Status:
    READY = "ready"  # preview: would be imported
    IMPORTED = "imported"
    ALREADY = "already"  # the order's number was imported before
    INVALID = "invalid"


STATUSES = {
    Status.READY: gettext_lazy("ready to import"),
    Status.IMPORTED: gettext_lazy("imported"),
    Status.ALREADY: gettext_lazy("already imported"),
    Status.INVALID: gettext_lazy("refused"),
}
RESULT_COLUMNS = [
    Column(pgettext_lazy("12345 result", "work order number"), 24),
    Column(pgettext_lazy("12345 result", "state"), 10),
    Column(pgettext_lazy("12345 result", "handling unit"), 20),
    Column(pgettext_lazy("12345 result", "reply"), 40),
    Column(pgettext_lazy("12345 result", "finished at"), 17, "datetime"),
    Column(pgettext_lazy("12345 result", "case number"), 16),
]


@dataclass
class RowResult:
    line: int
    number: str = ""
    status: str = Status.READY
    errors: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    category: str = ""
    place: str = ""
    case: object = None
    data: dict = field(default_factory=dict, repr=False)
    payload: dict = field(default_factory=dict, repr=False)

    def fail(self, key, message):
        self.errors.setdefault(key, []).append(str(message))
        self.status = Status.INVALID


@dataclass
class Outcome12345:
    columns: dict
    headers: list
    rows: list

    def counts(self):
        counts = dict.fromkeys((Status.READY, Status.IMPORTED, Status.ALREADY, Status.INVALID), 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts


def _file_error(message):
    return InvalidInput(message, fields={"file": [str(message)]})


# --- reading ----------------------------------------------------------------------------


def read_table(content, name=""):
    """The file's rows as lists of strings: (line number, cells). CSV only: an Excel file is refused
    with what to do instead (this installation has no Excel reader)."""
    if not content:
        raise _file_error(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise _file_error(_("The file is larger than %(mb)s MB: split it.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if content[:4] == b"PK\x03\x04" or content[:4] == b"\xd0\xcf\x11\xe0" or name.lower().endswith((".xlsx", ".xls")):
        raise _file_error(_("Excel files cannot be read here: save the sheet as CSV (UTF-8 or GBK) and upload that."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error(_("The file is neither UTF-8 nor GBK text: save it as CSV in one of these encodings."))
    if "\x00" in text:
        raise _file_error(_("The file is neither UTF-8 nor GBK text: save it as CSV in one of these encodings."))
    try:
        rows = [(line, [cell.strip() for cell in cells]) for line, cells in enumerate(csv.reader(io.StringIO(text)), 1)]
    except csv.Error as error:
        raise _file_error(_("The file is not a readable CSV: %(error)s") % {"error": error}) from None
    rows = [(line, cells) for line, cells in rows if any(cells)]
    if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise _file_error(_("The file holds more than %(rows)s orders: split it.") % {"rows": MAX_ROWS})
    return rows


def mapping_for(user):
    """The columns remembered for the user's unit, else the defaults."""
    unit = _unit_of(user)
    stored = ColumnMapping.objects.filter(unit=unit).first() if unit else None
    return {**DEFAULT_COLUMNS, **(stored.columns if stored else {})}


def _unit_of(user):
    members = access.memberships(user)
    return members[0].unit if members else None


def remember_mapping(user, columns):
    """Keep the columns a clerk confirmed for their unit's next file."""
    unit = _unit_of(user)
    if unit is None:
        return
    ColumnMapping.objects.update_or_create(unit=unit, defaults={"columns": columns, "updated_by": user})


def clean_columns(columns):
    """A mapping given by a clerk: only our fields, each to a header name."""
    if columns is None:
        return None
    if not isinstance(columns, dict):
        raise InvalidInput(fields={"columns": [_("Give the columns as a mapping of field to header.")]})
    unknown = sorted(set(columns) - set(FIELD_KEYS))
    if unknown:
        raise InvalidInput(fields={"columns": [_("Unknown fields: %(fields)s") % {"fields": "、".join(unknown)}]})
    return {key: str(value or "").strip() for key, value in columns.items()}


def _header(rows, columns):
    """Where the header is (the first row naming the work order number's column by its mapped or
    a usual name, within the first few rows) and the column index of each mapped field; a missing
    required column is refused."""
    names = {columns.get("number"), *FIELDS[0].headers} - {None, ""}
    position = next((at for at, (_line, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]) if names & set(cells)), 0)
    cells = rows[position][1] if rows else []
    index = {}
    missing = []
    for spec in FIELDS:
        header = columns.get(spec.key) or ""
        # A column not found under its mapped name is looked for under the names other platforms use.
        found = header if header in cells else next((name for name in spec.headers if name in cells), None)
        if found is not None:
            index[spec.key] = cells.index(found)
        elif spec.required:
            missing.append(f"{spec.label}（{header or '—'}）")
    if missing:
        message = _("The file lacks required columns: %(columns)s. Map them to the file's headers.") % {
            "columns": "、".join(missing)
        }
        raise InvalidInput(message, fields={"columns": [message]})
    return position, cells, index


# --- checking ---------------------------------------------------------------------------


class Gazetteer:
    """The villages, townships and places the user works in, to find the one an address names."""

    def __init__(self, user):
        prefixes = places._prefixes(user)
        regions = places._scoped(Region.objects.all(), "code", prefixes).filter(
            level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]
        )
        self.villages, self.townships = [], []
        for region in regions.only("pk", "name", "code", "level", "parent_id"):
            (self.villages if region.level == RegionLevel.VILLAGE else self.townships).append(region)
        self.places = list(
            places._scoped(Place.objects.all(), "region__code", prefixes).only("name", "point", "region")
        )
        self._points = {}

    @staticmethod
    def _stem(name):
        for suffix in VILLAGE_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                return name[: -len(suffix)]
        return name

    def find(self, address, township_name=""):
        """(lon, lat, what was found, warning or None), or raise InvalidInput naming why not."""
        text = "".join(address.split())
        townships = [t for t in self.townships if t.name in text or (township_name and t.name == township_name)]
        candidates = []
        for village in self.villages:
            if village.name in text:
                candidates.append((len(village.name), True, village))
            else:
                stem = self._stem(village.name)
                if stem != village.name and stem in text:
                    candidates.append((len(stem), False, village))
        if townships:
            within = [c for c in candidates if c[2].parent_id in {t.pk for t in townships}]
            candidates = within or candidates
        if not candidates:
            if townships:
                raise InvalidInput(
                    fields={"address": [_("Only the township is given: add the village to place it in a grid cell.")]}
                )
            raise InvalidInput(fields={"address": [_("No village of yours is named in this address.")]})
        candidates.sort(key=lambda c: (-c[0], not c[1], c[2].code))
        if len(candidates) > 1 and candidates[0][0] == candidates[1][0] and candidates[0][1] == candidates[1][1]:
            names = "、".join(c[2].name for c in candidates[:3])
            raise InvalidInput(fields={"address": [_("The address could be any of %(names)s.") % {"names": names}]})
        _length, whole, village = candidates[0]
        warning = (
            None
            if whole
            else _("“%(address)s” taken to be in %(village)s.")
            % {
                "address": address,
                "village": village.name,
            }
        )
        place = next(
            (p for p in self.places if p.region_id == village.pk and p.name in text),
            None,
        )
        if place is not None:
            return place.point.x, place.point.y, f"{village.name} · {place.name}", warning
        point = self._points.get(village.pk)
        if point is None:
            point = self._points[village.pk] = Region.objects.get(pk=village.pk).boundary.point_on_surface
        return point.x, point.y, village.name, warning


def _category(row, value):
    found = categories.search(value)
    if found:
        node = found[0]
        if node["name"] != value:
            row.warnings.append(_("Category “%(given)s” taken as %(name)s.") % {"given": value, "name": node["name"]})
        return node["code"], node["name"]
    kind = CaseKind.DISPUTE if value.endswith(("纠纷", "争议")) else CaseKind.INCIDENT
    code = categories.OTHER[kind]
    name = next(n["name"] for n in categories.search(code) if n["code"] == code)
    row.warnings.append(_("No category matches “%(given)s”: filed under %(name)s.") % {"given": value, "name": name})
    return code, name


def _received_at(value):
    for fmt in TIME_FORMATS:
        try:
            moment = datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return timezone.make_aware(moment)
    return None


def _check(row, cells, index, gazetteer, seen):
    def cell(key):
        position = index.get(key)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    row.payload = {key: cell(key) for key in FIELD_KEYS if key in index}
    row.number = cell("number")
    if not row.number:
        row.fail("number", _("The work order has no number."))
    elif len(row.number) > WorkOrder._meta.get_field("number").max_length:
        row.fail("number", _("The work order number is too long."))
    elif row.number in seen:
        row.fail("number", _("The same number stands on line %(line)s of this file.") % {"line": seen[row.number]})
    else:
        seen[row.number] = row.line
    received = _received_at(cell("received_at"))
    if received is None:
        row.fail("received_at", _("Give the time of the call as 2026-11-02 09:30."))
    else:
        earliest, latest = intake.occurred_bounds()
        if not earliest <= received <= latest:
            row.fail("received_at", _("The time of the call lies before this system's records or in the future."))
    phone = re.sub(r"[\s\-]", "", cell("phone"))
    if not PHONE.match(phone):
        row.fail("phone", _("“%(phone)s” is not a phone number.") % {"phone": cell("phone")})
    description = cell("description")
    if not description:
        row.fail("description", _("Describe what happened."))
    given = cell("category")
    if not given:
        row.fail("category", _("Choose a category."))
    else:
        code, row.category = _category(row, given)
    try:
        lon, lat, row.place, warning = gazetteer.find(cell("address"), cell("township"))
        if warning:
            row.warnings.append(warning)
    except InvalidInput as error:
        for key, messages in error.fields.items():
            for message in messages:
                row.fail(key, message)
    if row.status == Status.INVALID:
        return
    urgency = cell("urgency")
    row.data = {
        "source": "hotline",
        "category": code,
        "description": description,
        "lon": lon,
        "lat": lat,
        "occurred_at": received,
        "severity": URGENCY.get(urgency, 1),
        "contact_name": cell("caller")[:50],
        "contact_phone": phone,
        "outcome": Outcome.ROUTED,
    }


def check_file(user, content, name="", columns=None):
    """Every row of the file, checked (nothing written): an Outcome12345 with a RowResult per row."""
    if not (user.is_superuser or access.memberships(user)):
        raise NotAllowed(_("Only members of a unit may import work orders."))
    rows = read_table(content, name)
    columns = {**mapping_for(user), **(clean_columns(columns) or {})}
    position, headers, index = _header(rows, columns)
    gazetteer = Gazetteer(user)
    seen = {}
    results = []
    for line, cells in rows[position + 1 :]:
        row = RowResult(line=line)
        _check(row, cells, index, gazetteer, seen)
        results.append(row)
    if not results:
        raise _file_error(_("The file holds no work orders below its header."))
    known = set(
        WorkOrder.objects.filter(number__in=[r.number for r in results if r.number]).values_list("number", flat=True)
    )
    for row in results:
        if row.number in known:
            row.status, row.errors = Status.ALREADY, {}
    return Outcome12345(columns=columns, headers=headers, rows=results)


def preview(user, content, name="", columns=None):
    """What an import of this file would do, row by row; nothing is written."""
    return check_file(user, content, name, columns)


def import_orders(user, content, name="", columns=None):
    """Take every good row in as a hotline call, with its work order; bad and known rows change nothing.

    Each row is its own savepoint: a row refused by intake leaves nothing behind, and a number
    imported meanwhile by someone else (the unique constraint) is reported as already imported.
    The columns used are remembered for the user's unit.
    """
    outcome = check_file(user, content, name, columns)
    if columns is not None:
        remember_mapping(user, outcome.columns)
    for row in outcome.rows:
        if row.status == Status.READY:
            _import_row(user, row)
    return outcome


def _import_row(user, row):
    try:
        with transaction.atomic():
            result, _call = services.take_call(user, {"id": uuid.uuid4(), **row.data})
            WorkOrder.objects.create(
                number=row.number, report=result.report, payload=row.payload, warnings=row.warnings, imported_by=user
            )
            record(
                result.case,
                action="work_order_imported",
                actor=user,
                details={"number": row.number, "report": str(result.report.pk)},
            )
    except IntegrityError:
        if not WorkOrder.objects.filter(number=row.number).exists():
            raise
        row.status = Status.ALREADY
        return
    except WorkflowError as error:
        row.status = Status.INVALID
        row.errors = {key: [str(m) for m in messages] for key, messages in error.fields.items()} or {
            "row": [error.message]
        }
        return
    row.status, row.case = Status.IMPORTED, result.case


# --- results back to the platform ---------------------------------------------------------


def result_rows(user, since=None):
    """(number, state, handling unit, reply, time) of the work orders whose cases the user may see:
    the reply is the result the handler reported (办理结果), the time when it was closed or resolved."""
    from disputes.models import Case

    orders = (
        WorkOrder.objects.filter(report__case__in=Case.objects.visible_to(user).values("pk"))
        .select_related("report__case__current_unit")
        .order_by("imported_at", "number")
    )
    if since is not None:
        orders = orders.filter(imported_at__gte=since)
    orders = list(orders)
    case_ids = {order.report.case_id for order in orders}
    replies = {}
    for case_id, details in (
        AuditEntry.objects.filter(case_id__in=case_ids, action="resolve")
        .order_by("seq")
        .values_list("case_id", "details")
    ):
        replies[case_id] = (details or {}).get("result", "")
    states = dict(CaseState.choices)
    for order in orders:
        case = order.report.case
        yield (
            order.number,
            str(states.get(case.state, case.state)),
            case.current_unit.name if case.current_unit_id else "",
            replies.get(case.pk, ""),
            timezone.localtime(case.closed_at or case.resolved_at).replace(tzinfo=None)
            if (case.closed_at or case.resolved_at)
            else None,
            case.number or "",
        )


def results_csv(user, since=None):
    """The results file (UTF-8 with a BOM, as the ledgers write theirs) as bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "results.csv")
        sink = CsvSink(path, _("12345 results"), RESULT_COLUMNS)
        try:
            for values in result_rows(user, since):
                sink.write(values)
        finally:
            sink.close()
        with open(path, "rb") as handle:
            return handle.read()
