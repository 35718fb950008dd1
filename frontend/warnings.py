"""The warnings page (预警研判) for centre operators: a shell; its script reads /api/warnings/,
draws each warning's evidence (ECharts) and posts the acts: study, act on, dismiss."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from earlywarning.models import ActKind, Level, WarningKind, WarningState
from grid import jurisdiction

STRINGS = {
    "loading": _("Loading…"),
    "failed": _("The warnings could not be loaded."),
    "empty": _("No warnings match."),
    "choose": _("Choose a warning to see its evidence."),
    "place": _("Place"),
    "kind": _("Kind"),
    "level": _("Level"),
    "state": _("State"),
    "count": _("Count"),
    "raised": _("Raised"),
    "updated": _("Updated"),
    "days": _("Cases per day, last 28 days"),
    "history": _("Cases per period, oldest first; the last is this period"),
    "expected": _("expected"),
    "observed": _("this period"),
    "neighbours": _("Neighbouring cells"),
    "cases": _("Cases behind it"),
    "trail": _("Trail"),
    "words": _("Risk words found"),
    "after_agreement": _("A dispute began after one of this person's agreements."),
    "hotspot_means": _(
        "This cell and its neighbours together had %(count)s cases in %(days)s days: more than chance "
        "would give (Gi* z = %(z)s, p = %(p)s; after the correction for the many cells tested, q = %(q)s)."
    ),
    "trend_means": _(
        "%(count)s cases in the last %(days)s days where its own history leads one to expect %(expected)s "
        "(p = %(p)s, below the bar of %(threshold)s, set so that chance alone would flag almost no place)."
    ),
    "parties_means": _("The same person (by ID number or phone) is a party in %(count)s disputes in %(days)s days."),
    "risk_words_means": _("A report uses words that signal a risk of violence or a group petition."),
    "study": _("Study (研判)"),
    "note": _("What the study found"),
    "act": _("Acted on"),
    "act_kind": _("How"),
    "case_number": _("Case number (for a case)"),
    "act_note": _("Note"),
    "dismiss": _("Dismiss"),
    "reason": _("Reason"),
    "save": _("Save"),
    "done": _("Saved."),
    "open_only": _("Open only"),
    "all_kinds": _("All kinds"),
    "all_levels": _("All levels"),
    "refresh": _("Refresh"),
    "studied_note": _("Study"),
    "close_note": _("Outcome"),
}


@login_required
def page(request):
    holder = jurisdiction.of(request.user)
    config = {
        "api": reverse("earlywarning_api:warning-list"),
        "mediator": reverse("frontend:mediator"),
        "strings": {key: str(value) for key, value in STRINGS.items()},
        "kinds": {key: str(label) for key, label in WarningKind.choices},
        "levels": {key: str(label) for key, label in Level.choices},
        "states": {key: str(label) for key, label in WarningState.choices},
        "acts": {key: str(label) for key, label in ActKind.choices},
        "selected": request.GET.get("warning") or "",
    }
    allowed = holder.everything or bool(holder.region_prefixes)
    return render(request, "frontend/warnings.html", {"config": config, "allowed": allowed})
