from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from grid.models import GridCell, Member, Region, RegionLevel, Unit


def home(request):
    counts = {
        "counties": Region.objects.filter(level=RegionLevel.COUNTY).count(),
        "townships": Region.objects.filter(level=RegionLevel.TOWNSHIP).count(),
        "villages": Region.objects.filter(level=RegionLevel.VILLAGE).count(),
        "cells": GridCell.objects.count(),
        "units": Unit.objects.count(),
        "members": Member.objects.count(),
    }
    return render(request, "frontend/home.html", {"counts": counts})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
