"""The desk page (受理分流): a shell and its words; everything it shows comes from /api/desk/ and
/api/categories/, and every call it takes goes to /api/desk/calls/ (desk.services.take_call)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.errors import NotFound
from disputes.models import PartyRole, ReportSource
from frontend.mediator import start_view
from grid import jurisdiction
from grid.models import Unit

from . import hotline, notices
from .models import Outcome, ServiceItem
from .services import DESK_SOURCES, notice_for

TEXT = {
    "searching": _("Searching…"),
    "no_place": _("No region, cell or place of that name."),
    "no_category": _("No category matches; the catch-all categories are offered."),
    "chosen_place": _("Place: %(name)s (%(lon)s, %(lat)s)"),
    "map_point": _("a point on the map"),
    "history_none": _("No earlier cases of this number in your jurisdiction."),
    "history_repeat": _("Repeat caller: %(count)s earlier cases, %(open)s still open."),
    "similar_none": _("No similar open case nearby."),
    "attach": _("Attach the call to %(number)s"),
    "taken": _("Case %(number)s: %(state)s, with %(unit)s. Verification code %(code)s."),
    "attached": _("The call was attached to case %(number)s (%(state)s)."),
    "failed": _("Not taken: %(message)s"),
    "choose_place": _("Choose where it happened: type a name or click the map."),
    "choose_category": _("Choose a category."),
    "party": _("Party %(n)s"),
    "remove": _("Remove"),
    "on_behalf": _("Filed for %(name)s (代理)."),
    "matter_facts": _("Decided by %(unit)s · %(handling)s · %(days)s working days"),
    "matter_opened": _("Case %(number)s opened: %(state)s. Verification code %(code)s."),
    "matter_missing": _("Missing: %(items)s. Print the notice for the resident."),
    "orders_choose_file": _("Choose the platform's export file first."),
    "orders_checking": _("Checking every row…"),
    "orders_importing": _("Importing the good rows…"),
    "orders_checked": _(
        "Checked: %(ready)s ready to import, %(invalid)s refused, %(already)s already imported. "
        "Nothing has been written yet."
    ),
    "orders_imported": _("Imported %(imported)s; %(already)s already imported before; %(invalid)s refused."),
    "orders_failed": _("The file was not read: %(message)s"),
}


def units_for(user):
    """The active units a clerk may assign a call to: those of the places they work in."""
    holder = jurisdiction.of(user)
    units = Unit.objects.filter(active=True).select_related("region").defer("region__boundary").order_by("code")
    if not holder.everything:
        prefixes = holder.areas
        units = [
            unit
            for unit in units
            if any(unit.region.code.startswith(p) or p.startswith(unit.region.prefix) for p in prefixes)
        ]
    return [{"code": unit.code, "name": unit.name} for unit in units]


@login_required
def desk(request):
    holder = jurisdiction.of(request.user)
    sources = dict(ReportSource.choices)
    config = {
        "urls": {
            "places": reverse("desk-places"),
            "callers": reverse("desk-callers"),
            "similar": reverse("desk-similar"),
            "calls": reverse("desk-calls"),
            "matters": reverse("desk-matters"),
            "categories": reverse("api:categories"),
            "mediator": reverse("frontend:mediator"),
            "orders_preview": reverse("desk-orders-preview"),
            "orders_import": reverse("desk-orders-import"),
            "orders_results": reverse("desk-orders-results"),
        },
        "order_fields": [{"key": f.key, "label": str(f.label), "required": f.required} for f in hotline.FIELDS],
        "order_columns": hotline.mapping_for(request.user),
        "sources": [{"value": value, "label": str(sources[value])} for value in DESK_SOURCES],
        "outcomes": [{"value": value, "label": str(label)} for value, label in Outcome.choices],
        "roles": [{"value": value, "label": str(label)} for value, label in PartyRole.choices],
        "units": units_for(request.user),
        "items": [
            {
                "id": item.pk,
                "name": item.name,
                "deciding_unit": item.deciding_unit,
                "handling": item.get_handling_display(),
                "days": item.promised_days,
                "materials": item.materials,
            }
            for item in ServiceItem.objects.filter(active=True)
        ],
        "bounds": start_view(request.user),
        "text": {key: str(value) for key, value in TEXT.items()},
    }
    return render(request, "desk/desk.html", {"config": config, "allowed": holder.any})


def _notice(request, pk):
    try:
        return notice_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def notice(request, pk):
    """The one-time notice to print (一次性告知书)."""
    return HttpResponse(notices.notice_html(_notice(request, pk)))


@login_required
def notice_pdf(request, pk):
    found = _notice(request, pk)
    response = HttpResponse(notices.notice_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{found.case.number}.pdf"'
    return response
