from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes and cases")

    def ready(self):
        from grid.models import Region, Unit

        from . import holidays, reference
        from .linkage import graph as linkage
        from .models import Capability, Category, Holiday, HolidayYear, LinkageEdge, MakeUpWorkday, StageLimit

        # Every change to these rows writes a new token in its own transaction (core.versions).
        reference.categories.watch(Category, StageLimit)
        holidays.calendar.watch(HolidayYear, Holiday, MakeUpWorkday)
        reference.units.watch(Unit)
        linkage.chain.watch(Unit, Category, Capability, LinkageEdge, Region, m2m=[LinkageEdge.categories.through])
