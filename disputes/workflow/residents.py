"""What a resident may do without an account: look a case up by its number and code, and rate it once."""

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import IllegalTransition, InvalidInput, NotFound

from ..lifecycle import CaseState
from ..models import Case, Satisfaction
from .core import record

S = CaseState


def find_for_resident(number, verification_code):
    """A resident's look-up: the number and the code given at intake, or nothing (never say which was wrong)."""
    case = Case.objects.filter(number=str(number or "").strip()).first()
    if case is None or not secrets.compare_digest(case.verification_code, str(verification_code or "").strip()):
        raise NotFound(_("No case matches this number and verification code."))
    return case


def rate_case(number, verification_code, satisfaction):
    """The resident rates the handling once, after it is resolved."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(fields={"satisfaction": [_("Unknown satisfaction level.")]})
    with transaction.atomic():
        case = find_for_resident(number, verification_code)
        if case.state not in (S.RESOLVED, S.VERIFIED, S.CLOSED):
            raise IllegalTransition(state=case.get_state_display())
        # Conditional update: two simultaneous ratings cannot both land.
        if not Case.objects.filter(pk=case.pk, resident_rating="").update(resident_rating=satisfaction):
            raise IllegalTransition(_("This case has already been rated."))
        record(case, action="resident_rating", details={"satisfaction": satisfaction})
    case.resident_rating = satisfaction
    return case
