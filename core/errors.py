"""Errors the services raise. Each carries a stable code, a translated message and an HTTP
status, so that every caller (API, admin, commands) reports them the same way."""

from django.utils.translation import gettext_lazy as _


class WorkflowError(Exception):
    code = "workflow_error"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, fields=None, **params):
        self.message = str(message or self.default_message) % params if params else str(message or self.default_message)
        self.fields = fields or {}
        super().__init__(self.message)


class InvalidInput(WorkflowError):
    code = "invalid"
    status = 400
    default_message = _("Some values are not valid.")


class NotAllowed(WorkflowError):
    code = "not_allowed"
    status = 403
    default_message = _("You may not do this to this case.")


class NotFound(WorkflowError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class IllegalTransition(WorkflowError):
    code = "illegal_transition"
    status = 409
    default_message = _("This cannot be done while the case is “%(state)s”.")


class StaleCase(WorkflowError):
    code = "stale"
    status = 409
    default_message = _(
        "The case was changed by someone else (now version %(current)s, you had %(expected)s): reload it and try again."
    )


class ReportConflict(WorkflowError):
    code = "report_conflict"
    status = 409
    default_message = _("A different report with this id has already been received: give the new report a new id.")


class NotReady(WorkflowError):
    code = "not_ready"
    status = 409
    default_message = _("This is not ready yet: try again later.")
