"""Import the places a county lists (landmarks, 门牌 addresses) from a CSV (name, kind, lon, lat)
or a GeoJSON of points (properties name, kind). All or nothing; re-importing updates."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from desk import places


class Command(BaseCommand):
    help = "Import places (landmarks, addresses) from a CSV or GeoJSON file."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            created, updated = places.import_places(places.read_rows(path))
        except InvalidInput as error:
            lines = [f"{name}: {' '.join(messages)}" for name, messages in error.fields.items()]
            raise CommandError("\n".join([error.message, *lines])) from None
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("%(created)s places created, %(updated)s updated.") % {"created": created, "updated": updated}
        )
