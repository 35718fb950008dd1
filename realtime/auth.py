"""Who is on the other end of a websocket: a session user, a phone's API token, or a wall.

Three ways in, tried in this order by `realtime.consumers`:

- `?token=<DRF token>` (phones): the same token as the REST API, looked up in the database
  (`accounts.tokens`: an expired or revoked token is refused).
- `?display=<signed display token>` (walls that run unattended): no user at all; the token names
  one region and the wall may only read that region's events. It is signed with the site's
  SECRET_KEY (`django.core.signing`), so it needs no table; it is revoked by listing its id in
  the setting REALTIME_REVOKED_DISPLAY_TOKENS (and expires after REALTIME_DISPLAY_TOKEN_MAX_AGE
  seconds when that is set). A revocation list in settings needs a restart to take effect:
  a `DisplayToken` model (id, region, label, revoked_at) should replace it.
- otherwise the session cookie (the web), resolved by channels' AuthMiddlewareStack.

An explicit credential wins over the cookie, and a bad one is refused rather than falling back
to the cookie: so a connection that carries `token` or `display` never acts with the session,
which is what lets `CredentialsOrOriginValidator` skip the Origin check for it (native phone
clients send no Origin header; a cross-site page cannot read a token to forge one).
"""

import secrets
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.core import signing

DISPLAY_SALT = "realtime.display"
DISPLAY_PREFIX = "display"


def query_params(scope):
    """The connection's query string as {name: last value}."""
    raw = scope.get("query_string", b"")
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    return {name: values[-1] for name, values in parse_qs(raw, keep_blank_values=True).items()}


def carries_credentials(scope):
    params = query_params(scope)
    return "token" in params or "display" in params


# --- phones: the REST API's token --------------------------------------------------------------


def user_for_token(key):
    """The active user owning phone token `key` while it is valid (not expired, not revoked), or None."""
    from accounts.tokens import user_for_key

    return user_for_key(key)


user_for_token_async = database_sync_to_async(user_for_token)


# --- walls: signed, revocable, read-only display tokens ----------------------------------------


def _signer():
    return signing.TimestampSigner(salt=DISPLAY_SALT)


def issue_display_token(region_code, display_id=None):
    """A display token for a wall showing `region_code`; returns (token, display id).

    Keep the id: listing it in REALTIME_REVOKED_DISPLAY_TOKENS revokes the token.
    """
    display_id = display_id or secrets.token_hex(8)
    if not (isinstance(region_code, str) and region_code.isdigit() and len(region_code) == 12):
        raise ValueError(f"{region_code!r} is not a 12-digit region code")
    if ":" in display_id:
        raise ValueError("a display id may not contain ':'")
    return _signer().sign(f"{DISPLAY_PREFIX}:{region_code}:{display_id}"), display_id


def display_identity(token):
    """(region code, display id) for a valid, unrevoked, unexpired display token; else None."""
    if not token or not isinstance(token, str) or len(token) > 256:
        return None
    max_age = getattr(settings, "REALTIME_DISPLAY_TOKEN_MAX_AGE", None)
    try:
        value = _signer().unsign(token, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    prefix, _sep, rest = value.partition(":")
    region_code, _sep, display_id = rest.partition(":")
    if prefix != DISPLAY_PREFIX or not region_code.isdigit() or len(region_code) != 12 or not display_id:
        return None
    if display_id in set(getattr(settings, "REALTIME_REVOKED_DISPLAY_TOKENS", ())):
        return None
    return region_code, display_id


def display_region(token):
    """The region code a valid display token shows, or None (bad signature, expired or revoked)."""
    identity = display_identity(token)
    return identity[0] if identity else None


# --- Origin check -----------------------------------------------------------------------------


class CredentialsOrOriginValidator:
    """Check the Origin header (against ALLOWED_HOSTS) only for connections that rely on the cookie.

    Cross-site websocket hijacking rides on the browser's cookie; a connection carrying `token`
    or `display` is authenticated by that value alone (the consumer then ignores the session),
    and native phone clients send no Origin header at all.
    """

    def __init__(self, application):
        self.application = application
        self.checked = AllowedHostsOriginValidator(application)

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket" and carries_credentials(scope):
            return await self.application(scope, receive, send)
        return await self.checked(scope, receive, send)
