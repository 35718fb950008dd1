from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes and cases")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from grid.models import Unit

        from . import reference
        from .linkage import graph as linkage
        from .models import Capability, Category, LinkageEdge, StageLimit

        for model in (Category, StageLimit, Unit):
            post_save.connect(reference.forget, sender=model, dispatch_uid=f"reference.save.{model.__name__}")
            post_delete.connect(reference.forget, sender=model, dispatch_uid=f"reference.delete.{model.__name__}")
        # Every process rebuilds its cached linkage graph when the version moves.
        for model in (Unit, Category, Capability, LinkageEdge):
            post_save.connect(linkage.changed, sender=model, dispatch_uid=f"linkage.save.{model.__name__}")
            post_delete.connect(linkage.changed, sender=model, dispatch_uid=f"linkage.delete.{model.__name__}")
        m2m_changed.connect(linkage.changed, sender=LinkageEdge.categories.through, dispatch_uid="linkage.m2m")
