"""manage.py monthly_reports 2026-11: the monthly report (月报) of every county and township (and,
with --villages, every village), as HTML and PDF, into a folder."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment import monthly, periods
from core import versions
from grid.models import Region, RegionLevel


class Command(BaseCommand):
    help = "Write the monthly report of every county and township (HTML and PDF) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("month", help="the month, e.g. 2026-11")
        parser.add_argument("--out", help="folder (default: MEDIA_ROOT/reports/<month>)")
        parser.add_argument("--villages", action="store_true", help="villages too")
        parser.add_argument("--format", choices=["html", "pdf", "both"], default="both")

    def handle(self, *args, month, out, villages, format, **options):
        period = periods.parse(month)
        if period is None or period.months != 1:
            raise CommandError(_("Give a month, e.g. 2026-11."))
        folder = Path(out) if out else Path(settings.MEDIA_ROOT) / "reports" / period.code
        folder.mkdir(parents=True, exist_ok=True)
        levels = [RegionLevel.COUNTY, RegionLevel.TOWNSHIP] + ([RegionLevel.VILLAGE] if villages else [])
        regions = list(Region.objects.filter(level__in=levels).defer("boundary").order_by("code"))
        kinds = ["html", "pdf"] if format == "both" else [format]
        for index, region in enumerate(regions, start=1):
            base = folder / f"{region.code}-{region.name}"
            with versions.reading():
                if "html" in kinds:
                    base.with_suffix(".html").write_text(monthly.html(region, period), encoding="utf-8")
                if "pdf" in kinds:
                    base.with_suffix(".pdf").write_bytes(monthly.pdf(region, period))
            self.stdout.write(f"[{index}/{len(regions)}] {region.code} {region.name}")
        self.stdout.write(
            self.style.SUCCESS(_("%(count)s monthly reports in %(folder)s") % {"count": len(regions), "folder": folder})
        )
