from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.core.signals import request_finished, request_started

        from . import versions

        request_started.connect(versions.request_started, dispatch_uid="core.versions.request_started")
        request_finished.connect(versions.request_finished, dispatch_uid="core.versions.request_finished")
