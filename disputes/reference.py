"""Reference data every intake reads and administrators rarely change: categories with their
time limits, and the units serving each region.

Held per process, because at hundreds of reports a second the queries for them cost more than
the report itself; core.versions keeps every process's copy in step with the database (one
token check per request, a new token written in the transaction that changes the rows).
"""

from core.versions import VersionedCache


def _categories():
    from .models import Category, StageLimit

    by_pk = {category.pk: category for category in Category.objects.all()}
    for category in by_pk.values():
        category.parent = by_pk.get(category.parent_id)
    own = {}
    for limit in StageLimit.objects.all():
        own.setdefault(limit.category_id, {})[limit.stage] = (limit.amount, limit.unit)
    root, under = {}, {}  # {pk: its top-level pk}, {top-level pk: every pk under it}
    for category in by_pk.values():
        node = category
        while node.parent is not None:
            node = node.parent
        root[category.pk] = node.pk
        under.setdefault(node.pk, []).append(category.pk)
    families = {top: sorted(pks) for top, pks in under.items()}  # one list per family, shared
    return {
        "by_pk": by_pk,
        "by_code": {category.code: category for category in by_pk.values()},
        "limits": own,
        # {pk: sorted pks of every category under the same top-level category, itself included}
        "same_top_level": {pk: families[top] for pk, top in root.items()},
    }


categories = VersionedCache("categories", _categories)


def active_category(code):
    """The active category with this code, or None."""
    category = categories.get()["by_code"].get(str(code))
    return category if category is not None and category.active else None


def category_limit(category, stage):
    """The (amount, unit) set for `stage` on `category` or its nearest ancestor, or None."""
    data = categories.get()
    node = data["by_pk"].get(category.pk)
    while node is not None:
        limit = data["limits"].get(node.pk, {}).get(stage)
        if limit is not None:
            return limit
        node = node.parent
    return None


def _units():
    from grid.models import Unit

    by_region_kind, by_pk, by_code = {}, {}, {}
    for unit in Unit.objects.filter(active=True).select_related("region").defer("region__boundary").order_by("code"):
        by_region_kind.setdefault((unit.region_id, unit.kind), unit)
        by_pk[unit.pk] = unit
        by_code[unit.code] = unit
    return {"by_region_kind": by_region_kind, "by_pk": by_pk, "by_code": by_code}


units = VersionedCache("units", _units)


def unit_of(region, kind):
    """The first active unit (by code) of `kind` serving `region`, or None."""
    return units.get()["by_region_kind"].get((region.pk, kind))


def unit(pk):
    """The active unit with this id, or None."""
    return units.get()["by_pk"].get(pk)


def unit_by_code(code):
    """The active unit with this code, or None."""
    return units.get()["by_code"].get(code)


def category_family(category_id):
    """The pks of a category and its siblings (the children of its parent): a 小类's neighbours,
    where the same matter reported twice is often filed (路灯损坏 / 道路破损 under 市政设施)."""
    by_pk = categories.get()["by_pk"]
    node = by_pk.get(category_id)
    if node is None:
        return [category_id]
    if node.parent is None:
        return [node.pk]
    return sorted(pk for pk, other in by_pk.items() if other.parent_id == node.parent_id)


def same_top_level(category_id):
    """The pks of every category under the same top-level category as `category_id` (its 大类),
    itself included."""
    return categories.get()["same_top_level"].get(category_id, [category_id])


def public_categories():
    """The pks of the categories shown to the public (the resident's map, Open311): those the county
    made public (Category.public) and every category under one of them."""
    by_pk = categories.get()["by_pk"]

    def shown(node):
        while node is not None:
            if node.public:
                return True
            node = node.parent
        return False

    return {pk for pk, category in by_pk.items() if shown(category)}
