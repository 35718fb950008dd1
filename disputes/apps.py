from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes and cases")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from grid.models import Unit

        from . import reference
        from .models import Category, StageLimit

        for model in (Category, StageLimit, Unit):
            post_save.connect(reference.forget, sender=model, dispatch_uid=f"reference.save.{model.__name__}")
            post_delete.connect(reference.forget, sender=model, dispatch_uid=f"reference.delete.{model.__name__}")
