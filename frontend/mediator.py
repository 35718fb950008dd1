"""The mediator's map of cases in their jurisdiction."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def workspace(request):
    return render(request, "frontend/mediator.html")
