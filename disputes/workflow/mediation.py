"""Mediation as the People's Mediation Law (人民调解法, 2010) asks: parties, registration with the rights
notice, sessions, the agreement (调解协议书) and its signatures, extension, judicial confirmation, follow-up."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import IllegalTransition, InvalidInput

from ..models import (
    Agreement,
    CaseKind,
    ConfirmationOutcome,
    FollowUp,
    MediationSession,
    MediationSource,
    Party,
    PartyRole,
    Satisfaction,
)
from .core import apply, require, run

MEDIATION_DAYS = 30  # 人民调解法: mediation normally ends within a month
CONFIRMATION_WINDOW_DAYS = 30  # 司法确认 must be applied for within 30 days of the agreement


def mediating(case):
    return bool(case.mediation_source)


def add_party(
    user, case, *, name, role, id_number="", phone="", address="", refuses_mediation=False, expected_version=None
):
    def body(case, member):
        party = Party(
            case=case,
            name=name,
            role=role,
            id_number=(id_number or "").upper(),
            phone=phone,
            address=address,
            refuses_mediation=refuses_mediation,
        )
        _full_clean(party)
        party.save()
        apply(case, user, member, "add_party", details={"party": party.pk, "role": role})
        return party

    return run(user, case, "add_party", expected_version, body)


PARTY_FIELDS = ("name", "role", "id_number", "phone", "address", "refuses_mediation")


def edit_party(user, case, *, party, expected_version=None, **changes):
    """Correct or complete a party's details (a wrong role, the ID number and address the agreement needs).

    Only the fields given change; the audit entry names which, never their values (they are personal)."""
    unknown = sorted(set(changes) - set(PARTY_FIELDS))
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed here.")] for name in unknown})

    def body(case, member):
        found = case.parties.filter(pk=party).first()
        if found is None:
            raise InvalidInput(fields={"party": [_("This is not a party of this case.")]})
        changed = []
        for name, value in changes.items():
            if name == "id_number":
                value = (value or "").upper()
            if getattr(found, name) != value:
                setattr(found, name, value)
                changed.append(name)
        if not changed:
            raise InvalidInput(fields={"party": [_("Nothing to change.")]})
        _full_clean(found)
        found.save(update_fields=changed)
        apply(case, user, member, "edit_party", details={"party": found.pk, "fields": changed})
        return found

    return run(user, case, "edit_party", expected_version, body)


def agreement_party_problems(parties, oral=False):
    """What the parties lack for an agreement (人民调解法 第二十九条: the parties' basic details).

    There must be an applicant and a respondent among those who take part; a written agreement names
    each of them with an ID number and an address, as it is printed and kept. [] when nothing lacks."""
    taking_part = [party for party in parties if not party.refuses_mediation]
    roles = {party.role for party in taking_part}
    problems = []
    if not {PartyRole.APPLICANT, PartyRole.RESPONDENT} <= roles:
        problems.append(_("An agreement needs at least one applicant (申请人) and one respondent (被申请人)."))
    if not oral:
        labels = {"id_number": _("ID number"), "address": _("address")}
        for party in taking_part:
            lacking = [str(label) for name, label in labels.items() if not getattr(party, name)]
            if lacking:
                problems.append(_("%(name)s lacks: %(fields)s.") % {"name": party.name, "fields": "、".join(lacking)})
    return problems


def register_mediation(user, case, *, source, rights_notice_acknowledged, expected_version=None):
    """Registration: where the mediation came from, and the parties told of their rights and duties."""
    if case.kind != CaseKind.DISPUTE:
        raise IllegalTransition(_("Only disputes are mediated."))
    if source not in MediationSource.values:
        raise InvalidInput(fields={"source": [_("Unknown source of mediation.")]})
    if not rights_notice_acknowledged:
        raise InvalidInput(
            fields={
                "rights_notice_acknowledged": [_("The parties must acknowledge the notice of their rights and duties.")]
            }
        )

    def body(case, member):
        if case.mediation_source:
            raise IllegalTransition(_("Mediation is already registered for this case."))
        if not case.parties.exists():
            raise InvalidInput(fields={"parties": [_("Record the parties first.")]})
        refusing = list(case.parties.filter(refuses_mediation=True).values_list("name", flat=True))
        if refusing:
            raise IllegalTransition(
                _("A dispute is mediated only with every party's consent, and these parties refuse: %(names)s.")
                % {"names": "、".join(refusing)}
            )
        today = timezone.localdate()
        apply(
            case,
            user,
            member,
            "register_mediation",
            changes={
                "mediation_source": source,
                "rights_notice_at": timezone.now(),
                "mediation_due_on": today + datetime.timedelta(days=MEDIATION_DAYS),
            },
            details={"source": source},
        )

    return run(user, case, "register_mediation", expected_version, body)


def record_session(user, case, *, held_at, place, mediators, attendees, record, expected_version=None):
    for field, value in (("place", place), ("attendees", attendees), ("record", record), ("held_at", held_at)):
        require(value, field, _("This field is required."))

    def body(case, member):
        _require_mediation(case)
        session = MediationSession.objects.create(
            case=case, held_at=held_at, place=place, attendees=attendees, record=record, recorded_by=user
        )
        session.mediators.set(mediators or [user])
        apply(case, user, member, "record_session", details={"session": session.pk})
        return session

    return run(user, case, "record_session", expected_version, body)


def _require_mediation(case):
    if not mediating(case):
        raise IllegalTransition(_("Register the mediation first (source and rights notice)."))
    if case.parties.filter(refuses_mediation=True).exists():
        raise IllegalTransition(_("A party refuses mediation, so there is no mediation."))


def record_agreement(
    user, case, *, facts, issues, responsibilities, terms, performance, perform_by, oral=False, expected_version=None
):
    """调解协议书: parties, main facts, issues and responsibilities, terms, manner and time of performance."""
    values = {
        "facts": facts,
        "issues": issues,
        "responsibilities": responsibilities,
        "terms": terms,
        "performance": performance,
        "perform_by": perform_by,
    }
    missing = {field: [str(_("This field is required."))] for field, value in values.items() if not value}
    if missing:
        raise InvalidInput(fields=missing)

    def body(case, member):
        _require_mediation(case)
        if not case.sessions.exists():
            raise IllegalTransition(_("Record at least one mediation session before the agreement."))
        if Agreement.objects.filter(case=case).exists():
            raise IllegalTransition(_("This case already has an agreement."))
        problems = agreement_party_problems(list(case.parties.all()), oral=oral)
        if problems:
            raise InvalidInput(fields={"parties": problems})
        agreement = Agreement.objects.create(case=case, mediator=user, oral=oral, **values)
        apply(case, user, member, "record_agreement", details={"agreement": agreement.pk, "oral": oral})
        return agreement

    return run(user, case, "record_agreement", expected_version, body)


def sign_agreement(user, case, *, party_ids, signed_at=None, expected_version=None):
    """The agreement takes effect when every party has signed (or sealed, or fingerprinted)."""

    def body(case, member):
        agreement = Agreement.objects.filter(case=case).first()
        if agreement is None:
            raise IllegalTransition(_("There is no agreement to sign."))
        parties = {party.pk: party for party in case.parties.all()}
        unknown = [pk for pk in party_ids if pk not in parties]
        if unknown:
            raise InvalidInput(
                fields={
                    "party_ids": [
                        _("These are not parties of this case: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
                    ]
                }
            )
        agreement.signed_parties.add(*party_ids)
        signed = set(agreement.signed_parties.values_list("pk", flat=True))
        details = {"signed": sorted(signed)}
        if signed >= set(parties) and agreement.signed_at is None:
            agreement.signed_at = signed_at or timezone.now()
            agreement.save(update_fields=["signed_at"])
            details["effective"] = agreement.signed_at.isoformat()
        apply(case, user, member, "sign_agreement", details=details)
        return agreement

    return run(user, case, "sign_agreement", expected_version, body)


def extend_mediation(user, case, *, days, consent_note, expected_version=None):
    """Mediation may run past its month only with the parties' agreement."""
    require(consent_note, "consent_note", _("Record how the parties agreed to continue."))

    def body(case, member):
        _require_mediation(case)
        new_due = case.mediation_due_on + datetime.timedelta(days=int(days))
        apply(
            case,
            user,
            member,
            "extend_mediation",
            changes={"mediation_due_on": new_due},
            details={"days": int(days), "consent": consent_note},
        )

    return run(user, case, "extend_mediation", expected_version, body)


def record_confirmation(user, case, *, applied_on=None, outcome=None, decided_on=None, expected_version=None):
    """司法确认: applied for within 30 days of the agreement taking effect; then the court's outcome."""

    def body(case, member):
        agreement = Agreement.objects.filter(case=case).first()
        if agreement is None or not agreement.effective:
            raise IllegalTransition(_("Only an effective agreement can be confirmed by a court."))
        changes = []
        if applied_on is not None:
            deadline = timezone.localdate(agreement.signed_at) + datetime.timedelta(days=CONFIRMATION_WINDOW_DAYS)
            if applied_on > deadline:
                raise InvalidInput(
                    fields={
                        "applied_on": [
                            _("Judicial confirmation must be applied for by %(date)s, within 30 days of the agreement.")
                            % {"date": deadline.isoformat()}
                        ]
                    }
                )
            agreement.confirmation_applied_on = applied_on
            agreement.confirmation_outcome = ConfirmationOutcome.PENDING
            changes += ["confirmation_applied_on", "confirmation_outcome"]
        if outcome is not None:
            if agreement.confirmation_applied_on is None:
                raise IllegalTransition(_("Record the application before the court's decision."))
            if outcome not in (ConfirmationOutcome.CONFIRMED, ConfirmationOutcome.REFUSED):
                raise InvalidInput(fields={"outcome": [_("Unknown outcome.")]})
            agreement.confirmation_outcome = outcome
            agreement.confirmation_decided_on = decided_on or timezone.localdate()
            changes += ["confirmation_outcome", "confirmation_decided_on"]
        if not changes:
            raise InvalidInput(fields={"applied_on": [_("Give the application date or the outcome.")]})
        agreement.save(update_fields=changes)
        apply(
            case,
            user,
            member,
            "record_confirmation",
            details={"applied_on": str(agreement.confirmation_applied_on), "outcome": agreement.confirmation_outcome},
        )
        return agreement

    return run(user, case, "record_confirmation", expected_version, body)


def record_follow_up(user, case, *, performed, satisfaction="", notes="", expected_version=None):
    """回访: the committee checks the agreement is performed and asks how satisfied the parties are."""
    if satisfaction and satisfaction not in Satisfaction.values:
        raise InvalidInput(fields={"satisfaction": [_("Unknown satisfaction level.")]})

    def body(case, member):
        follow_up = FollowUp.objects.create(
            case=case, performed=bool(performed), satisfaction=satisfaction, notes=notes, visited_by=user
        )
        apply(
            case,
            user,
            member,
            "record_follow_up",
            details={"follow_up": follow_up.pk, "performed": bool(performed), "satisfaction": satisfaction},
        )
        return follow_up

    return run(user, case, "record_follow_up", expected_version, body)


def _full_clean(instance):
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=["case"])
    except ValidationError as error:
        raise InvalidInput(fields={k: [str(m) for m in v] for k, v in error.message_dict.items()}) from None
