"""Websocket routes. The event stream and its consumers arrive with the realtime issue."""

websocket_urlpatterns = []
