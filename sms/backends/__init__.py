"""Senders, chosen by settings.SMS_BACKEND like Django's email backends."""

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT = "sms.backends.console.ConsoleBackend"


def get_backend():
    return import_string(getattr(settings, "SMS_BACKEND", None) or DEFAULT)()
