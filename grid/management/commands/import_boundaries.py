from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grid.boundaries import LEVELS, BoundaryImportError, import_boundaries, level_label


class Command(BaseCommand):
    @property
    def help(self):
        # A property, so the text is translated when shown; argparse cannot print lazy strings.
        return _(
            "Import county, township, village or grid-cell boundaries from a GeoJSON, Shapefile or GeoPackage file. "
            "Features are matched by code, so importing a file again updates what changed."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("GeoJSON, Shapefile (.shp) or GeoPackage file"))
        parser.add_argument("--level", required=True, choices=LEVELS, help=_("what the features are"))
        parser.add_argument("--code-field", default="code", help=_("attribute holding the code (default: code)"))
        parser.add_argument("--name-field", default="name", help=_("attribute holding the name (default: name)"))
        parser.add_argument(
            "--parent-field",
            help=_("attribute holding the parent's code; without it the parent is derived from the code"),
        )
        parser.add_argument("--parent", metavar="CODE", help=_("one parent code for every feature"))
        parser.add_argument("--households-field", help=_("cells: attribute holding the number of households"))
        parser.add_argument("--kind-field", help=_("cells: attribute holding the kind (general or dedicated)"))
        parser.add_argument("--layer", help=_("layer to read when the file has several"))
        parser.add_argument(
            "--encoding",
            help=_("encoding of the attribute values, e.g. gbk (default: UTF-8, else GB18030 if that fails)"),
        )
        parser.add_argument(
            "--srid",
            type=int,
            help=_("EPSG code of the coordinates, when the file does not declare it or declares it wrongly"),
        )
        parser.add_argument(
            "--repair", action="store_true", help=_("repair invalid polygons instead of rejecting the file")
        )
        parser.add_argument("--dry-run", action="store_true", help=_("check the file but save nothing"))

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        stages = {"checked": _("checked"), "saved": _("saved")}

        def progress(stage, done, total):
            if verbosity >= 1:
                self.stderr.write(f"  {stages[stage]} {done}/{total}")

        try:
            summary = import_boundaries(
                options["file"],
                options["level"],
                code_field=options["code_field"],
                name_field=options["name_field"],
                parent_field=options["parent_field"],
                parent=options["parent"],
                households_field=options["households_field"],
                kind_field=options["kind_field"],
                layer=options["layer"],
                encoding=options["encoding"],
                srid=options["srid"],
                repair=options["repair"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        except BoundaryImportError as error:
            raise CommandError(str(error)) from error
        if verbosity >= 1:
            message = ngettext(
                "%(total)d %(level)s boundary: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
                "%(total)d %(level)s boundaries: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
                summary.total,
            ) % {
                "total": summary.total,
                "level": level_label(summary.level),
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            }
            if options["dry_run"]:
                message = _("Dry run, nothing saved: %(summary)s") % {"summary": message}
            self.stdout.write(self.style.SUCCESS(message))
