"""ASGI entry point: HTTP through Django, websockets through Channels (realtime/)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.auth import CredentialsOrOriginValidator  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The Origin check guards the session cookie; connections carrying a token or a display
        # token are authenticated by it alone (phones send no Origin header).
        "websocket": CredentialsOrOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
