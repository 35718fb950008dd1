"""The GeoReport v2 error: a list of {code, description}, where code is the HTTP status."""

from django.utils.translation import gettext_lazy as _


class Open311Error(Exception):
    retry_after = None

    def __init__(self, status, description):
        self.status = status
        self.errors = [{"code": status, "description": str(description)}]
        super().__init__(str(description))

    @classmethod
    def from_workflow(cls, error):
        """A service's error (core.errors) with its status: one entry per message, naming its fields."""
        if not error.fields:
            return cls(error.status, error.message)
        by_message = {}
        for name, messages in error.fields.items():
            for message in messages:
                by_message.setdefault(str(message), []).append(name)
        self = cls(error.status, error.message)
        self.errors = [
            {"code": error.status, "description": f"{', '.join(names)}: {message}"}
            for message, names in by_message.items()
        ]
        return self


def invalid_key():
    return Open311Error(403, _("Invalid api_key received: cannot proceed with create_request."))


def missing(name):
    return Open311Error(400, _("%(name)s was not provided.") % {"name": name})


def not_found(what, value):
    return Open311Error(404, _("%(what)s “%(value)s” was not found.") % {"what": what, "value": value})
