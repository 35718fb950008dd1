"""What the wall's 督办 panel shows: the region's orders still owed a reply, the nearest deadline
first, each with its own countdown (the script counts down to `due_at`). No free text: what is
required and what was replied stay off the wall, as in every realtime payload."""

from .models import AWAITING_REPLY, Order

ORDERS_LIMIT = 20


def open_orders(region, now, limit=ORDERS_LIMIT):
    """Orders awaiting a reply on the cases of `region`, the nearest deadline first. One query."""
    rows = (
        Order.objects.filter(case__area_code__startswith=region.prefix, state__in=AWAITING_REPLY)
        .order_by("due_at", "pk")
        .values("id", "case__number", "case__grade", "reason", "level", "state", "unit__name", "due_at")[:limit]
    )
    return [
        {
            "id": row["id"],
            "number": row["case__number"],
            "grade": row["case__grade"],
            "reason": row["reason"],
            "level": row["level"],
            "state": row["state"],
            "unit_name": row["unit__name"] or "",
            "due_at": row["due_at"],
            "overdue": row["due_at"] < now,
        }
        for row in rows
    ]
