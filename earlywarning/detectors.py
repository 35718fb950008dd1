"""The detectors: pure functions over counts and rows, no database.

Each takes plain arrays or tuples and returns findings (plain dataclasses); `analysis.py` reads the
rows, calls these and turns the findings into warnings. Keeping them pure lets the tests feed them
hand-made grids whose answer is known, and the benchmark feed them a simulated year.

- `hotspots`: local Getis-Ord Gi* (star: the cell counts itself among its neighbours) over queen
  contiguity (esda.G_Local). The p-value of each cell comes from Gi*'s analytic z-score under
  total randomisation (Getis & Ord 1995; what ArcGIS's hot-spot analysis also uses), one-sided,
  and Benjamini–Hochberg then keeps the expected share of false discoveries among the flagged
  cells under `fdr`. The conditional permutation test is run too and its pseudo p-value kept in
  the evidence: it holds the cell's own count fixed and asks whether its *neighbours* are
  unusually high, so it confirms a cluster but cannot see a single hot cell; and it cannot go
  below 1/(permutations + 1), which no correction over thousands of cells could pass.
- `trends`: the last window's count against the same place's own history: a Poisson surprise,
  P(X ≥ observed | the place's rate in the weeks before, with a floor), with BH over the places
  and a minimum count, so a quiet village with a sudden run is caught though its count is small.
- `escalating_parties`: the same person (by ID number or phone) in several disputes in a period.
- `risk_words`: words from the county's list in the text of reports.
"""

import hashlib
import warnings as pywarnings
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy import stats

# Defaults, also used by the benchmark (bench/early_warning.py).
FDR = 0.05
# Gi*'s normal approximation is too kind to skewed, overdispersed counts: at a false-discovery rate
# of 0.05 the backtest (bench/early_warning.py) found 8 false alarms a month per 1,000 cells, at
# 0.001 with at least 5 cases about 0.5. The trends keep 0.05 (their Poisson p-values are exact).
HOTSPOT_FDR = 0.001
PERMUTATIONS = 999
HOTSPOT_MIN_COUNT = 5  # a "hot" cell with fewer cases in the window is noise, whatever its z
TREND_MIN_COUNT = 3
TREND_RATE_FLOOR = 0.5  # cases per window: a place with no history is not infinitely surprised
PARTY_MIN_CASES = 3


def benjamini_hochberg(p_values):
    """The BH-adjusted q-values of `p_values` (same order): flag those with q ≤ the chosen FDR."""
    p = np.asarray(p_values, dtype=float)
    n = p.size
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    # q_i = min over j ≥ i of p_(j) n / j, capped at 1
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


@dataclass
class Hotspot:
    index: int  # position in the input arrays
    count: int
    neighbour_counts: list
    z: float  # Gi*'s analytic z-score
    p: float
    p_sim: float  # the conditional permutation's pseudo p-value (the neighbours' clustering)
    q: float


@dataclass
class GiResult:
    z: np.ndarray
    p: np.ndarray
    q: np.ndarray
    hotspots: list = field(default_factory=list)


def queen_neighbours(geometries, tolerance=1e-7):
    """Queen contiguity (a shared edge or corner) between shapely polygons: {i: [j, …]}.

    Within `tolerance` (degrees; 1e-7 is about a centimetre): imported boundaries and computed
    lattices rarely share vertices to the last bit, so exact vertex matching (libpysal's Queen)
    would miss neighbours that a surveyor would call touching. One STRtree query for all.
    """
    geometries = list(geometries)
    tree = shapely.STRtree(geometries)
    grown = shapely.buffer(geometries, tolerance, quad_segs=1)
    left, right = tree.query(grown, predicate="intersects")
    neighbours = {i: [] for i in range(len(geometries))}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            neighbours[i].append(j)
    return {i: sorted(js) for i, js in neighbours.items()}


def _weights(neighbours, n):
    from libpysal.weights import W

    full = {i: list(neighbours.get(i, [])) for i in range(n)}
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore")
        return W(full, silence_warnings=True)


def hotspots(
    counts, neighbours, *, fdr=HOTSPOT_FDR, permutations=PERMUTATIONS, min_count=HOTSPOT_MIN_COUNT, seed=12345
):
    """Local Gi* of `counts` (one per cell) over `neighbours` ({i: [j, …]}); the significant hot cells.

    Returns a GiResult with every cell's z, p and q, and the hot spots: cells with z > 0,
    q ≤ `fdr` and at least `min_count` in the window.
    """
    from esda.getisord import G_Local

    y = np.asarray(counts, dtype=float)
    n = y.size
    empty = GiResult(z=np.zeros(n), p=np.ones(n), q=np.ones(n))
    if n < 3 or y.sum() == 0 or np.all(y == y[0]):
        return empty
    w = _weights(neighbours, n)
    with pywarnings.catch_warnings(), np.errstate(all="ignore"):
        pywarnings.simplefilter("ignore")
        g = G_Local(
            y, w, transform="B", permutations=permutations, star=True, keep_simulations=bool(permutations), seed=seed
        )
    z = np.nan_to_num(np.asarray(g.Zs, dtype=float))
    p = stats.norm.sf(z)  # one-sided: hot spots only
    q = benjamini_hochberg(p)
    p_sim = np.asarray(g.p_sim, dtype=float) if permutations else np.ones(n)
    result = GiResult(z=z, p=p, q=q)
    for i in np.flatnonzero((q <= fdr) & (z > 0) & (y >= min_count)):
        i = int(i)
        result.hotspots.append(
            Hotspot(
                index=i,
                count=int(y[i]),
                neighbour_counts=[int(y[j]) for j in neighbours.get(i, [])],
                z=float(z[i]),
                p=float(p[i]),
                p_sim=float(p_sim[i]),
                q=float(q[i]),
            )
        )
    return result


@dataclass
class Trend:
    index: int
    count: int
    expected: float
    history: list  # the counts of the earlier windows, oldest first
    p: float
    q: float
    surprise: float  # -log10(p)


def trends(recent, history, *, fdr=FDR, min_count=TREND_MIN_COUNT, rate_floor=TREND_RATE_FLOOR):
    """Places whose count in the last window beats their own history.

    `recent[i]` is place i's count in the last window; `history[i]` its counts in the earlier
    windows of the same length (a 2-D array, places × windows). The expected count is the
    mean of the history, at least `rate_floor`; p = P(Poisson(expected) ≥ recent).
    """
    recent = np.asarray(recent, dtype=float)
    history = np.asarray(history, dtype=float).reshape(recent.size, -1)
    if recent.size == 0:
        return []
    expected = np.maximum(history.mean(axis=1) if history.shape[1] else np.zeros(recent.size), rate_floor)
    p = stats.poisson.sf(recent - 1, expected)
    q = benjamini_hochberg(p)
    found = []
    for i in np.flatnonzero((q <= fdr) & (recent >= min_count)):
        i = int(i)
        found.append(
            Trend(
                index=i,
                count=int(recent[i]),
                expected=float(expected[i]),
                history=[int(v) for v in history[i]],
                p=float(p[i]),
                q=float(q[i]),
                surprise=float(-np.log10(max(p[i], 1e-300))),
            )
        )
    return found


def person_key(kind, value):
    """A stable, non-reversible key for a party's ID number or phone (never stored in clear)."""
    cleaned = "".join(ch for ch in str(value).upper() if ch.isalnum())
    return hashlib.sha256(f"{kind}:{cleaned}".encode()).hexdigest()[:24] if cleaned else ""


@dataclass
class EscalatingParty:
    key: str
    case_ids: list
    after_agreement: bool  # a dispute began after one of theirs had an agreement


def escalating_parties(rows, *, min_cases=PARTY_MIN_CASES):
    """People in `min_cases` or more disputes. `rows`: (case_id, [person keys], has_agreement, created_at).

    A person is known by any of their keys (ID number, phone); cases sharing a key are grouped
    (a small union–find), so the same person with a phone in one case and an ID number in the
    next, both given in a third, is one person.
    """
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _case, keys, _agreed, _at in rows:
        keys = [k for k in keys if k]
        for k in keys[1:]:
            parent[find(k)] = find(keys[0])
        for k in keys[:1]:
            find(k)
    groups = {}
    for case_id, keys, agreed, at in rows:
        roots = {find(k) for k in keys if k}
        for root in roots:
            groups.setdefault(root, {})[case_id] = (agreed, at)
    members = {}
    for k in list(parent):
        members.setdefault(find(k), set()).add(k)
    found = []
    for root, cases in groups.items():
        if len(cases) < min_cases:
            continue
        ordered = sorted(cases.items(), key=lambda item: (item[1][1], item[0]))
        after_agreement = any(agreed for _id, (agreed, _at) in ordered[:-1])
        found.append(
            EscalatingParty(key=min(members[root]), case_ids=[c for c, _ in ordered], after_agreement=after_agreement)
        )
    found.sort(key=lambda e: (-len(e.case_ids), e.key))
    return found


def risk_words(texts, words):
    """{case id: [words found]} for `texts` ({case id: text}) and `words` (an iterable of str)."""
    words = [w for w in words if w]
    found = {}
    for case_id, text in texts.items():
        hits = [w for w in words if w in (text or "")]
        if hits:
            found[case_id] = hits
    return found
