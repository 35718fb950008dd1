"""The ledgers page (台账导出): choose a register, narrow it like the case list, export it as .xlsx
or CSV, watch the job runner write it, download it. Everything it shows comes from /api/ledgers/;
the page carries the registers, the choices and the labels."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from disputes.models import CaseState
from ledgers.models import ExportFormat, ExportState
from ledgers.registers import REGISTERS

TEXT = {
    "queued": _("Waiting for the job runner…"),
    "running": _("Writing: %(done)s of %(total)s rows"),
    "done": _("%(rows)s rows, %(size)s"),
    "failed": _("Failed: %(error)s"),
    "download": _("Download"),
    "none": _("No exports yet."),
    "asked": _("Export queued: it will be ready here."),
    "refused": _("The export was refused: %(message)s"),
    "choose_date": _("Choose from a calendar"),
}


def page_config(request):
    return {
        "registers": [{"key": r.key, "title": str(r.title)} for r in REGISTERS.values()],
        "formats": [{"value": value, "label": str(label)} for value, label in ExportFormat.choices],
        "states": [{"value": value, "label": str(label)} for value, label in CaseState.choices],
        "exportStates": {value: str(label) for value, label in ExportState.choices},
        "urls": {"exports": reverse("ledger-exports")},
        "text": {key: str(value) for key, value in TEXT.items()},
    }


@login_required
def ledgers(request):
    return render(request, "frontend/ledgers.html", {"config": page_config(request)})
