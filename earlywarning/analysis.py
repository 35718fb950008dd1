"""One analysis of a region: read the counts, run the detectors, raise or update the warnings.

The thin database layer around `detectors` (which are pure). `run()` claims the region with a
conditional update of its `AnalysisRun` row (the row count says whether this copy won), so
several copies of the command — the hourly job, an operator's on-demand run, the simulator —
never analyse one region at the same time; the loser skips it. Each warning is then raised or
updated in its own short transaction (`services.raise_or_update`).
"""

import datetime
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from disputes.models import Agreement, Case, Party, Report
from grid.models import GridCell, Region, RegionLevel

from . import detectors, services
from .models import AnalysisRun, HotCell, Level, RiskWord, WarningKind

HISTORY_WINDOWS = detectors.TREND_HISTORY_WINDOWS  # earlier windows of the same length a trend is measured against
PARTY_DAYS = 90
SERIES_DAYS = 28  # the daily counts kept in the evidence, for the page's chart
STALE_CLAIM = datetime.timedelta(minutes=15)  # a run that died holding its region frees it after this
MAX_CASE_IDS = 50


@dataclass
class Summary:
    region: str
    skipped: bool = False
    cells: int = 0
    cases: int = 0
    found: dict = field(default_factory=dict)
    raised: int = 0
    updated: int = 0
    seconds: float = 0.0

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def claim(region, now):
    """Whether this copy may analyse `region` now: a conditional update, safe with many copies."""
    run, _created = AnalysisRun.objects.get_or_create(region=region)
    free = Q(started_at__isnull=True) | Q(finished_at__gte=F("started_at")) | Q(started_at__lt=now - STALE_CLAIM)
    return AnalysisRun.objects.filter(pk=run.pk).filter(free).update(started_at=now) == 1


def release(region, summary):
    AnalysisRun.objects.filter(region=region).update(finished_at=timezone.now(), summary=summary.as_dict())


def counties():
    return list(Region.objects.filter(level=RegionLevel.COUNTY).defer("boundary"))


def run(region, *, days=7, now=None, permutations=detectors.PERMUTATIONS):
    """Analyse `region` over the last `days` days; a Summary (skipped when another copy holds it)."""
    now = now or timezone.now()
    started = time.perf_counter()
    summary = Summary(region=region.code)
    if not claim(region, now):
        summary.skipped = True
        return summary
    try:
        findings = find(region, days=days, now=now, permutations=permutations, summary=summary)
        for finding in findings:
            _warning, outcome = services.raise_or_update(finding, now=now)
            if outcome == "raised":
                summary.raised += 1
            elif outcome == "updated":
                summary.updated += 1
    finally:
        summary.seconds = round(time.perf_counter() - started, 3)
        release(region, summary)
    return summary


def _point(geometry):
    centre = geometry.point_on_surface
    return [round(centre.x, 6), round(centre.y, 6)]


def find(region, *, days, now, permutations, summary):
    """Every finding in `region` (dicts for services.raise_or_update); also refreshes the hot-cell layer."""
    window = datetime.timedelta(days=days)
    start = now - window * (HISTORY_WINDOWS + 1)
    cells = list(GridCell.objects.within(region).only("id", "code", "name", "village_id", "boundary").order_by("code"))
    summary.cells = len(cells)
    index = {cell.pk: i for i, cell in enumerate(cells)}
    # A case counts on the day it happened: its first report's `occurred_at` (a case reported late,
    # or entered from the ledger of a past week, belongs to that week).
    rows = list(
        Report.objects.filter(case__area_code__startswith=region.prefix, case__merged_into__isnull=True)
        .filter(occurred_at__gte=start, occurred_at__lt=now)
        .values("case_id", "case__cell_id", "case__region_id")
        .annotate(at=Min("occurred_at"))
        .values_list("case_id", "case__cell_id", "case__region_id", "at")
    )
    summary.cases = len(rows)
    n_windows = HISTORY_WINDOWS + 1
    short_start = now - datetime.timedelta(days=min(detectors.TREND_SHORT_DAYS, days))
    cell_counts = np.zeros((len(cells), n_windows))
    cell_short, village_short = np.zeros(len(cells)), {}
    village_counts = {}
    cell_cases, village_cases = {}, {}
    series_start = now - datetime.timedelta(days=SERIES_DAYS)
    cell_series, village_series = {}, {}
    for pk, cell_id, region_id, created in rows:
        w = int((now - created) / window)
        if w >= n_windows:
            continue
        day = (created - series_start).days
        village_id = cells[index[cell_id]].village_id if cell_id in index else region_id
        village_counts.setdefault(village_id, np.zeros(n_windows))[w] += 1
        if w == 0:
            village_cases.setdefault(village_id, []).append(pk)
            if created >= short_start:
                village_short[village_id] = village_short.get(village_id, 0) + 1
        if day >= 0:
            village_series.setdefault(village_id, [0] * SERIES_DAYS)[min(day, SERIES_DAYS - 1)] += 1
        if cell_id in index:
            cell_counts[index[cell_id], w] += 1
            if w == 0:
                cell_cases.setdefault(cell_id, []).append(pk)
                if created >= short_start:
                    cell_short[index[cell_id]] += 1
            if day >= 0:
                cell_series.setdefault(cell_id, [0] * SERIES_DAYS)[min(day, SERIES_DAYS - 1)] += 1

    findings = []
    villages = {
        r.pk: r
        for r in Region.objects.filter(pk__in=set(village_counts) | {c.village_id for c in cells}).defer("boundary")
    }

    # --- spatial hot spots over the cells --------------------------------------------------
    if cells:
        shapes = [shapely.from_wkb(bytes(cell.boundary.wkb)) for cell in cells]
        neighbours = detectors.queen_neighbours(shapes)
        gi = detectors.hotspots(cell_counts[:, 0], neighbours, permutations=permutations)
        _refresh_hot_cells(region, cells, gi, cell_counts[:, 0], now)
        for hot in gi.hotspots:
            cell = cells[hot.index]
            level = Level.RED if hot.q < 1e-8 else Level.ORANGE if hot.q < 1e-5 else Level.YELLOW
            findings.append(
                {
                    "kind": WarningKind.HOTSPOT,
                    "place_key": f"cell:{cell.code}",
                    "place_name": cell.name,
                    "region": villages.get(cell.village_id) or region,
                    "cell": cell,
                    "area_code": cell.code,
                    "level": level,
                    "score": round(hot.z, 3),
                    "evidence": {
                        "statistic": "Gi*",
                        "z": round(hot.z, 3),
                        "p_value": _sig(hot.p),
                        "p_neighbours_permutation": _sig(hot.p_sim),
                        "q_value": _sig(hot.q),
                        "permutations": permutations,
                        "window_days": days,
                        "count": hot.count,
                        "neighbours": [
                            {"code": cells[j].code, "name": cells[j].name, "count": int(cell_counts[j, 0])}
                            for j in neighbours.get(hot.index, [])
                        ],
                        "series": cell_series.get(cell.pk, [0] * SERIES_DAYS),
                        "series_end": now.date().isoformat(),
                        "case_ids": sorted(cell_cases.get(cell.pk, []))[-MAX_CASE_IDS:],
                        "point": _point(cell.boundary),
                    },
                }
            )
        summary.found["hotspot"] = len(gi.hotspots)

    # --- emerging trends: cells, then villages ---------------------------------------------
    # The history a place's rate is learnt from: the windows since the region's cases begin (a
    # county that started last month has no empty half-year behind it), at most HISTORY_WINDOWS.
    earliest = min((created for _pk, _c, _r, created in rows), default=now)
    n_history = HISTORY_WINDOWS
    if earliest >= start + window:
        n_history = max(1, min(HISTORY_WINDOWS, int((now - earliest) / window) - 1))
    trend_places = [("cell", cell, cell_counts[i], cell_short[i]) for i, cell in enumerate(cells)]
    trend_places += [
        ("region", villages[v], counts, village_short.get(v, 0))
        for v, counts in sorted(village_counts.items())
        if v in villages
    ]
    if trend_places:
        found = detectors.trends(
            [counts[0] for _k, _p, counts, _s in trend_places],
            np.array([counts[1 : n_history + 1] for _k, _p, counts, _s in trend_places]),
            short=[s for _k, _p, _c, s in trend_places] if days > detectors.TREND_SHORT_DAYS else None,
            short_fraction=detectors.TREND_SHORT_DAYS / days,
            families=[k == "cell" for k, _p, _c, _s in trend_places],
        )
        for t in found:
            what, place, _counts, _short = trend_places[t.index]
            is_cell = what == "cell"
            level = Level.RED if t.surprise >= 8 else Level.ORANGE if t.surprise >= 5 else Level.YELLOW
            findings.append(
                {
                    "kind": WarningKind.TREND,
                    "place_key": f"{what}:{place.code}",
                    "place_name": place.name,
                    "region": (villages.get(place.village_id) or region) if is_cell else place,
                    "cell": place if is_cell else None,
                    "area_code": place.code,
                    "level": level,
                    "score": round(t.surprise, 3),
                    "evidence": {
                        "statistic": "negative binomial",
                        "count": t.count,
                        "expected": round(t.expected, 3),
                        "p_value": _sig(t.p),
                        "q_value": _sig(t.q),
                        "threshold": _sig(t.alpha),
                        "window_days": days,
                        "short_window": (
                            {
                                "days": detectors.TREND_SHORT_DAYS,
                                "count": t.short_count,
                                "expected": round(t.short_expected, 3),
                            }
                            if t.short_count is not None
                            else None
                        ),
                        "decided_by": t.window,
                        "history": t.history,
                        "series": (cell_series if is_cell else village_series).get(place.pk, [0] * SERIES_DAYS),
                        "series_end": now.date().isoformat(),
                        "case_ids": sorted((cell_cases if is_cell else village_cases).get(place.pk, []))[
                            -MAX_CASE_IDS:
                        ],
                        "point": _point(place.boundary) if is_cell else None,
                    },
                }
            )
        summary.found["trend"] = len(found)

    findings += _parties(region, now, summary)
    findings += _risk_words(region, now, window, summary)
    return findings


def _sig(value):
    return float(f"{value:.3g}")


def _refresh_hot_cells(region, cells, gi, counts, now):
    with transaction.atomic():
        HotCell.objects.filter(area_code__startswith=region.prefix).delete()
        HotCell.objects.bulk_create(
            [
                HotCell(
                    cell_id=cell.pk,
                    area_code=cell.code,
                    z=round(float(gi.z[i]), 3),
                    p=float(gi.p[i]),
                    count=int(counts[i]),
                    computed_at=now,
                )
                for i, cell in enumerate(cells)
                if gi.z[i] > 1.0
            ],
            batch_size=500,
        )


def _common_region(codes):
    """The deepest region holding every one of these 12/15-digit area codes."""
    codes = [c[:12] for c in codes]
    if len(set(codes)) == 1 and codes[0][9:] != "000":
        return codes[0]
    if len({c[:9] for c in codes}) == 1 and codes[0][6:9] != "000":
        return codes[0][:9] + "000"
    return codes[0][:6] + "000000"


def _parties(region, now, summary):
    since = now - datetime.timedelta(days=PARTY_DAYS)
    parties = (
        Party.objects.filter(case__area_code__startswith=region.prefix, case__created_at__gte=since)
        .filter(case__created_at__lt=now, case__merged_into__isnull=True)
        .exclude(id_number="", phone="")
        .values_list("case_id", "id_number", "phone")
    )
    keys = {}
    for case_id, id_number, phone in parties:
        found = keys.setdefault(case_id, set())
        found.add(detectors.person_key("id", id_number) if id_number else "")
        found.add(detectors.person_key("phone", phone) if phone else "")
    if not keys:
        return []
    cases = {
        pk: (area, number, created)
        for pk, area, number, created in Case.objects.filter(pk__in=keys).values_list(
            "pk", "area_code", "number", "created_at"
        )
    }
    agreed = set(Agreement.objects.filter(case_id__in=keys).values_list("case_id", flat=True))
    rows = [(pk, sorted(k for k in keys[pk] if k), pk in agreed, cases[pk][2]) for pk in keys if pk in cases]
    found = detectors.escalating_parties(rows)
    summary.found["parties"] = len(found)
    regions = {}
    findings = []
    for person in found:
        code = _common_region([cases[pk][0] for pk in person.case_ids])
        if code not in regions:
            regions[code] = Region.objects.defer("boundary").get(code=code)
        place = regions[code]
        n = len(person.case_ids)
        level = Level.YELLOW if n < 4 else Level.ORANGE if n < 6 else Level.RED
        if person.after_agreement:
            level = services.higher(level, Level.ORANGE)
        findings.append(
            {
                "kind": WarningKind.PARTIES,
                "place_key": f"parties:{person.key}",
                "place_name": place.name,
                "region": place,
                "cell": None,
                "area_code": place.code,
                "level": level,
                "score": float(n),
                "evidence": {
                    "statistic": "count",
                    "count": n,
                    "days": PARTY_DAYS,
                    "after_agreement": person.after_agreement,
                    "case_ids": person.case_ids,
                    "case_numbers": [cases[pk][1] for pk in person.case_ids],
                },
            }
        )
    return findings


def _risk_words(region, now, window, summary):
    words = dict(RiskWord.objects.filter(active=True).values_list("word", "level"))
    if not words:
        return []
    cases = list(
        Case.objects.filter(area_code__startswith=region.prefix, created_at__gte=now - window, created_at__lt=now)
        .filter(merged_into__isnull=True)
        .select_related("cell", "region")
        .defer("cell__boundary", "region__boundary")
    )
    texts = {case.pk: case.description for case in cases}
    hits = detectors.risk_words(texts, words)
    summary.found["risk_words"] = len(hits)
    by_id = {case.pk: case for case in cases}
    findings = []
    order = [Level.YELLOW, Level.ORANGE, Level.RED]
    for case_id, found in sorted(hits.items()):
        case = by_id[case_id]
        level = max((words[w] for w in found), key=order.index)
        findings.append(
            {
                "kind": WarningKind.RISK_WORDS,
                "place_key": f"case:{case.pk}",
                "place_name": (case.cell or case.region).name,
                "region": case.region,
                "cell": case.cell,
                "area_code": case.area_code,
                "level": level,
                "score": float(len(found)),
                "evidence": {
                    "statistic": "words",
                    "words": found,
                    "count": len(found),
                    "case_ids": [case.pk],
                    "case_numbers": [case.number],
                    "point": [round(case.point.x, 6), round(case.point.y, 6)],
                },
            }
        )
    return findings
