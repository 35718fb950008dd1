"""Add the service items of a CSV (the columns of desk/data/township-items.csv) to the catalogue;
items already there (by name) are left as the administrator edited them."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from desk import catalogue
from desk.models import ServiceItem
from disputes.models import Category


class Command(BaseCommand):
    help = "Add service items (政务服务事项) from a CSV file to the catalogue."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(catalogue.SEED))

    def handle(self, *args, path, **options):
        try:
            created = catalogue.load(ServiceItem, Category, catalogue.read_items(path))
        except InvalidInput as error:
            lines = [f"{name}: {' '.join(messages)}" for name, messages in error.fields.items()]
            raise CommandError("\n".join([error.message, *lines])) from None
        except OSError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("%(count)s service items added.") % {"count": created})
