"""Where and who: administrative regions, grid cells, the units that handle
matters, and the members (role assignments) of those units."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import codes


class RegionLevel(models.TextChoices):
    COUNTY = codes.COUNTY, _("county")
    TOWNSHIP = codes.TOWNSHIP, _("township")
    VILLAGE = codes.VILLAGE, _("village")


PARENT_LEVEL = {
    RegionLevel.COUNTY: None,
    RegionLevel.TOWNSHIP: RegionLevel.COUNTY,
    RegionLevel.VILLAGE: RegionLevel.TOWNSHIP,
}


class RegionQuerySet(models.QuerySet):
    def within(self, region):
        """The region and every region below it (codes nest by prefix)."""
        return self.filter(code__startswith=region.prefix)


class Region(models.Model):
    """An administrative area: county (县), township (乡镇) or village (村/社区)."""

    code = models.CharField(
        _("area code"),
        max_length=12,
        unique=True,
        help_text=_("12-digit statistical area code (shorter codes are padded with zeros)"),
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level=RegionLevel.COUNTY, parent__isnull=True)
                | (~models.Q(level=RegionLevel.COUNTY) & models.Q(parent__isnull=False)),
                name="region_parent_unless_county",
                violation_error_message=_("A county has no parent; townships and villages must have one."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def prefix(self):
        return codes.region_prefix(self.code, self.level)

    def clean(self):
        errors = {}
        try:
            self.code = codes.normalize_region_code(self.code)
            implied = codes.region_level(self.code)
        except ValidationError as error:
            raise ValidationError({"code": error}) from None
        if self.level and implied != self.level:
            errors["level"] = _("Code %(code)s is a %(implied)s code, not a %(level)s code.") % {
                "code": self.code,
                "implied": RegionLevel(implied).label,
                "level": RegionLevel(self.level).label,
            }
        expected = PARENT_LEVEL.get(self.level)
        if expected is None and self.parent_id:
            errors["parent"] = _("A county has no parent region.")
        elif expected is not None:
            if self.parent is None:
                errors["parent"] = _("The parent of a region at level “%(level)s” must be at level “%(parent)s”.") % {
                    "level": RegionLevel(self.level).label,
                    "parent": expected.label,
                }
            elif self.parent.level != expected:
                errors["parent"] = _("The parent of a %(level)s must be a %(parent)s, not a %(actual)s.") % {
                    "level": RegionLevel(self.level).label,
                    "parent": expected.label,
                    "actual": RegionLevel(self.parent.level).label,
                }
            elif not self.code.startswith(self.parent.prefix):
                errors["code"] = _("Code %(code)s does not lie under its parent %(parent)s (%(parent_code)s).") % {
                    "code": self.code,
                    "parent": self.parent.name,
                    "parent_code": self.parent.code,
                }
        if errors:
            raise ValidationError(errors)


class GridCellKind(models.TextChoices):
    GENERAL = "general", _("general cell")  # 综合网格
    DEDICATED = "dedicated", _("dedicated cell")  # 专属网格: a school, a market, a park


class GridCellQuerySet(models.QuerySet):
    def within(self, region):
        return self.filter(code__startswith=region.prefix)


class GridCell(models.Model):
    """The smallest management area (网格), inside one village."""

    code = models.CharField(
        _("cell code"), max_length=15, unique=True, help_text=_("village code followed by a 3-digit sequence")
    )
    name = models.CharField(_("name"), max_length=100)
    village = models.ForeignKey(
        Region,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="cells",
        limit_choices_to={"level": RegionLevel.VILLAGE},
    )
    kind = models.CharField(_("kind"), max_length=10, choices=GridCellKind.choices, default=GridCellKind.GENERAL)
    households = models.PositiveIntegerField(_("households"), default=0)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)

    objects = GridCellQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        try:
            self.code = codes.normalize_cell_code(self.code)
        except ValidationError as error:
            raise ValidationError({"code": error}) from None
        if self.village_id:
            if self.village.level != RegionLevel.VILLAGE:
                raise ValidationError({"village": _("A grid cell must belong to a village.")})
            if self.code[:12] != self.village.code:
                raise ValidationError(
                    {
                        "code": _("Cell code %(code)s does not start with its village's code %(village)s.")
                        % {"code": self.code, "village": self.village.code}
                    }
                )


class UnitKind(models.TextChoices):
    VILLAGE_COMMITTEE = "village_committee", _("village committee")  # 村委会
    VILLAGE_MEDIATION = "village_mediation", _("village mediation committee")  # 村调委会
    TOWNSHIP_CENTRE = "township_centre", _("township governance centre")  # 乡镇综治中心
    JUSTICE_OFFICE = "justice_office", _("judicial office")  # 司法所
    POLICE_STATION = "police_station", _("police station")  # 派出所
    MARKET_OFFICE = "market_office", _("market supervision office")  # 市场监管所
    RESOURCES_OFFICE = "resources_office", _("natural resources office")  # 自然资源所
    COUNTY_CENTRE = "county_centre", _("county governance centre")  # 县综治中心
    COUNTY_JUSTICE = "county_justice", _("county justice bureau")  # 县司法局
    COUNTY_POLICE = "county_police", _("county public security bureau")  # 县公安局
    COUNTY_PETITION = "county_petition", _("county letters and visits bureau")  # 县信访局
    COUNTY_HRSS = "county_hrss", _("county human resources and social security bureau")  # 县人社局
    COUNTY_RESOURCES = "county_resources", _("county natural resources bureau")  # 县自然资源局
    COUNTY_MARKET = "county_market", _("county market regulation bureau")  # 县市场监管局
    COUNTY_HOUSING = "county_housing", _("county housing and construction bureau")  # 县住建局
    COUNTY_ENVIRONMENT = "county_environment", _("county ecology and environment bureau")  # 生态环境分局
    COUNTY_AGRICULTURE = "county_agriculture", _("county agriculture and animal husbandry bureau")  # 县农牧局
    COUNTY_HEALTH = "county_health", _("county health commission")  # 县卫健委


UNIT_LEVEL = {
    UnitKind.VILLAGE_COMMITTEE: RegionLevel.VILLAGE,
    UnitKind.VILLAGE_MEDIATION: RegionLevel.VILLAGE,
    UnitKind.TOWNSHIP_CENTRE: RegionLevel.TOWNSHIP,
    UnitKind.JUSTICE_OFFICE: RegionLevel.TOWNSHIP,
    UnitKind.POLICE_STATION: RegionLevel.TOWNSHIP,
    UnitKind.MARKET_OFFICE: RegionLevel.TOWNSHIP,
    UnitKind.RESOURCES_OFFICE: RegionLevel.TOWNSHIP,
}
CENTRE_KINDS = {UnitKind.TOWNSHIP_CENTRE, UnitKind.COUNTY_CENTRE}


def unit_level(kind):
    return UNIT_LEVEL.get(kind, RegionLevel.COUNTY)


class Unit(models.Model):
    """An organisation that handles matters: a committee, a centre, an office or a bureau."""

    code = models.CharField(_("unit code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices, db_index=True)
    region = models.ForeignKey(Region, verbose_name=_("region served"), on_delete=models.PROTECT, related_name="units")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["region__code", "kind"]

    def __str__(self):
        return self.name

    @property
    def level(self):
        return unit_level(self.kind)

    def clean(self):
        if self.kind and self.region_id and self.region.level != self.level:
            raise ValidationError(
                {
                    "region": _("Unit kind “%(kind)s” serves level “%(level)s”; %(region)s is at level “%(actual)s”.")
                    % {
                        "kind": UnitKind(self.kind).label,
                        "level": RegionLevel(self.level).label,
                        "region": self.region.name,
                        "actual": RegionLevel(self.region.level).label,
                    }
                }
            )


class Role(models.TextChoices):
    GRIDWORKER = "gridworker", _("gridworker")  # 网格员
    VOLUNTEER = "volunteer", _("volunteer")  # 志愿者
    MEDIATOR = "mediator", _("mediator")  # 调解员
    OPERATOR = "operator", _("centre operator")  # 综治中心工作人员
    STAFF = "staff", _("department staff")  # 职能部门
    ADMINISTRATOR = "administrator", _("administrator")


# Which kinds of unit each role may be assigned to.
ROLE_UNIT_KINDS = {
    Role.GRIDWORKER: {UnitKind.VILLAGE_COMMITTEE},
    Role.VOLUNTEER: {UnitKind.VILLAGE_COMMITTEE},
    Role.MEDIATOR: {
        UnitKind.VILLAGE_MEDIATION,
        UnitKind.JUSTICE_OFFICE,
        UnitKind.TOWNSHIP_CENTRE,
        UnitKind.COUNTY_CENTRE,
        UnitKind.COUNTY_JUSTICE,
    },
    Role.OPERATOR: CENTRE_KINDS,
    Role.STAFF: set(UnitKind) - {UnitKind.VILLAGE_MEDIATION},
    Role.ADMINISTRATOR: set(UnitKind),
}


class Member(models.Model):
    """One role a user holds in one unit. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, db_index=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="members")
    cells = models.ManyToManyField(GridCell, verbose_name=_("grid cells"), blank=True, related_name="members")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["unit__code", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="member_unique_role_per_unit"),
        ]

    def __str__(self):
        return f"{display_name(self.user)} · {self.get_role_display()} · {self.unit}"

    def clean(self):
        if self.role and self.unit_id and self.unit.kind not in ROLE_UNIT_KINDS[self.role]:
            raise ValidationError(
                {
                    "unit": _("Role “%(role)s” cannot be assigned to unit kind “%(kind)s”.")
                    % {"role": Role(self.role).label, "kind": UnitKind(self.unit.kind).label}
                }
            )


def _cell_assignment_str(self):
    return _("%(member)s in %(cell)s") % {"member": self.member, "cell": self.gridcell}


# The admin's inline rows of a member's cells name the member and the cell, not "Member_cells object (1)".
Member.cells.through.__str__ = _cell_assignment_str


def display_name(user):
    """Chinese order: family name then given name; falls back to the username."""
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()
