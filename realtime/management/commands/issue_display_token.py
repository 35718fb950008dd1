from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from grid.models import Region
from realtime.auth import issue_display_token


class Command(BaseCommand):
    help = _("Issue a read-only display token for a wall (大屏) that shows one region's events.")

    def add_arguments(self, parser):
        parser.add_argument("region", help=_("12-digit code of the region the wall shows"))

    def handle(self, *args, region, **options):
        place = Region.objects.defer("boundary").filter(code=region).first()
        if place is None:
            raise CommandError(_("No region has the code %(code)s.") % {"code": region})
        token, display_id = issue_display_token(place.code)
        self.stdout.write(_("Display token for %(region)s (id %(id)s):") % {"region": place.name, "id": display_id})
        self.stdout.write(token)
        self.stdout.write(_("Open this address on the wall's screen (nobody needs to sign in):"))
        self.stdout.write(f"{settings.SITE_URL}/wall/?{urlencode({'display': token})}")
        self.stdout.write(_("Revoke it by adding %(id)s to REALTIME_REVOKED_DISPLAY_TOKENS.") % {"id": display_id})
