import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from demo.county import COUNTY_NAME, DEFAULT_PASSWORD, DemoError, seed_demo
from grid.models import Region


class Command(BaseCommand):
    help = "Build the demo county (化德县): townships, villages, grid cells, units and demo users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already holds any region."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo county, its units and the demo users (admin included) first.",
        )
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help=f"Password of every demo user (default {DEFAULT_PASSWORD})."
        )
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, if_empty, reset, password, force, **options):
        if not settings.DEBUG and not force:
            # The demo users share a published password: never by accident on a real server.
            raise CommandError(
                _("DEBUG is off: the demo users would have a known password. Use --force to seed anyway.")
            )
        if if_empty and Region.objects.exists():
            self.stdout.write(_("The database already holds regions; the demo county was not seeded."))
            return

        started = time.monotonic()
        try:
            summary = seed_demo(password=password, reset=reset, progress=self.stdout.write)
        except DemoError as error:
            raise CommandError(str(error)) from None
        elapsed = time.monotonic() - started

        self.stdout.write(
            self.style.SUCCESS(
                _("Seeded the demo county %(county)s in %(seconds).1f s.") % {"county": COUNTY_NAME, "seconds": elapsed}
            )
        )
        width = max(len(label) for label, _number in summary.counts)
        for label, number in summary.counts:
            self.stdout.write(f"  {label:<{width}}  {number:>5}")
        self.stdout.write("")
        self.stdout.write(_("Demo logins (password “%(password)s”):") % {"password": summary.password})
        width = max(len(login.username) for login in summary.logins)
        for login in summary.logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.description}")
