"""The mediator's map (调解工作台): the cases of my jurisdiction on a map and in a list, and a case
panel with the acts I may take.

The page is a shell; its script reads cases from the API. What the script needs besides - the form
of each act, the labels, the units a case may go to, where the map starts - is built here, translated,
and handed over as JSON (json_script). The act forms are derived from the API's own input serializers,
so a field added there shows up here (and the unit tests insist that it has a label).
"""

import re

from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models import Extent
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from disputes import access, duplicates, lifecycle, timeline
from disputes.api import serializers as s
from disputes.models import (
    CaseKind,
    CaseState,
    ConfirmationOutcome,
    Grade,
    Handling,
    MediationSource,
    PartyRole,
    PhotoPurpose,
    RequestKind,
    Satisfaction,
)
from disputes.workflow import catalogue
from grid import jurisdiction
from grid.models import Region, RegionLevel, Unit, display_name
from maps import casemap
from supervision import faces as supervision

# Field labels; (rule, field) first, then the field name alone.
LABELS = {
    "note": _("Note"),
    "handling": _("Handling"),
    "reason": _("Reason"),
    "into": _("Number of the case to merge into"),
    "unit": _("Unit"),
    "items": _("Missing materials, one per line"),
    "days": _("Working days"),
    "result": _("Result"),
    "passed": _("Verification"),
    "name": _("Name"),
    "role": _("Role"),
    "id_number": _("ID number"),
    "phone": _("Phone"),
    "address": _("Address"),
    "refuses_mediation": _("Refuses mediation"),
    "source": _("Source of the mediation"),
    "rights_notice_acknowledged": _("The parties were told of their rights and duties"),
    "held_at": _("Date and time"),
    "place": _("Place"),
    "attendees": _("Participants"),
    "record": _("Summary"),
    "facts": _("Main facts"),
    "issues": _("Issues in dispute"),
    "responsibilities": _("Responsibilities of each side"),
    "terms": _("Agreed terms"),
    "performance": _("Manner of performance"),
    "perform_by": _("Perform by"),
    "oral": _("Oral agreement"),
    "party_ids": _("Parties who signed"),
    "party": _("Party"),
    "signed_at": _("Signed at (if not now)"),
    "consent_note": _("How the parties agreed to continue"),
    "applied_on": _("Applied to the court on"),
    "outcome": _("Court's decision"),
    "decided_on": _("Decided on"),
    "performed": _("Agreement performed"),
    "satisfaction": _("Satisfaction"),
    "notes": _("Notes"),
    "approve": _("Decision"),
    "grade": _("Grade"),
    "units": _("Units"),
    "instructions": _("Instructions"),
    "answer": _("What your unit did"),
    ("request_extension", "days"): _("Extra working days"),
    ("extend_mediation", "days"): _("Extra days"),
    ("summon", "days"): _("Working days to answer"),
    ("verify", "note"): _("Note (say what is still wrong if it fails)"),
}

# Booleans that are a decision between two answers, shown as two radio buttons (nothing chosen at first).
YES_NO = {
    "passed": (_("Passed"), _("Not passed: rework")),
    "approve": (_("Approve"), _("Refuse")),
    "performed": (_("Performed"), _("Not performed")),
}

# Fields the form does not offer: the version is sent by the script; the mediators of a session default
# to the one who records it.
SKIPPED = {"version", "mediators"}

MULTILINE_FROM = 201  # a text field without max_length, or longer than this, is a textarea


def url_with_id(name):
    """The URL named `name`, with `{id}` where the script puts the id of a case (or request, or task)."""
    return reverse(name, kwargs={"pk": 0}).replace("/0/", "/{id}/")


def act_path(entry):
    """The endpoint of an act of the catalogue, with `{id}` for the case's (or request's) id."""
    if entry.target == "request":
        return url_with_id("api:request-decide")
    return url_with_id("api:case-detail") + f"{entry.path}/"


def label_of(rule, name):
    return LABELS.get((rule, name)) or supervision.LABELS.get((rule, name)) or LABELS[name]


def choices_of(field):
    return [[str(value), str(label)] for value, label in field.choices.items()]


def field_spec(rule, name, field):
    """How a form shows one input field of an act's serializer."""
    spec = {"name": name, "label": str(label_of(rule, name)), "required": bool(field.required)}
    if name in YES_NO:
        yes, no = YES_NO[name]
        spec.update(kind="yesno", choices=[["true", str(yes)], ["false", str(no)]])
    elif name == "into":
        spec["kind"] = "case"  # the script finds the case by its number
    elif name == "party":
        spec["kind"] = "party"  # one of the case's parties
    elif isinstance(field, serializers.BooleanField):
        spec["kind"] = "checkbox"
    elif isinstance(field, serializers.ChoiceField):
        spec.update(kind="select", choices=choices_of(field))
    elif isinstance(field, serializers.DateTimeField):
        spec["kind"] = "datetime"
    elif isinstance(field, serializers.DateField):
        spec["kind"] = "date"
    elif isinstance(field, serializers.IntegerField):
        spec.update(kind="number", min=field.min_value, max=field.max_value)
    elif isinstance(field, serializers.ListField):
        spec["kind"] = "parties" if isinstance(field.child, serializers.IntegerField) else "lines"
    elif isinstance(field, serializers.ManyRelatedField):
        spec["kind"] = "units"
    elif isinstance(field, serializers.SlugRelatedField):
        spec["kind"] = "unit"
    elif isinstance(field, serializers.CharField):
        long = field.max_length is None or field.max_length >= MULTILINE_FROM
        spec.update(kind="textarea" if long else "text", max_length=field.max_length)
    else:  # pragma: no cover - a new kind of field needs a widget here first
        raise TypeError(f"no widget for {type(field).__name__} {name!r}")
    return spec


def form_spec(rule, url, title, hint, serializer_class, main):
    fields = serializer_class().fields.items()
    return {
        "rule": rule,
        "url": url,
        "title": str(title),
        "hint": str(hint),
        "main": main,
        "fields": [field_spec(rule, name, field) for name, field in fields if name not in SKIPPED],
    }


def act_specs():
    """One form per act of the catalogue, in its order."""
    return [
        form_spec(entry.name, act_path(entry), entry.title, entry.hint, getattr(s, entry.serializer), entry.main)
        for entry in catalogue.ACTS
    ]


def answer_spec():
    """A summoned unit's answer to its joint task (联办): not a case act, and it names no version."""
    title = _("Answer for your unit")
    return form_spec("answer_task", url_with_id("api:task-answer"), title, "", s.AnswerSerializer, True)


def units():
    """Active units with the code prefix of the place they serve: a case may go to one serving its place."""
    rows = (
        Unit.objects.filter(active=True).select_related("region").only("code", "name", "region__code", "region__level")
    )
    listed = [{"code": unit.code, "name": unit.name, "prefix": unit.region.prefix} for unit in rows]
    # The nearest units (longest prefix) first.
    return sorted(listed, key=lambda unit: (-len(unit["prefix"]), unit["code"]))


def start_view(user):
    """The extent of the user's jurisdiction ([[south, west], [north, east]]), else of the counties."""
    holder = jurisdiction.of(user)
    regions = set() if holder.everything else holder.map_regions
    extent = regions and extent_of(Region.objects.filter(pk__in=regions))
    if not extent:
        extent = extent_of(Region.objects.filter(level=RegionLevel.COUNTY))
    if not extent:
        return None
    west, south, east, north = extent
    return [[south, west], [north, east]]


def extent_of(regions):
    return regions.aggregate(extent=Extent("boundary"))["extent"]


def choices(enum):
    return [[value, str(label)] for value, label in enum.choices]


def grades():
    """[value, label, name]: "green: the gridworker follows up" is named "green" where space is short."""
    return [[value, label, re.split("[:：]", label, maxsplit=1)[0].strip()] for value, label in choices(Grade)]


# What the script shows; keys are its own names. Placeholders are %(name)s, filled in by the script.
STRINGS = {
    "loading": _("Loading…"),
    "load_failed": _("The cases could not be loaded: %(message)s"),
    "network_error": _("The server cannot be reached. Check the connection and try again."),
    "count": _("%(count)s cases"),
    "count_one": _("1 case"),
    "no_cases": _("No case matches these filters."),
    "count_more": _("%(count)s newest cases shown; there are more"),
    "load_more": _("Show more"),
    "cluster_label": _("%(count)s cases here: zoom in to see them"),
    "paused": _("Clock stopped"),
    "no_deadline": _("No deadline"),
    "maybe_duplicates": _("%(count)s possible duplicates"),
    "left": _("%(time)s left"),
    "late": _("overdue by %(time)s"),
    "days_clock": _("%(days)s d %(clock)s"),
    "days_hours": _("%(days)s d %(hours)s h"),
    "hours_minutes": _("%(hours)s h %(minutes)s min"),
    "due": _("Due %(when)s"),
    "provisional": _("provisional"),
    "provisional_hint": _(
        "Counted Monday to Friday: the holidays of that year are not entered yet. It is recomputed once they are."
    ),
    "close_panel": _("Close the case panel"),
    "case_title": _("Case %(number)s"),
    "description": _("Description"),
    "place": _("Place"),
    "current_unit": _("Handling unit"),
    "first_unit": _("First received by"),
    "handler": _("Handler"),
    "handling": _("Handling"),
    "created_at": _("Reported"),
    "accepted_at": _("Accepted"),
    "resolved_at": _("Resolved"),
    "closed_at": _("Closed"),
    "mediation_source": _("Mediation"),
    "mediation_due_on": _("Mediation ends by"),
    "rework_count": _("Rework"),
    "reason": _("Reason"),
    "deadline": _("Deadline"),
    "facts": _("Facts"),
    "parties": _("Parties"),
    "no_parties": _("No parties recorded."),
    "duplicates": _("Perhaps the same matter"),
    "duplicates_hint": _("Open cases that may be this one again. Merging folds this case into the one chosen."),
    "duplicate_away": _("%(metres)s m away"),
    "merge_into": _("Merge into %(number)s"),
    "open_case": _("Open %(number)s"),
    "party_name": _("Name"),
    "party_role": _("Role"),
    "party_id_number": _("ID number"),
    "party_phone": _("Phone"),
    "party_address": _("Address"),
    "party_signed": _("Signed"),
    "refuses_mediation": _("refuses mediation"),
    "masked_note": _("ID numbers and phones are shown in full only to the units handling the case."),
    "reports": _("Reports"),
    "contact": _("Contact"),
    "on_site": _("Settled on the spot"),
    "on_behalf": _("Filed by a village agent for"),
    "photos": _("Photos"),
    "photo_alt": _("Photo %(index)s of the case (%(purpose)s)"),
    "photos_missing": _("Photos announced but not uploaded yet: %(count)s."),
    "no_photos": _("No photos."),
    "mediation": _("Mediation"),
    "sessions": _("Sessions"),
    "no_sessions": _("No sessions yet."),
    "session_line": _("%(when)s at %(place)s"),
    "mediators": _("Mediators"),
    "attendees": _("Participants"),
    "agreement": _("Agreement"),
    "agreement_effective": _("In effect since %(when)s"),
    "agreement_unsigned": _("Not in effect yet: %(signed)s of %(total)s parties have signed."),
    "print_html": _("Print the agreement"),
    "print_pdf": _("Agreement as PDF"),
    "confirmation": _("Judicial confirmation"),
    "follow_ups": _("Follow-ups"),
    "performed_yes": _("agreement performed"),
    "performed_no": _("agreement not performed"),
    "requests": _("Requests awaiting a decision"),
    "request_line": _("%(kind)s requested by %(who)s: %(reason)s"),
    "request_days": _("%(days)s working days"),
    "joint_tasks": _("Joint handling"),
    "task_open": _("waiting for the answer, due %(when)s"),
    "timeline": _("Timeline"),
    "actions": _("What you can do"),
    "no_actions": _("Nothing for you to do on this case now."),
    "cancel": _("Cancel"),
    "required": _("required"),
    "choose": _("Choose…"),
    "choose_date": _("Choose from a calendar"),
    "saving": _("Saving…"),
    "done": _("Done: %(act)s."),
    "gone": _("Done: %(act)s. The case has left your jurisdiction."),
    "error_fields": _("Correct the marked fields."),
    "reload_case": _("Reload the case"),
    "changed_elsewhere": _("Someone else changed this case. Reload it to see the change."),
    "case_gone": _("This case is not in your jurisdiction (any more)."),
    "case_not_found": _("No open case has the number %(number)s."),
    "no_units": _("No unit serves the place of this case."),
    "live": _("Live"),
    "connecting": _("Connecting…"),
    "offline_since": _("Offline since %(when)s"),
    "case_updated": _("Case %(number)s was updated."),
    "legend": _("Legend"),
    "colour_by": _("Colour by"),
    "by_state": _("State"),
    "by_grade": _("Grade"),
    "overdue_ring": _("Red ring: overdue"),
    "cluster_note": _("Numbers: cases grouped together; zoom in to separate them."),
    "background_map": _("Background map"),
    "no_background": _("No background"),
    "layer_cases": _("Cases"),
    "layer_townships": _("Townships"),
    "layer_villages": _("Villages"),
    "layer_cells": _("Grid cells"),
    "layer_hot_cells": _("Hot cells (early warning)"),
    "hot_cells_legend": _("Hot cells: Gi* z-score of the last analysis"),
    "hot_cell_tooltip": _("%(name)s · Gi* z = %(z)s · %(count)s cases in the week"),
    "cells_zoom": _("Grid cells show from zoom %(zoom)s."),
    "cell_tooltip": _("%(name)s · gridworkers: %(people)s"),
    "empty_value": _("—"),
    "by": _("by %(who)s"),
    "at_unit": _("at %(unit)s"),
    "state_change": _("%(from)s → %(to)s"),
}

# Audit actions as the timeline shows them: one list for every face (disputes/timeline.py).
TIMELINE = timeline.LABELS

# Keys of an audit entry's details worth a line in the timeline.
DETAILS = {
    "note": _("Note"),
    "reason": _("Reason"),
    "result": _("Result"),
    "items": _("Materials"),
    "days": _("Days"),
    "consent": _("Consent"),
    "instructions": _("Instructions"),
    "answer": _("Answer"),
    "into": _("Merged into"),
    "merged_from": _("Merged from"),
    "to_unit": _("To unit"),
    "unit": _("Unit"),
    "satisfaction": _("Satisfaction"),
}


def page_config(request):
    user = request.user
    members = access.memberships(user)
    return {
        "user": {
            "name": display_name(user),
            "units": sorted({member.unit.code for member in members}),
        },
        "urls": {
            "cases": reverse("api:case-list"),
            "caseMap": reverse("maps:cases"),
            "case": url_with_id("api:case-detail"),
            "categories": reverse("api:categories"),
            "regions": reverse("maps:regions"),
            "cells": reverse("maps:cells"),
            "hotCells": reverse("earlywarning_api:hot-cells"),
            "print": url_with_id("api:agreement-print"),
            "pdf": url_with_id("api:agreement-pdf"),
        },
        "bounds": start_view(user),
        "street_zoom": casemap.POINTS_FROM_ZOOM,
        "acts": act_specs(),
        "answer_task": answer_spec(),
        "supervision": supervision.mediator_config(form_spec),
        "units": units(),
        "states": choices(CaseState),
        "lifecycle": lifecycle.js_config(),
        "grades": grades(),
        "kinds": choices(CaseKind),
        "handlings": choices(Handling),
        "mediation_sources": choices(MediationSource),
        "party_roles": choices(PartyRole),
        "satisfactions": choices(Satisfaction),
        "confirmations": choices(ConfirmationOutcome),
        "photo_purposes": choices(PhotoPurpose),
        "request_kinds": choices(RequestKind),
        "duplicate_reasons": {key: str(value) for key, value in duplicates.LABELS.items()},
        "timeline": {key: str(value) for key, value in TIMELINE.items()},
        "details": {key: str(value) for key, value in DETAILS.items()},
        "strings": {key: str(value) for key, value in STRINGS.items()},
    }


@login_required
def workspace(request):
    return render(request, "frontend/mediator.html", {"config": page_config(request)})
