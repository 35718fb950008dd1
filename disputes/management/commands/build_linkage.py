from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from disputes.linkage.chain import build_standard_chain
from disputes.models import LinkageEdge


class Command(BaseCommand):
    help = "Build the standard linkage chain (联动链) for every active unit; existing edges are left alone."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the chain already has any edge.")

    def handle(self, *args, if_empty, **options):
        if if_empty and LinkageEdge.objects.exists():
            self.stdout.write(_("The linkage chain already has edges; nothing was built."))
            return
        self.stdout.write(_("Building the standard linkage chain…"))
        result = build_standard_chain()
        for region, kind in result.skipped:
            self.stdout.write(
                self.style.WARNING(
                    _("%(region)s has no unit of kind “%(kind)s”: its edges were left out.")
                    % {"region": region, "kind": kind}
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Created %(escalates)d escalation and %(cooperates)d cooperation edges "
                    "(%(existing)d already there) in %(seconds).2f s."
                )
                % {
                    "escalates": result.escalates,
                    "cooperates": result.cooperates,
                    "existing": result.existing,
                    "seconds": result.seconds,
                }
            )
        )
        self.stdout.write(_("Run “manage.py check_linkage” to see whether the chain is complete."))
