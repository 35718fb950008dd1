"""The issuing centre's list of supervision orders (督办台账): a plain server-rendered page.

It reads what the API reads: the orders of the cases the user sees (`visible_to`), narrowed to
the regions the user supervises, filtered by state and reason."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import AWAITING_REPLY, Order, OrderState, Reason

PAGE_SIZE = 50


@login_required
def orders_page(request):
    orders = (
        Order.objects.visible_to(request.user)
        .of_centre(request.user)
        .select_related("case", "unit", "issuing_unit", "issued_by", "region")
        .order_by("due_at", "pk")
    )
    state = request.GET.get("state", "awaiting")
    if state == "awaiting":
        orders = orders.filter(state__in=AWAITING_REPLY)
    elif state in OrderState.values:
        orders = orders.filter(state=state)
    else:
        state = ""
    reason = request.GET.get("reason", "")
    if reason in Reason.values:
        orders = orders.filter(reason=reason)
    else:
        reason = ""
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/orders.html",
        {
            "page": page,
            "state": state,
            "reason": reason,
            "states": OrderState.choices,
            "reasons": Reason.choices,
        },
    )
