"""Who is asking: the client's address, as far as it can be trusted.

`X-Forwarded-For` is written by whoever sends the request, so it names the client only when
the request came from one of our own reverse proxies (settings.TRUSTED_PROXIES, addresses or
networks). Each proxy appends the address it received the request from; the client is the
rightmost address that is not one of ours. Everything to its left is the client's own word.
"""

import functools
import ipaddress

from django.conf import settings


@functools.lru_cache(maxsize=8)
def _networks(proxies):
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def _trusted(address, networks):
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request):
    """The address to count a request against: REMOTE_ADDR, unless a trusted proxy forwarded it."""
    remote = request.META.get("REMOTE_ADDR") or ""
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return remote
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, networks):
            return address
    # Only our own proxies on the way: the request started at one of them.
    return forwarded[0] if forwarded else remote


class ClientAddressThrottle:
    """A DRF throttle mixin: count by the trusted client address (DRF's own trusts any header)."""

    def get_ident(self, request):
        return client_address(request)
