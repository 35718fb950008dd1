from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import Client


def _show_key(request, client, key):
    messages.warning(
        request,
        _("The api_key of “%(client)s” is %(key)s — copy it now: it is shown only this once.")
        % {"client": client.name, "key": key},
    )


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "active", "key_made_at", "contact"]
    list_filter = ["active"]
    search_fields = ["name", "contact", "key_prefix"]
    fields = ["name", "contact", "active", "key_prefix", "key_made_at", "user", "created_at"]
    readonly_fields = ["key_prefix", "key_made_at", "user", "created_at"]
    actions = ["renew_keys"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = services.create_client(obj.name, obj.contact)
        if not obj.active:
            Client.objects.filter(pk=client.pk).update(active=False)
        obj.pk, obj.user, obj.key_hash, obj.key_prefix = client.pk, client.user, client.key_hash, client.key_prefix
        _show_key(request, client, key)

    @admin.action(description=gettext_lazy("Make new api_keys (the old ones stop working)"))
    def renew_keys(self, request, queryset):
        for client in queryset:
            _show_key(request, client, services.renew_key(client))
            self.log_change(request, client, [{"changed": {"fields": ["api_key"]}}])  # never the key itself
