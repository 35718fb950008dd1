"""The acts a case allows, each declared once.

An act says in which states it applies, who may do it, the verb that carries it out, the API
serializer of its input and the URL path of its endpoint, its title and hint on a screen,
whether it is a main step of the loop, and whether it restarts the stage's clock. From this
table come: the rules the verbs check (`disputes.workflow.core`), `allowed_actions`, the API's
routes and OpenAPI schema (`disputes.api.views`), the mediator panel's forms and its main
buttons, and the phone's actions (`frontend`). The order is the order a screen offers them:
the closed loop and the mediation first, the detours after.

Who: "handler" (a handler role of the case's current unit), "supervisor" (a centre operator or
administrator whose region holds the case), "finder" (a gridworker or volunteer of its cell)
and "first_unit" (a handler role of the unit that received it first, 首问负责).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from ..lifecycle import CaseState as S

MEDIATION_STATES = frozenset({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS})
WHO = ("handler", "supervisor", "finder", "first_unit")
TARGETS = ("case", "request")  # what the endpoint's id names


@dataclass(frozen=True)
class Act:
    name: str
    states: frozenset
    who: tuple
    verb: str  # dotted path of the verb function
    serializer: str  # class name in disputes.api.serializers
    path: str  # the endpoint under /api/cases/{id}/ (or /api/requests/{id}/ for target "request")
    title: Promise
    hint: Promise = ""
    main: bool = False  # a main step of the loop: the panel shows it first and prominently
    restarts_clock: bool = False  # the stage gets a fresh deadline though the state may stay
    target: str = "case"

    def function(self):
        return import_string(self.verb)


def act(name, states, who, verb, serializer, path, title, hint="", **options):
    assert set(who) <= set(WHO), who
    return Act(name, frozenset(states), tuple(who), verb, serializer, path, title, hint, **options)


LOOP = "disputes.workflow.loop."
MEDIATION = "disputes.workflow.mediation."
CHAIN = "disputes.linkage.escalation."
CHAIN_STATES = {S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS}
HANDLER, SUPERVISOR = ("handler",), ("supervisor",)
BOTH = ("handler", "supervisor")

ACTS = (
    # fmt: off
    act(
        "accept",
        {S.REPORTED},
        BOTH,
        LOOP + "accept_case",
        "AcceptSerializer",
        "accept",
        _("Accept"),
        _("Take the case in (受理); the dispatch clock starts."),
        main=True,
    ),
    act(
        "dispatch",
        {S.ACCEPTED},
        BOTH,
        LOOP + "dispatch_case",
        "DispatchSerializer",
        "dispatch",
        _("Dispatch"),
        _("Send the case to the unit that will handle it (派遣)."),
        main=True,
    ),
    act(
        "start",
        {S.DISPATCHED},
        HANDLER,
        LOOP + "start_case",
        "ActSerializer",
        "start",
        _("Take up"),
        _("You become the handler and the handling clock runs."),
        main=True,
    ),
    act(
        "register_mediation",
        MEDIATION_STATES,
        HANDLER,
        MEDIATION + "register_mediation",
        "RegisterMediationSerializer",
        "register-mediation",
        _("Register the mediation"),
        _("Record where the mediation came from, and that the parties were told of their rights and duties."),
        main=True,
    ),
    act(
        "record_session",
        {S.IN_PROGRESS},
        HANDLER,
        MEDIATION + "record_session",
        "SessionInputSerializer",
        "sessions",
        _("Record a session"),
        _("One mediation session: when, where, who, what."),
        main=True,
    ),
    act(
        "record_agreement",
        {S.IN_PROGRESS},
        HANDLER,
        MEDIATION + "record_agreement",
        "AgreementInputSerializer",
        "agreement",
        _("Record the agreement"),
        _("The mediation agreement (调解协议书); it takes effect when every party has signed."),
        main=True,
    ),
    act(
        "sign_agreement",
        {S.IN_PROGRESS},
        HANDLER,
        MEDIATION + "sign_agreement",
        "SignSerializer",
        "sign-agreement",
        _("Record signatures"),
        _("Tick the parties who have signed."),
        main=True,
    ),
    act(
        "resolve",
        {S.IN_PROGRESS},
        HANDLER,
        LOOP + "resolve_case",
        "ResolveSerializer",
        "resolve",
        _("Report done"),
        _("Report the case handled (办结), with what was done."),
        main=True,
    ),
    act(
        "verify",
        {S.RESOLVED},
        ("supervisor", "finder", "first_unit"),
        LOOP + "verify_case",
        "VerifySerializer",
        "verify",
        _("Verify"),
        _("Check the result (核查); a failure sends it back for rework."),
        main=True,
    ),
    act(
        "close",
        {S.VERIFIED},
        ("supervisor", "first_unit"),
        LOOP + "close_case",
        "NoteSerializer",
        "close",
        _("Close the case"),
        _("The loop is complete: the case is closed and filed (结案)."),
        main=True,
    ),
    act(
        "record_follow_up",
        {S.RESOLVED, S.VERIFIED, S.CLOSED},
        ("handler", "first_unit", "supervisor"),
        MEDIATION + "record_follow_up",
        "FollowUpInputSerializer",
        "follow-ups",
        _("Record a follow-up"),
        _("The return visit (回访)."),
        main=True,
    ),
    act(
        "record_confirmation",
        {S.IN_PROGRESS, S.RESOLVED, S.VERIFIED, S.CLOSED},
        ("handler", "first_unit", "supervisor"),
        MEDIATION + "record_confirmation",
        "ConfirmationSerializer",
        "confirmation",
        _("Judicial confirmation"),
        _("The application to the court (司法确认), or its decision."),
    ),
    act(
        "add_party",
        {S.REPORTED} | MEDIATION_STATES,
        BOTH,
        MEDIATION + "add_party",
        "AddPartySerializer",
        "parties",
        _("Add a party"),
    ),
    act(
        "edit_party",
        {S.REPORTED} | MEDIATION_STATES,
        BOTH,
        MEDIATION + "edit_party",
        "EditPartySerializer",
        "edit-party",
        _("Correct a party"),
        _("Complete or correct a party's details: the agreement needs each one's ID number and address."),
    ),
    act(
        "request_materials",
        {S.ACCEPTED, S.IN_PROGRESS},
        HANDLER,
        LOOP + "request_materials",
        "MaterialsSerializer",
        "request-materials",
        _("Ask for missing materials"),
        _("The clock stops (补办)."),
    ),
    act(
        "materials_received",
        {S.AWAITING_MATERIALS},
        BOTH,
        LOOP + "materials_received",
        "NoteSerializer",
        "materials-received",
        _("Materials received"),
        _("The clock runs again."),
    ),
    act(
        "request_extension",
        {S.IN_PROGRESS},
        HANDLER,
        LOOP + "request_extension",
        "ExtensionSerializer",
        "request-extension",
        _("Ask for more time"),
        _("A supervisor decides (延期)."),
    ),
    act(
        "request_deferral",
        {S.IN_PROGRESS},
        HANDLER,
        LOOP + "request_deferral",
        "ReasonSerializer",
        "request-deferral",
        _("Ask to defer"),
        _("A supervisor decides (缓办)."),
    ),
    act(
        "decide_request",
        {S.IN_PROGRESS},
        SUPERVISOR,
        LOOP + "decide_request",
        "DecideSerializer",
        "decide",
        _("Decide the request"),
        main=True,
        target="request",
    ),
    act(
        "resume",
        {S.DEFERRED},
        BOTH,
        LOOP + "resume_case",
        "NoteSerializer",
        "resume",
        _("Resume"),
        _("End the deferral."),
    ),
    act(
        "extend_mediation",
        {S.IN_PROGRESS},
        HANDLER,
        MEDIATION + "extend_mediation",
        "ExtendMediationSerializer",
        "extend-mediation",
        _("Extend the mediation"),
        _("Only with the parties' consent."),
    ),
    act(
        "escalate",
        CHAIN_STATES,
        BOTH,
        CHAIN + "escalate_case",
        "ReasonSerializer",
        "escalate",
        _("Escalate"),
        _("The next unit up the chain takes the case (上报)."),
        restarts_clock=True,
    ),
    act(
        "summon",
        CHAIN_STATES,
        SUPERVISOR,
        CHAIN + "summon_units",
        "SummonSerializer",
        "summon",
        _("Summon units"),
        _("Handle the case jointly with other units (联办)."),
    ),
    act(
        "regrade",
        {S.REPORTED} | CHAIN_STATES,
        SUPERVISOR,
        "disputes.grading.regrade_case",
        "RegradeSerializer",
        "regrade",
        _("Change the grade"),
        _("Recolour the case (红橙黄绿), saying why."),
    ),
    act(
        "return",
        {S.DISPATCHED},
        HANDLER,
        LOOP + "return_case",
        "ReasonSerializer",
        "return",
        _("Return"),
        _("Send the case back to the unit that dispatched it (退回)."),
    ),
    act(
        "merge",
        {S.REPORTED, S.ACCEPTED},
        BOTH,
        LOOP + "merge_case",
        "MergeSerializer",
        "merge",
        _("Merge"),
        _("Fold this case into another open case."),
    ),
    act(
        "reject",
        {S.REPORTED},
        BOTH,
        LOOP + "reject_case",
        "ReasonSerializer",
        "reject",
        _("Reject"),
        _("Do not accept the case (不予受理), saying why."),
    ),
    # fmt: on
)

CATALOGUE = {entry.name: entry for entry in ACTS}
assert len(CATALOGUE) == len(ACTS), "an act is declared twice"
assert all(entry.target in TARGETS for entry in ACTS)


def get(name):
    return CATALOGUE[name]
