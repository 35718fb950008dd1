"""Open311 client applications: each has its own api_key (stored hashed) and its own service user,
the reporter of every request it posts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Client(models.Model):
    """Another system (a city app, 12345 platform, a partner's CRM) allowed to post requests."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    contact = models.CharField(
        _("contact"), max_length=200, blank=True, help_text=_("who runs it: person, phone, email")
    )
    # The key itself is shown once, when it is made; only its SHA-256 is kept (a 32-byte random key
    # needs no slow hash: nobody can guess it, and the digest finds the row in one indexed look-up).
    key_hash = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(
        _("key begins with"), max_length=16, editable=False, help_text=_("to tell keys apart; not a secret")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service user"),
        on_delete=models.PROTECT,
        related_name="open311_client",
        editable=False,
        help_text=_("the reporter of this client's requests; it cannot sign in"),
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("an inactive client's key is refused"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    key_made_at = models.DateTimeField(_("key made at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self):
        return self.name
