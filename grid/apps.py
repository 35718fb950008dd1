from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("Grid: regions, cells, units and members")

    def ready(self):
        # shapely (the demo's Voronoi) bundles its own GEOS; loaded after Django's ctypes binding to
        # the system GEOS it crashes the process. Loading it first, here, keeps the order safe.
        import shapely  # noqa: F401

        from .jurisdiction import remembered
        from .location import cells, regions
        from .models import GridCell, Member, Region, Unit

        regions.watch(Region)  # a new version token in every transaction that changes a region
        cells.watch(GridCell)
        remembered.watch(Member, Unit, Region, GridCell, m2m=[Member.cells.through])
