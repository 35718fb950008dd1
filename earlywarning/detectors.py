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
- `trends`: the last window's count against the same place's own history. Each place's rate is
  learnt from its past weeks (up to 26) and from how much the places of its kind differ (an
  empirical-Bayes gamma prior, fitted by moments), so what it should have this week is a negative
  binomial; scaled by how much the whole region changed this week. A second, shorter window (the
  last 5 days) catches a run in its first days. The threshold on p is not BH's: it is set each
  analysis so that the expected number of places flagged by chance is a fixed small share of the
  places (`TREND_FALSE_ALARMS`, from the goal of 1 false alarm a month per 1,000 cells), counting
  the tails each place can actually reach (counts are whole numbers); and at least 3 cases.
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
# 0.001 with at least 5 cases about 0.5. (The trends have their own threshold: TREND_FALSE_ALARMS.)
HOTSPOT_FDR = 0.001
PERMUTATIONS = 999
HOTSPOT_MIN_COUNT = 5  # a "hot" cell with fewer cases in the window is noise, whatever its z
TREND_MIN_COUNT = 3
TREND_RATE_FLOOR = 0.5  # cases per window: the prior's mean when a region has no history at all
TREND_HISTORY_WINDOWS = 26  # earlier windows (weeks) a place's rate is learnt from, when there are so many
TREND_SHORT_DAYS = 5  # the second, shorter window (the last 5 of the 7 days): a run caught in its first days
# The trends' false-alarm budget: the expected number of places flagged by chance in one analysis is
# at most this share of the places. The goal is 1 false alarm a month per 1,000 cells, 1/30,000 a
# cell-day; a chance flag stays on for a few days (the week's window holds it) and counts once, so
# the budget in flags is set at 1.2 times that. The backtest (bench/early_warning.py, three seeds)
# measures the false alarms that result, with the hot spots', against the goal: 1/20,000 caught no
# more outbreaks and gave 1.07 false alarms on one seed; 1/30,000 caught one run fewer on two.
TREND_FALSE_ALARMS = 1 / 25_000
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
    q: float  # Benjamini–Hochberg over the places' p-values, for information (the threshold is `alpha`)
    surprise: float  # -log10(p)
    alpha: float = 0.0  # the analysis's threshold on p, from the false-alarm budget
    window: str = "full"  # which window was the more surprising: "full" or "short"
    short_count: int | None = None
    short_expected: float | None = None


def gamma_prior(means, n_windows):
    """The gamma law of the places' rates (per window), by moments (Clayton & Kaldor 1987): (shape, rate).

    `means` are the places' mean counts over `n_windows` windows; their spread beyond what Poisson
    noise alone gives (mean / n_windows) is the spread of the rates. With no spread left, a nearly
    flat prior (shape 1,000): every place has the common rate.
    """
    m = float(np.mean(means)) if np.size(means) else 0.0
    if m <= 0:
        return 1000.0, 1000.0 / TREND_RATE_FLOOR  # no history anywhere: TREND_RATE_FLOOR a window, for all
    v = max(float(np.var(means)) - m / max(n_windows, 1), m * m / 1000)
    return m * m / v, m / v


def _predictive(history, recent, families):
    """Per place: the gamma posterior (shape, rate) of its rate per window, and the region factor."""
    n, h = history.shape
    total = history.sum(axis=1)
    mean = total / h if h else np.zeros(n)
    shape, rate, factor = np.empty(n), np.empty(n), np.ones(n)
    for fam in np.unique(families):
        sel = families == fam
        a, b = gamma_prior(mean[sel], h)
        shape[sel], rate[sel] = a + total[sel], b + h
        # The whole region's change (the season, a county-wide campaign), without the place itself.
        base = mean[sel].sum() - mean[sel]
        now = recent[sel].sum() - recent[sel]
        factor[sel] = np.where(base > 0, (now + 1) / (base + 1), 1.0)
    return shape, rate, factor


def _tails(shape, p, min_count):
    """P(X ≥ k) for each place (rows) and k = min_count, min_count + 1, … (columns), X ~ NB(shape, p).

    From the probabilities by their ratio (k + shape) / (k + 1) × (1 - p), summed from the far end
    (where what is left is below 1e-15 of the law), so that small tails keep their precision; a
    table of 5,000 places takes a few hundredths of a second where scipy's `sf` takes half a second.
    """
    mean = shape * (1 - p) / p
    sd = np.sqrt(mean / p)
    k_max = int(np.ceil(np.max(mean + 15 * sd))) + min_count + 30
    j = np.arange(k_max)
    steps = np.log(j[None, :] + shape[:, None]) - np.log1p(j)[None, :] + np.log1p(-p)[:, None]
    first = (shape * np.log(p))[:, None]
    pmf = np.exp(np.concatenate([first, first + np.cumsum(steps, axis=1)], axis=1))
    return np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1][:, min_count:]


FLOOR_TAIL = 1e-13


def calibrated_alpha(size_tables, budget, ceiling=0.05):
    """The largest threshold α on p-values such that the expected number of places flagged by chance,
    Σ over places (and windows) of P(X ≥ the smallest count with tail ≤ α), is at most `budget`.

    Counts are discrete: a quiet place cannot be flagged at exactly α, only at the tail of the next
    whole count, which is often far below α. Summing the tails actually spent, rather than α per
    place (Bonferroni) or BH's share, spends the false-alarm budget the goal allows and no more.

    Each table holds, per place (row), its tails P(X ≥ k) for k = min_count, min_count + 1, …
    (decreasing). Raising α past one of them changes that place's spending from the next smaller
    tail to it; so, sorted, the running sum of those steps is the spending at each candidate α.
    The answer lies between the last affordable candidate and the first that is not.
    """
    values, steps = [], []
    for table in size_tables:
        if table.size == 0:
            continue
        nxt = np.concatenate([table[:, 1:], np.zeros((table.shape[0], 1))], axis=1)
        keep = (table <= ceiling) & (table >= FLOOR_TAIL)  # tails below FLOOR_TAIL spend nothing worth counting
        values.append(table[keep])
        steps.append((table - nxt)[keep])
    if not values:
        return ceiling
    values, steps = np.concatenate(values), np.concatenate(steps)
    order = np.argsort(values)
    values, spent = values[order], np.cumsum(steps[order])
    affordable = int(np.searchsorted(spent, budget, side="right"))  # candidates [0, affordable) fit
    if affordable == values.size:
        return ceiling
    affordable = int(np.searchsorted(values, values[affordable], side="left"))  # equal tails go together
    if affordable == 0:
        return 0.0
    return float(np.sqrt(values[affordable - 1] * values[affordable]))


def trends(
    recent,
    history,
    *,
    short=None,
    short_fraction=None,
    families=None,
    false_alarms=TREND_FALSE_ALARMS,
    min_count=TREND_MIN_COUNT,
):
    """Places whose count in the last window beats their own history.

    `recent[i]` is place i's count in the last window; `history[i]` its counts in the earlier
    windows of the same length (a 2-D array, places × windows). Optionally `short[i]`, its count
    in the last part of the window (`short_fraction` of it), to catch a run in its first days.
    `families` (one label per place, e.g. cell / village) are fitted apart.

    The model: each place has its own rate, drawn from a gamma law fitted over the places of its
    family (empirical Bayes); its history updates it, so the count it should have in the window
    is a negative binomial (wider than a Poisson when the history is short or the places differ
    much), scaled by how much the whole region changed this window (without the place itself).
    A region with no history at all: every place is taken to have TREND_RATE_FLOOR a window.
    p = P(X ≥ recent). A place is flagged when p ≤ α, α chosen so that the expected number of
    places flagged by chance in one analysis is `false_alarms` × the number of places (see
    `calibrated_alpha`), and it has at least `min_count` cases.
    """
    recent = np.asarray(recent, dtype=float)
    if recent.size == 0:
        return []
    history = np.asarray(history, dtype=float).reshape(recent.size, -1)
    families = np.zeros(recent.size, dtype=int) if families is None else np.asarray(families)
    shape, rate, factor = _predictive(history, recent, families)
    windows = [(recent, 1.0)]
    if short is not None:
        windows.append((np.asarray(short, dtype=float), float(short_fraction)))
    p_values, tables, expected = [], [], []
    for counts, fraction in windows:
        p_nb = rate / (rate + fraction * factor)
        # one table per family: a village's tail is longer than a cell's, and a table is as wide as its longest
        tables += [_tails(shape[families == f], p_nb[families == f], min_count) for f in np.unique(families)]
        p = stats.nbinom.sf(counts - 1, shape, p_nb)
        p_values.append(np.where(counts >= min_count, p, 1.0))
        expected.append(shape / rate * fraction * factor)
    alpha = calibrated_alpha(tables, false_alarms * recent.size)
    p_all = np.stack(p_values)
    best = p_all.argmin(axis=0)
    p = p_all.min(axis=0)
    q = benjamini_hochberg(p)
    found = []
    for i in np.flatnonzero(p <= alpha):
        i = int(i)
        found.append(
            Trend(
                index=i,
                count=int(recent[i]),
                expected=float(expected[0][i]),
                history=[int(v) for v in history[i]],
                p=float(p[i]),
                q=float(q[i]),
                surprise=float(-np.log10(max(p[i], 1e-300))),
                alpha=float(alpha),
                window="short" if best[i] == 1 else "full",
                short_count=int(windows[1][0][i]) if short is not None else None,
                short_expected=float(expected[1][i]) if short is not None else None,
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
