import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from disputes.linkage import graph as linkage
from disputes.linkage.chain import REGION_KINDS, describe_units, violations
from grid.models import Region


class Command(BaseCommand):
    help = (
        "Check the linkage chain: no escalation cycle, a way up to the county centre from every village, "
        "every category covered on every village's chain, no unit left out. Exit status 1 when something is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", metavar="CODE", help="Only the problems touching this region and below.")

    def handle(self, *args, region=None, **options):
        place = None
        if region:
            place = Region.objects.filter(code=region).first()
            if place is None:
                raise CommandError(_("No region has the code %(code)s.") % {"code": region})
        started = time.monotonic()
        chain = linkage.load()
        found = violations(chain, place)
        elapsed = time.monotonic() - started
        if not found:
            figures = {
                "where": place.name if place else "",
                "units": chain.graph.number_of_nodes(),
                "edges": chain.graph.number_of_edges(),
                "seconds": elapsed,
            }
            line = (
                _("The chain of %(where)s is complete: %(units)d units, %(edges)d edges (checked in %(seconds).2f s).")
                if place
                else _("The chain is complete: %(units)d units, %(edges)d edges (checked in %(seconds).2f s).")
            )
            self.stdout.write(self.style.SUCCESS(line % figures))
            return
        for violation in found:
            self.stdout.write(self.style.ERROR(f"- {violation.message}"))
            label = _("places") if violation.kind in REGION_KINDS else _("units")
            self.stdout.write(f"    {label}: {describe_units(chain, violation)}")
        self.stdout.write("")
        # CommandError with a return code: manage.py prints the summary and exits with status 1.
        count = len(found)
        summary = (
            ngettext(
                "%(count)d problem in the chain of %(where)s.", "%(count)d problems in the chain of %(where)s.", count
            )
            % {"count": count, "where": place.name}
            if place
            else ngettext("%(count)d problem in the chain.", "%(count)d problems in the chain.", count)
            % {"count": count}
        )
        raise CommandError(summary, returncode=1)
