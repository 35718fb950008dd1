"""The assessment page (管理考核) for county and township leaders: a shell; its script reads
/api/assessment/ and draws the ranking, the indicators and their trends (ECharts)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assessment import indicators, periods
from grid import jurisdiction

from .ledgers import TEXT as EXPORT_TEXT

STRINGS = {
    "rank": _("Rank"),
    "name": _("Name"),
    "title": _("Name (region or unit)"),
    "score": _("Score"),
    "change": _("Change"),
    "previous": _("Previous period"),
    "last_year": _("Same period last year"),
    "value": _("This period"),
    "indicator": _("Indicator"),
    "formula": _("Formula"),
    "cases": _("Cases"),
    "overdue": _("Overdue"),
    "reports": _("Reports"),
    "on_spot_reports": _("Settled on the spot"),
    "verified_on_time": _("Verified on time"),
    "active_days": _("Days with activity"),
    "closure_rate": _("closure rate"),
    "on_time_rate": _("on-time closure rate"),
    "satisfaction_rate": _("satisfaction rate"),
    "local_rate": _("local resolution rate"),
    "trend": _("Trend over 12 months"),
    "loading": _("Loading…"),
    "failed": _("The assessment could not be loaded."),
    "empty": _("Nothing to rank in this period."),
    "up": _("up"),
    "down": _("down"),
    "no_data": _("no data"),
}


@login_required
def page(request):
    allowed = jurisdiction.wall_regions(request.user)
    config = {
        "api": reverse("assessment_api:overview"),
        "trend": reverse("assessment_api:trend"),
        "exports": reverse("ledger-exports"),
        "exportText": {key: str(value) for key, value in EXPORT_TEXT.items()},
        "period": request.GET.get("period") or periods.current_month().code,
        "region": request.GET.get("region") or (allowed[0].code if allowed else ""),
        "top": allowed[0].code if allowed else "",
        "strings": {key: str(value) for key, value in STRINGS.items()},
        "rates": [key for key, i in indicators.INDICATORS.items() if i.unit == "rate"],
    }
    return render(request, "frontend/assessment.html", {"config": config, "allowed": bool(allowed)})
