"""Exports of the registers: asked for in a request, written by the job runner (ledgers.tasks).

`request_export` validates everything in the request (a bad register, format or filter is a 400
naming it, and nothing is queued); `write` runs in the worker, streams the rows to a file under
MEDIA_ROOT/exports/ and keeps the row count current, so the page shows progress.
"""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from disputes.models import Case

from .models import Export, ExportFormat, ExportState
from .registers import REGISTERS
from .writers import SINKS

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2000  # rows between two progress updates


def _filterset(user, params):
    from disputes.api.filters import CaseFilter

    data = QueryDict(mutable=True)
    for name, values in params.items():
        data.setlist(name, values if isinstance(values, list) else [values])
    return CaseFilter(data, queryset=Case.objects.visible_to(user))


def _check_filters(user, params):
    from disputes.api.filters import CaseFilter

    unknown = sorted(set(params) - set(CaseFilter.base_filters))
    if unknown:
        raise InvalidInput(fields={name: [_("Not a filter of the case list.")] for name in unknown})
    filterset = _filterset(user, params)
    if not filterset.is_valid():
        raise InvalidInput(fields={name: [str(e) for e in errors] for name, errors in filterset.errors.items()})


def request_export(user, *, register, format, filters):
    """Queue an export of `register` as `format` for `user`; returns the Export."""
    errors = {}
    if register not in REGISTERS:
        errors["register"] = [_("No register is called “%(name)s”.") % {"name": register}]
    if format not in ExportFormat.values:
        errors["format"] = [_("The format must be one of: %(formats)s.") % {"formats": ", ".join(ExportFormat.values)}]
    if errors:
        raise InvalidInput(fields=errors)
    _check_filters(user, filters)
    from .tasks import run_export

    with transaction.atomic():
        export = Export.objects.create(
            user=user, register=register, format=format, filters=filters, language=translation.get_language()
        )
        transaction.on_commit(lambda: run_export.enqueue(str(export.pk)))
    return export


def folder():
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(export):
    return folder() / f"{export.pk}.{export.format}"


def write(export_id):
    """Write the export (in the worker). Marks it done or failed; never raises for a bad export."""
    claimed = Export.objects.filter(pk=export_id, state=ExportState.QUEUED).update(state=ExportState.RUNNING)
    if not claimed:
        return  # gone, or another worker has it
    export = Export.objects.select_related("user").get(pk=export_id)
    register = REGISTERS[export.register]
    target = path_of(export)
    partial = target.with_suffix(target.suffix + ".part")
    try:
        with translation.override(export.language):
            _write(export, register, partial, target)
    except Exception as error:  # the page must say it failed, not spin forever
        logger.exception("ledgers: export %s failed", export_id)
        partial.unlink(missing_ok=True)
        Export.objects.filter(pk=export.pk).update(
            state=ExportState.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )


def _write(export, register, partial, target):
    cases = _filterset(export.user, export.filters).qs
    Export.objects.filter(pk=export.pk).update(rows_total=register.count(export.user, cases))
    sink = SINKS[export.format](partial, register.title, register.columns)
    done = 0
    try:
        for row in register.rows(export.user, cases):
            sink.write(row)
            done += 1
            if done % PROGRESS_EVERY == 0:
                Export.objects.filter(pk=export.pk).update(rows_done=done)
    finally:
        sink.close()
    os.replace(partial, target)
    Export.objects.filter(pk=export.pk).update(
        state=ExportState.DONE,
        rows_done=done,
        rows_total=done,
        file=target.name,
        size=target.stat().st_size,
        finished_at=timezone.now(),
    )
