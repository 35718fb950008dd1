"""The governance centre's wall (大屏): signed in, or unattended with a display token."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from realtime.auth import display_region


def wall(request):
    display = request.GET.get("display", "")
    if display:
        if not display_region(display):
            return render(request, "frontend/wall_refused.html", status=403)
    elif not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "frontend/wall.html", {"display": display})
