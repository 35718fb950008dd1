"""manage.py rebuild_summaries: recount the summaries kept beside the cases (the assessment's closed
cases and follow-ups, the map's squares) after cases were written by SQL outside the workflow."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from assessment import summary
from maps import casemap


class Command(BaseCommand):
    help = "Recount the assessment's and the map's summaries from the cases (after a bulk load)."

    def handle(self, *args, **options):
        for name, rebuild in ((_("assessment summaries"), summary.rebuild), (_("map squares"), casemap.rebuild)):
            started = time.monotonic()
            with transaction.atomic():
                rebuild()
            self.stdout.write(
                _("%(name)s recounted in %(seconds).1f s") % {"name": name, "seconds": time.monotonic() - started}
            )
