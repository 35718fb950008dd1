"""Import region and grid-cell boundaries from GeoJSON, Shapefile or GeoPackage.

The importer reads every feature and checks it completely before it writes
anything, then writes in one transaction, so a bad file leaves the database as
it was. Features are matched to existing rows by code, so importing the same
file again only touches what changed.
"""

import codecs
import logging
import math
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GeometryCollection, GEOSException, MultiPolygon, Polygon
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from . import codes
from .models import PARENT_LEVEL, GridCell, GridCellKind, Region, RegionLevel

CELL = codes.CELL
LEVELS = [codes.COUNTY, codes.TOWNSHIP, codes.VILLAGE, CELL]
FALLBACK_ENCODING = "gb18030"  # a superset of GBK and GB2312, the usual encodings of Chinese shapefiles
UTF8_BOM = b"\xef\xbb\xbf"
WGS84 = 4326
# Coordinates are compared after a database round trip; 1e-9 degrees is about 0.1 mm.
SAME_GEOMETRY_TOLERANCE = 1e-9


class BoundaryImportError(Exception):
    """The file cannot be imported; the message says why, for the person who supplied it."""


@dataclass
class ImportSummary:
    level: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self):
        return self.created + self.updated + self.unchanged


@dataclass
class _Feature:
    """One feature as read from the file, before it is matched against the database."""

    number: int  # 1-based position in the file, as people count
    code: str
    name: str
    parent_code: str | None
    boundary: MultiPolygon
    extra: dict = field(default_factory=dict)


def level_label(level):
    return _("grid cell") if level == CELL else str(RegionLevel(level).label)


def import_boundaries(
    path,
    level,
    *,
    code_field="code",
    name_field="name",
    parent_field=None,
    parent=None,
    households_field=None,
    kind_field=None,
    layer=None,
    encoding=None,
    srid=None,
    repair=False,
    dry_run=False,
    progress=None,
):
    """Import the boundaries in the file at `path` as regions of `level` (or grid cells).

    `progress`, if given, is called as progress(stage, done, total) with stage "checked" or "saved".
    Raises BoundaryImportError, and changes nothing, if any feature is wrong.
    """
    if level not in LEVELS:
        raise BoundaryImportError(_("Unknown level “%(level)s”.") % {"level": level})
    if level == codes.COUNTY and (parent or parent_field):
        raise BoundaryImportError(_("A county has no parent region, so it takes no parent."))
    if parent:
        parent = _normalize_parent_option(parent, level)
    reader = _Reader(
        level,
        code_field=code_field,
        name_field=name_field,
        parent_field=None if parent else parent_field,
        households_field=households_field,
        kind_field=kind_field,
        repair=repair,
        source_srid=srid,
        progress=progress,
    )
    path = Path(path)
    with _readable_copy(path) as readable:
        features = reader.read(readable, path.name, layer, encoding)
    if parent:
        for feature in features:
            feature.parent_code = parent
    with transaction.atomic():
        return _Writer(level, path.name, progress).write(features, dry_run)


def _normalize_parent_option(raw, level):
    try:
        code = codes.normalize_region_code(raw)
        parent_level = codes.region_level(code)
    except ValidationError as error:
        raise BoundaryImportError(" ".join(error.messages)) from None
    expected = codes.VILLAGE if level == CELL else PARENT_LEVEL[level]
    if parent_level != expected:
        raise BoundaryImportError(
            _("The parent of a %(level)s must be a %(parent)s, but %(code)s is a %(actual)s code.")
            % {
                "level": level_label(level),
                "parent": level_label(expected),
                "code": code,
                "actual": level_label(parent_level),
            }
        )
    return code


@contextmanager
def _readable_copy(path):
    """The path GDAL should open: the file itself, or a copy without a UTF-8 byte order mark.

    GDAL 3.6 opens a GeoJSON file with a BOM and can iterate it, but fails to fetch a feature
    by id ("JSON parsing error: unexpected character"), so the BOM is never shown to it.
    """
    if not path.exists():
        raise BoundaryImportError(_("File not found: %(path)s") % {"path": path})
    if path.is_file():
        with path.open("rb") as file:
            has_bom = file.read(len(UTF8_BOM)) == UTF8_BOM
        if has_bom:
            with tempfile.TemporaryDirectory(prefix="gridgov-import-") as directory:
                copy = Path(directory) / path.name
                with path.open("rb") as source, copy.open("wb") as target:
                    source.seek(len(UTF8_BOM))
                    shutil.copyfileobj(source, target)
                yield copy
            return
    yield path


class _GeosNoticeFilter(logging.Filter):
    def filter(self, record):
        return not record.getMessage().startswith("GEOS_NOTICE")


@contextmanager
def _quiet_geos_notices():
    """GEOS logs a notice for every invalid geometry it checks; the importer reports the reason itself."""
    logger = logging.getLogger("django.contrib.gis")
    notice_filter = _GeosNoticeFilter()
    logger.addFilter(notice_filter)
    try:
        yield
    finally:
        logger.removeFilter(notice_filter)


@contextmanager
def _shape_encoding(value):
    """Set GDAL's SHAPE_ENCODING while a shapefile is open; GDAL reads it from the environment."""
    previous = os.environ.get("SHAPE_ENCODING")
    if value is not None:
        os.environ["SHAPE_ENCODING"] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SHAPE_ENCODING", None)
        else:
            os.environ["SHAPE_ENCODING"] = previous


class _Reader:
    def __init__(
        self,
        level,
        *,
        code_field,
        name_field,
        parent_field,
        households_field,
        kind_field,
        repair,
        source_srid,
        progress,
    ):
        self.level = level
        self.code_field = code_field
        self.name_field = name_field
        self.parent_field = parent_field
        self.households_field = households_field
        self.kind_field = kind_field
        self.repair = repair
        self.source_srs = None
        if source_srid:
            try:
                self.source_srs = SpatialReference(source_srid)
            except GDALException:
                raise BoundaryImportError(_("Unknown spatial reference “%(srid)s”.") % {"srid": source_srid}) from None
        self.target_srs = SpatialReference(WGS84)
        self.progress = progress
        # A kind may be given as its value or its label in any of the site's languages (专属网格).
        self.kinds = {}
        for language, _language_name in settings.LANGUAGES:
            with translation.override(language):
                self.kinds.update({str(kind.label).lower(): kind.value for kind in GridCellKind})
        self.kinds.update({kind.value: kind.value for kind in GridCellKind})

    def read(self, path, display_name, layer_name, encoding):
        self.display_name = display_name
        if encoding:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise BoundaryImportError(_("Unknown encoding “%(encoding)s”.") % {"encoding": encoding}) from None
            # An explicit encoding overrides a missing or wrong .cpg: GDAL hands over the bytes as stored.
            try:
                with _shape_encoding(""):
                    return self._read_with(path, layer_name, encoding)
            except UnicodeDecodeError:
                raise BoundaryImportError(
                    _("%(file)s: the attribute values are not in the %(encoding)s encoding.")
                    % {"file": display_name, "encoding": encoding}
                ) from None
        try:
            return self._read_with(path, layer_name, "utf-8")
        except UnicodeDecodeError:
            pass
        try:
            return self._read_with(path, layer_name, FALLBACK_ENCODING)
        except UnicodeDecodeError:
            raise BoundaryImportError(
                _("%(file)s: the attribute values are neither UTF-8 nor GB18030; name the encoding with --encoding.")
                % {"file": display_name}
            ) from None

    def _read_with(self, path, layer_name, encoding):
        try:
            source = DataSource(str(path), encoding=encoding)
        except GDALException:
            raise BoundaryImportError(
                _("%(file)s is not a spatial data file that can be read (GeoJSON, Shapefile or GeoPackage).")
                % {"file": self.display_name}
            ) from None
        layer = self._layer(source, layer_name)
        if len(layer) == 0:
            # Before the fields: an empty GeoJSON file has none, and "no field code" would mislead.
            raise BoundaryImportError(_("%(file)s contains no features.") % {"file": self.display_name})
        columns = layer.fields
        code_index = self._column(columns, self.code_field, "--code-field")
        name_index = self._column(columns, self.name_field, "--name-field")
        parent_index = self._column(columns, self.parent_field, "--parent-field")
        households_index = self._column(columns, self.households_field, "--households-field")
        kind_index = self._column(columns, self.kind_field, "--kind-field")
        # Without a declared reference the coordinates are taken as WGS 84, as GeoJSON defines them.
        srs = self.source_srs or layer.srs or SpatialReference(WGS84)
        total = len(layer)
        features = []
        seen = {}
        for number, ogr_feature in enumerate(layer, start=1):
            raw_code = _value(ogr_feature, code_index)
            code = self._code(number, raw_code)
            if code in seen:
                self._fail(number, code, _("the same code as feature %(other)d.") % {"other": seen[code]})
            seen[code] = number
            feature = _Feature(
                number=number,
                code=code,
                name=_text(_value(ogr_feature, name_index)),
                parent_code=self._parent_code(number, code, _value(ogr_feature, parent_index)),
                boundary=self._boundary(number, code, ogr_feature, srs),
            )
            if households_index is not None:
                feature.extra["households"] = self._households(number, code, _value(ogr_feature, households_index))
            if kind_index is not None:
                feature.extra["kind"] = self._kind(number, code, _value(ogr_feature, kind_index))
            features.append(feature)
            _report(self.progress, "checked", number, total)
        if not features:
            raise BoundaryImportError(_("%(file)s contains no features.") % {"file": self.display_name})
        return features

    def _layer(self, source, name):
        names = [layer.name for layer in source]
        if name is None:
            if len(names) == 1:
                return source[0]
            raise BoundaryImportError(
                _("%(file)s has several layers (%(layers)s); choose one with --layer.")
                % {"file": self.display_name, "layers": ", ".join(names)}
            )
        if name not in names:
            raise BoundaryImportError(
                _("%(file)s has no layer “%(layer)s”; its layers are: %(layers)s.")
                % {"file": self.display_name, "layer": name, "layers": ", ".join(names)}
            )
        # By position: Django looks layers up by name in UTF-8 only.
        return source[names.index(name)]

    def _column(self, columns, name, option):
        if not name:
            return None
        if name in columns:
            return columns.index(name)
        raise BoundaryImportError(
            _("%(file)s has no field “%(field)s” (name it with %(option)s); its fields are: %(fields)s.")
            % {"file": self.display_name, "field": name, "option": option, "fields": ", ".join(columns) or "-"}
        )

    def _fail(self, number, code, problem):
        raise BoundaryImportError(_feature_message(self.display_name, number, code, problem))

    def _code(self, number, raw):
        raw = _text(raw)
        if not raw:
            self._fail(number, None, _("the code is empty."))
        try:
            if self.level == CELL:
                return codes.normalize_cell_code(raw)
            code = codes.normalize_region_code(raw)
            implied = codes.region_level(code)
        except ValidationError as error:
            self._fail(number, raw, " ".join(error.messages))
        if implied != self.level:
            self._fail(
                number,
                code,
                _("Code %(code)s is a %(implied)s code, not a %(level)s code.")
                % {"code": code, "implied": level_label(implied), "level": level_label(self.level)},
            )
        return code

    def _parent_code(self, number, code, raw):
        if self.level == codes.COUNTY:
            return None
        if self.parent_field is None:
            return codes.parent_code(code, self.level)
        raw = _text(raw)
        if not raw:
            self._fail(number, code, _("the parent code is empty."))
        try:
            return codes.normalize_region_code(raw)
        except ValidationError as error:
            self._fail(number, code, _("bad parent code: %(problem)s") % {"problem": " ".join(error.messages)})

    def _boundary(self, number, code, ogr_feature, srs):
        try:
            geometry = ogr_feature.geom
        except GDALException:
            self._fail(number, code, _("the feature has no geometry."))
        if geometry.empty:
            self._fail(number, code, _("the geometry is empty."))
        geometry.set_3d(False)
        geometry.set_measured(False)
        if geometry.geom_type.name not in ("Polygon", "MultiPolygon"):
            self._fail(
                number,
                code,
                _("the geometry is a %(type)s; a boundary must be a Polygon or MultiPolygon.")
                % {"type": geometry.geom_type.name},
            )
        geometry.srs = srs
        try:
            geometry.transform(self.target_srs)
        except GDALException:
            self._fail(number, code, _("the geometry cannot be transformed to WGS 84 (EPSG:4326)."))
        boundary = geometry.geos
        boundary.srid = WGS84
        xmin, ymin, xmax, ymax = boundary.extent
        if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)) or not (
            -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90
        ):
            self._fail(
                number,
                code,
                _("the coordinates are not longitudes and latitudes; give the file's spatial reference with --srid."),
            )
        with _quiet_geos_notices():
            reason = boundary.valid_reason
        if reason != "Valid Geometry":
            if not self.repair:
                self._fail(
                    number,
                    code,
                    _("the geometry is invalid (%(reason)s); fix the file or import with --repair.")
                    % {"reason": reason},
                )
            boundary = self._repaired(number, code, boundary)
        if isinstance(boundary, Polygon):
            boundary = MultiPolygon(boundary, srid=WGS84)
        return boundary

    def _repaired(self, number, code, boundary):
        try:
            polygons = list(_polygons(boundary.make_valid()))
        except GEOSException:
            polygons = []
        repaired = MultiPolygon(polygons, srid=WGS84) if polygons else None
        with _quiet_geos_notices():
            invalid = repaired is None or repaired.empty or not repaired.valid
        if invalid:
            self._fail(number, code, _("the geometry is invalid and could not be repaired."))
        return repaired

    def _households(self, number, code, raw):
        if raw is None or raw == "":
            return 0
        try:
            households = float(raw)
        except (TypeError, ValueError):
            households = -1.0
        if households < 0 or not households.is_integer():
            self._fail(number, code, _("“%(value)s” is not a number of households.") % {"value": raw})
        return int(households)

    def _kind(self, number, code, raw):
        raw = _text(raw)
        if not raw:
            return GridCellKind.GENERAL
        try:
            return self.kinds[raw.lower()]
        except KeyError:
            self._fail(
                number,
                code,
                _("“%(value)s” is not a kind of grid cell; use one of: %(kinds)s.")
                % {"value": raw, "kinds": ", ".join(GridCellKind.values)},
            )


class _Writer:
    def __init__(self, level, display_name, progress):
        self.level = level
        self.display_name = display_name
        self.progress = progress
        self.model = GridCell if level == CELL else Region
        self.parent_field = "village" if level == CELL else "parent"

    def write(self, features, dry_run):
        existing = self.model.objects.in_bulk([feature.code for feature in features], field_name="code")
        parent_codes = {feature.parent_code for feature in features if feature.parent_code}
        parents = Region.objects.in_bulk(parent_codes, field_name="code")
        summary = ImportSummary(self.level)
        pending = []
        for feature in features:
            instance = existing.get(feature.code)
            status = self._prepare(feature, instance, parents)
            setattr(summary, status, getattr(summary, status) + 1)
            if status != "unchanged":
                pending.append(feature)
        if dry_run:
            return summary
        for done, feature in enumerate(pending, start=1):
            defaults = self._values(feature, parents)
            self.model.objects.update_or_create(code=feature.code, defaults=defaults)
            _report(self.progress, "saved", done, len(pending))
        return summary

    def _values(self, feature, parents):
        values = {"name": feature.name, "boundary": feature.boundary, **feature.extra}
        if self.level == CELL:
            values["village"] = parents[feature.parent_code]
        else:
            values["level"] = self.level
            values["parent"] = parents.get(feature.parent_code)
        return values

    def _prepare(self, feature, instance, parents):
        """Check the feature with the model's own validation; say whether it is created, updated or unchanged."""
        if feature.parent_code and feature.parent_code not in parents:
            parent_level = codes.VILLAGE if self.level == CELL else PARENT_LEVEL[self.level]
            self._fail(
                feature,
                _("its parent %(level)s %(parent)s does not exist; import the %(level)s boundaries first.")
                % {"level": level_label(parent_level), "parent": feature.parent_code},
            )
        values = self._values(feature, parents)
        status = "created" if instance is None else "updated"
        if instance is None:
            instance = self.model(code=feature.code)
        elif self._unchanged(instance, values):
            status = "unchanged"
        for name, value in values.items():
            setattr(instance, name, value)
        try:
            # Parents were looked up above; the unique code is what update_or_create matches on.
            instance.full_clean(exclude=[self.parent_field], validate_unique=False)
        except ValidationError as error:
            self._fail(feature, _validation_text(self.model, error))
        return status

    @staticmethod
    def _unchanged(instance, values):
        for name, value in values.items():
            current = getattr(instance, name)
            if name == "boundary":
                if not current.equals_exact(value, SAME_GEOMETRY_TOLERANCE):
                    return False
            elif current != value:
                return False
        return True

    def _fail(self, feature, problem):
        raise BoundaryImportError(_feature_message(self.display_name, feature.number, feature.code, problem))


def _feature_message(display_name, number, code, problem):
    if code:
        where = _("%(file)s, feature %(number)d (code %(code)s)") % {
            "file": display_name,
            "number": number,
            "code": code,
        }
    else:
        where = _("%(file)s, feature %(number)d") % {"file": display_name, "number": number}
    return _("%(where)s: %(problem)s Nothing was imported.") % {"where": where, "problem": problem}


def _validation_text(model, error):
    parts = []
    for name, messages in error.message_dict.items():
        text = " ".join(messages)
        if name == NON_FIELD_ERRORS:
            parts.append(text)
        else:
            parts.append(f"{model._meta.get_field(name).verbose_name}: {text}")
    return " ".join(parts)


def _value(ogr_feature, index):
    # By position: Django looks fields up by name in UTF-8 only, and GBK field names are common.
    if index is None:
        return None
    value = ogr_feature[index].value
    if isinstance(value, float) and value.is_integer():
        # Codes stored in numeric columns come back as floats.
        return str(int(value))
    return value


def _text(value):
    return "" if value is None else str(value).strip()


def _polygons(geometry):
    """The non-empty polygons in a geometry; make_valid may add lines and points where rings touched."""
    if isinstance(geometry, Polygon):
        if not geometry.empty:
            yield geometry
    elif isinstance(geometry, GeometryCollection):
        for part in geometry:
            yield from _polygons(part)


def _report(progress, stage, done, total):
    step = max(100, total // 10)
    if progress and (done % step == 0 or done == total):
        progress(stage, done, total)
