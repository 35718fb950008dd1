"""Run the early-warning analysis (预警研判) now: every county, or one region.

    manage.py run_early_warning [--region CODE] [--days N]

Safe in several copies: each region is claimed by a conditional update of its analysis row, so
a second copy skips a region the first is analysing. In production the job runner runs it
hourly (earlywarning.tasks.analyse_all, queued by `manage.py schedule_early_warning --loop`);
the demo's simulator runs it in its loop.
"""

from django.core.management.base import BaseCommand, CommandError

from core import versions
from earlywarning import analysis
from grid.models import Region


class Command(BaseCommand):
    help = "Run the early-warning analysis for every county, or for one region."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="area code of a county, township or village (default: every county)")
        parser.add_argument("--days", type=int, default=7, help="the period analysed, in days (default 7)")

    def handle(self, *args, region=None, days=7, **options):
        if days < 1 or days > 366:
            raise CommandError("--days must be between 1 and 366")
        if region:
            found = Region.objects.defer("boundary").filter(code=region.ljust(12, "0")).first()
            if found is None:
                raise CommandError(f"no region with code {region}")
            regions = [found]
        else:
            regions = analysis.counties()
        with versions.reading():
            for place in regions:
                summary = analysis.run(place, days=days)
                if summary.skipped:
                    self.stdout.write(f"{place.code} {place.name}: another copy is analysing it, skipped")
                else:
                    self.stdout.write(
                        f"{place.code} {place.name}: {summary.cells} cells, {summary.cases} cases, "
                        f"found {summary.found}, raised {summary.raised}, updated {summary.updated} "
                        f"in {summary.seconds} s"
                    )
