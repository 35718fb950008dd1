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
    given = str(verification_code or "").strip().encode()  # bytes: compare_digest refuses non-ASCII str
    if case is None or not secrets.compare_digest(case.verification_code.encode(), given):
        raise NotFound(_("No case matches this number and verification code."))
    return case


def rate_case(number, verification_code, satisfaction, reason=""):
    """The resident rates the handling once, after it is resolved; 不满意 needs a reason."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(fields={"satisfaction": [_("Unknown satisfaction level.")]})
    reason = str(reason or "").strip()
    with transaction.atomic():
        case = find_for_resident(number, verification_code)
        if case.state not in (S.RESOLVED, S.VERIFIED, S.CLOSED):
            raise IllegalTransition(state=case.get_state_display())
        if case.resident_rating:
            raise IllegalTransition(_("This case has already been rated."))
        if satisfaction == Satisfaction.UNSATISFIED and not reason:
            raise InvalidInput(fields={"reason": [_("Say what was not satisfactory.")]})
        # Conditional update: two simultaneous ratings cannot both land.
        if not Case.objects.filter(pk=case.pk, resident_rating="").update(resident_rating=satisfaction):
            raise IllegalTransition(_("This case has already been rated."))
        details = {"satisfaction": satisfaction, **({"reason": reason[:500]} if reason else {})}
        record(case, action="resident_rating", details=details)
    case.resident_rating = satisfaction
    return case
