"""Whoever may see a case hears of its changes, and nobody else: for every user of the test world,
the events they receive — live through the channel layer and by catch-up from the database — are
exactly the events of the cases `Case.objects.visible_to` them at the moment of each change."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from disputes import intake, workflow
from disputes.linkage import escalation
from disputes.models import Case, JointTask
from realtime.access import groups_for
from realtime.events import EventKind
from realtime.models import Event
from realtime.publish import ALL_GROUPS, catch_up
from tests.disputes.conftest import POINT_V1_C1, POINT_V3, report_data

USERS = [
    "gridworker",
    "gridworker_v3",
    "committee",
    "mediator",
    "justice",
    "operator",
    "operator_t2",
    "county_operator",
    "outsider",
]


class Story:
    """Acts on cases, noting after each who could see the case it touched."""

    def __init__(self, world, on_commit):
        self.world = world
        self.on_commit = on_commit
        self.users = {name: getattr(world, name) for name in USERS}
        self.expected = {name: set() for name in USERS}
        self.last_seq = 0

    def step(self, act):
        with self.on_commit(execute=True):  # the events go out as after a real commit
            result = act()
        new = list(Event.objects.filter(seq__gt=self.last_seq).order_by("seq").values_list("seq", "case_id"))
        assert new, "every change makes an event"
        for name, user in self.users.items():
            # A fresh user object: what the user sees now, not what an earlier step remembered.
            fresh = type(user).objects.get(pk=user.pk)
            visible = set(Case.objects.visible_to(fresh).values_list("pk", flat=True))
            self.expected[name].update(seq for seq, case_id in new if case_id in visible)
        self.last_seq = new[-1][0]
        return result


def listen(users):
    """A channel per user, in the groups that user's socket would join."""
    layer = get_channel_layer()
    channels = {}
    for name, user in users.items():
        groups = groups_for(user)
        assert groups is not ALL_GROUPS
        channel = async_to_sync(layer.new_channel)()
        for group in groups:
            async_to_sync(layer.group_add)(group, channel)
        channels[name] = channel
    return layer, channels


async def drain(layer, channel):
    seqs = []
    while True:
        try:
            message = await asyncio.wait_for(layer.receive(channel), timeout=0.2)
        except TimeoutError:
            return seqs
        seqs.append(message["event"]["seq"])


def test_each_user_receives_exactly_the_events_of_the_cases_they_may_see(
    world, settings, django_capture_on_commit_callbacks
):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    w = world
    story = Story(w, django_capture_on_commit_callbacks)
    layer, channels = listen(story.users)

    # A gridworker reports in their own cell, and once outside it (in another township).
    mine = story.step(lambda: intake.submit_report(w.gridworker, report_data(w.disputes, POINT_V1_C1)).case)
    away = story.step(lambda: intake.submit_report(w.gridworker, report_data(w.disputes, POINT_V3)).case)

    # The case far away is handled by the other township's centre, then verified by its gridworker.
    def act(verb, user, case, **values):
        return story.step(lambda: verb(user, Case.objects.get(pk=case.pk), **values))

    act(workflow.accept_case, w.operator_t2, away)
    act(workflow.dispatch_case, w.operator_t2, away, unit=w.t2_centre)
    act(workflow.start_case, w.operator_t2, away)
    act(workflow.resolve_case, w.operator_t2, away, result="已疏通排水沟")
    act(workflow.verify_case, w.gridworker_v3, away, passed=True)
    act(workflow.close_case, w.operator_t2, away)

    # The case at home goes to the village mediators, and the township summons its 司法所 to help.
    act(workflow.accept_case, w.committee, mine)
    act(workflow.dispatch_case, w.committee, mine, unit=w.v1_mediation)
    act(workflow.start_case, w.mediator, mine)
    act(escalation.summon_units, w.operator, mine, units=[w.t1_justice], instructions="请司法所协助调解")
    task = JointTask.objects.get(case=mine)
    story.step(lambda: escalation.answer_task(w.justice, task, answer="已到场调解"))

    for name, user in story.users.items():
        caught_up = {event["seq"] for event in catch_up(groups_for(user), 0)}
        assert caught_up == story.expected[name], name
        live = set(async_to_sync(drain)(layer, channels[name]))
        assert live == story.expected[name], name

    # The drift this guards against: the reporter of a case outside their cells used to hear only of its intake.
    far_events = set(Event.objects.filter(case_id=away.pk).values_list("seq", flat=True))
    assert far_events <= story.expected["gridworker"]
    assert len(far_events) > 1
    # And a unit summoned to a joint case hears of what follows, as long as it sees the case.
    summoned = Event.objects.get(case_id=mine.pk, kind=EventKind.JOINT_SUMMONED).seq
    after = set(Event.objects.filter(case_id=mine.pk, seq__gte=summoned).values_list("seq", flat=True))
    assert len(after) > 1 and after <= story.expected["justice"]
