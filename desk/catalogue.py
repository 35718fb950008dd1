"""The catalogue of service items (政务服务事项): read from the CSV a county keeps (the columns of
desk/data/township-items.csv: name, deciding unit, handling type, promised working days, materials
separated by ；), loaded without overwriting an administrator's edits."""

import csv
from pathlib import Path

from django.utils.translation import gettext as _

from core.errors import InvalidInput

SEED = Path(__file__).resolve().parent / "data" / "township-items.csv"
HANDLING = {"即办": "immediate", "承诺": "promised", "联办": "joint", "上报": "referred"}
DEFAULT_CATEGORY = "99"  # 其他事件: where a service matter is counted unless the admin says otherwise


def read_items(path=SEED):
    """[(name, deciding_unit, handling, promised_days, [materials])], or InvalidInput naming each bad row."""
    items, errors = [], {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            name, unit, handling, days, materials = (cell.strip() for cell in row[:5])
            handling = HANDLING.get(handling, handling)
            if handling not in HANDLING.values():
                raise ValueError(_("unknown handling type “%(value)s”") % {"value": handling})
            days = int(days)
            if not name or days < 0:
                raise ValueError(_("a name and a number of working days are needed"))
        except ValueError as error:
            errors[f"rows[{line}]"] = [str(error)]
            continue
        items.append(
            (name, unit, handling, days, [m.strip() for m in materials.replace(";", "；").split("；") if m.strip()])
        )
    if errors:
        raise InvalidInput(fields=errors)
    return items


def load(ServiceItem, Category, items):  # noqa: N803 (historical models in migrations)
    """Create the items that do not exist yet (by name); returns how many were created."""
    category = Category.objects.filter(code=DEFAULT_CATEGORY).first()
    if category is None:
        return 0
    known = set(ServiceItem.objects.values_list("name", flat=True))
    fresh = [
        ServiceItem(
            name=name, deciding_unit=unit, handling=handling, promised_days=days, materials=materials, category=category
        )
        for name, unit, handling, days, materials in items
        if name not in known
    ]
    ServiceItem.objects.bulk_create(fresh)
    return len(fresh)
