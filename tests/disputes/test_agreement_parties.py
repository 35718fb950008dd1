"""An agreement names its parties as the People's Mediation Law asks (第二十九条), and a party can be corrected."""

import datetime

import pytest
from django.utils import timezone

from core.errors import InvalidInput, NotAllowed
from disputes import intake, workflow
from disputes.models import Agreement, AuditEntry
from tests.disputes.conftest import PARTIES, report_data

TERMS = {
    "facts": "排水沟堵塞",
    "issues": "疏通责任",
    "responsibilities": "双方共同负责",
    "terms": "三日内疏通",
    "performance": "当面履行",
    "perform_by": datetime.date(2030, 6, 30),
}


def mediating(world, parties):
    case = intake.submit_report(world.gridworker, report_data(world.neighbours)).case
    workflow.accept_case(world.committee, case)
    workflow.dispatch_case(world.committee, case, unit=world.v1_mediation)
    workflow.start_case(world.mediator, case)
    ids = [workflow.add_party(world.mediator, case, **party).pk for party in parties]
    workflow.register_mediation(world.mediator, case, source="application", rights_notice_acknowledged=True)
    workflow.record_session(
        world.mediator,
        case,
        held_at=timezone.now(),
        place="调解室",
        mediators=[world.mediator],
        attendees="双方",
        record="-",
    )
    return case, ids


def refusal(world, case, **extra):
    with pytest.raises(InvalidInput) as caught:
        workflow.record_agreement(world.mediator, case, **TERMS, **extra)
    assert not Agreement.objects.filter(case=case).exists()
    return caught.value.fields["parties"]


def test_two_applicants_and_no_respondent_make_no_agreement_until_a_role_is_corrected(world):
    both_applying = [PARTIES[0], {**PARTIES[1], "role": "applicant"}]
    case, ids = mediating(world, both_applying)
    assert any("被申请人" in str(problem) or "respondent" in str(problem) for problem in refusal(world, case))
    assert any(
        "被申请人" in str(problem) or "respondent" in str(problem) for problem in refusal(world, case, oral=True)
    )
    workflow.edit_party(world.mediator, case, party=ids[1], role="respondent")
    assert workflow.record_agreement(world.mediator, case, **TERMS).pk


def test_a_written_agreement_needs_each_partys_id_number_and_address_an_oral_one_does_not(world):
    case, ids = mediating(world, [PARTIES[0], {**PARTIES[1], "id_number": "", "address": ""}])
    problems = refusal(world, case)
    assert len(problems) == 1 and "李卫东" in str(problems[0])
    assert workflow.record_agreement(world.mediator, case, **TERMS, oral=True).oral is True


def test_editing_a_party_changes_only_what_is_given_and_audits_the_field_names_only(world):
    case, ids = mediating(world, PARTIES)
    workflow.edit_party(world.mediator, case, party=ids[1], address="东沟村四组1号", phone=PARTIES[1]["phone"])
    entry = AuditEntry.objects.filter(case=case).latest("seq")
    assert entry.action == "edit_party" and entry.details == {"party": ids[1], "fields": ["address"]}
    party = case.parties.get(pk=ids[1])
    assert (party.address, party.name, party.id_number) == ("东沟村四组1号", "李卫东", PARTIES[1]["id_number"])
    # Bad input changes nothing: an invalid ID number, a party of another case, nothing new.
    version = case.__class__.objects.get(pk=case.pk).version
    with pytest.raises(InvalidInput):
        workflow.edit_party(world.mediator, case, party=ids[1], id_number="123")
    with pytest.raises(InvalidInput):
        workflow.edit_party(world.mediator, case, party=999999, name="某人")
    with pytest.raises(InvalidInput):
        workflow.edit_party(world.mediator, case, party=ids[1], name="李卫东")
    assert case.__class__.objects.get(pk=case.pk).version == version
    assert case.parties.get(pk=ids[1]).id_number == PARTIES[1]["id_number"]
    # Who may: the handlers, not the gridworker who found it.
    with pytest.raises(NotAllowed):
        workflow.edit_party(world.gridworker, case, party=ids[1], address="x")
