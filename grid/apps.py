from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("Grid: regions, cells, units and members")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .location import forget_regions
        from .models import Region

        post_save.connect(forget_regions, sender=Region, dispatch_uid="grid.forget_regions.save")
        post_delete.connect(forget_regions, sender=Region, dispatch_uid="grid.forget_regions.delete")
