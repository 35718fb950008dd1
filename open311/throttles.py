"""Rates for Open311 (settings REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], through the shared cache): reads per
client address, since they take no key; posts per client application, whatever address it posts from."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.clients import ClientAddressThrottle


class Open311Throttle(SimpleRateThrottle):
    default_rate = None

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or self.default_rate


class ReadThrottle(ClientAddressThrottle, Open311Throttle):
    scope = "open311"
    default_rate = "600/hour"

    def get_cache_key(self, request, holder):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ClientThrottle(Open311Throttle):
    scope = "open311_client"
    default_rate = "5000/hour"

    def get_cache_key(self, request, client):
        return self.cache_format % {"scope": self.scope, "ident": client.pk}
