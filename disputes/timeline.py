"""The words of a case's timeline: each audit action as people read it, on every face.

The mediator panel, the phone's case sheet and the resident's follow page all show a case's
history; they take these labels from here (through their page config), so an action is named
the same everywhere.
"""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "report_received": _("Report received"),
    "work_order_imported": _("12345 work order imported"),
    "accept": _("Accepted"),
    "reject": _("Rejected"),
    "merge": _("Merged into another case"),
    "merged_in": _("Another case merged in"),
    "dispatch": _("Dispatched"),
    "return": _("Returned"),
    "start": _("Taken up"),
    "request_materials": _("Missing materials requested"),
    "materials_received": _("Materials received"),
    "request_extension": _("More time requested"),
    "request_deferral": _("Deferral requested"),
    "extension_approved": _("Extension approved"),
    "extension_refused": _("Extension refused"),
    "deferral_approved": _("Deferral approved"),
    "deferral_refused": _("Deferral refused"),
    "resume": _("Resumed"),
    "resolve": _("Reported done"),
    "verify": _("Verified"),
    "verify_failed": _("Verification failed: rework"),
    "close": _("Closed"),
    "add_party": _("Party added"),
    "edit_party": _("Party corrected"),
    "register_mediation": _("Mediation registered"),
    "record_session": _("Mediation session"),
    "record_agreement": _("Agreement recorded"),
    "sign_agreement": _("Signatures recorded"),
    "extend_mediation": _("Mediation extended"),
    "record_confirmation": _("Judicial confirmation"),
    "record_follow_up": _("Follow-up"),
    "escalate": _("Escalated"),
    "summon": _("Units summoned"),
    "task_answered": _("A unit answered"),
    "regrade": _("Grade changed"),
    "deadline_warning": _("Deadline near"),
    "deadline_breached": _("Deadline passed"),
    "deadline_recomputed": _("Deadline recomputed"),
    "resident_rating": _("Rated by the resident"),
    "supervision_issued": _("Supervision order issued"),
    "supervision_replied": _("Supervision order answered"),
    "supervision_reminded": _("Supervision order reminded"),
    "supervision_escalated": _("Supervision order escalated"),
    "supervision_closed": _("Supervision order closed"),
}
