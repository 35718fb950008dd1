"""Websocket routes (config.asgi wraps them in the Origin check and the session middleware)."""

from django.urls import path

from .consumers import EventConsumer

websocket_urlpatterns = [
    path("ws/events/", EventConsumer.as_asgi()),
]
