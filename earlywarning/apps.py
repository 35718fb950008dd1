from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EarlyWarningConfig(AppConfig):
    name = "earlywarning"
    verbose_name = _("Early warning")

    def ready(self):
        # libpysal imports geopandas, which imports pyproj; pyproj's wheel bundles its own PROJ and
        # SQLite. Loaded after SpatiaLite (which links the system's), the process aborts at exit
        # ("free(): invalid pointer"); loaded first, both live side by side. So load it now, before
        # any database connection opens.
        import pyproj  # noqa: F401
