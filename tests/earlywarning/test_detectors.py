"""The detectors on hand-made grids whose answer is known: one hot cell, a hot cluster, no signal."""

import numpy as np
import pytest
from shapely.geometry import box

from earlywarning import detectors


def lattice(n):
    """An n × n lattice of unit squares, row by row, and its queen neighbours."""
    shapes = [box(x, y, x + 1, y + 1) for y in range(n) for x in range(n)]
    return shapes, detectors.queen_neighbours(shapes)


def test_queen_contiguity_counts_corners_and_edges():
    _shapes, neighbours = lattice(3)
    assert sorted(neighbours[4]) == [0, 1, 2, 3, 5, 6, 7, 8]  # the centre touches all eight
    assert sorted(neighbours[0]) == [1, 3, 4]  # a corner: two edges and one corner


def test_benjamini_hochberg_matches_the_textbook():
    p = [0.01, 0.04, 0.03, 0.005]
    q = detectors.benjamini_hochberg(p)
    # sorted: .005 .01 .03 .04 → ×4/rank: .02 .02 .04 .04
    assert q == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert detectors.benjamini_hochberg([]).size == 0


def test_one_hot_cell_is_found_and_nothing_else():
    _shapes, neighbours = lattice(15)
    counts = np.zeros(225)
    counts[::7] = 1  # a quiet county: one case in every seventh cell
    counts[112] = 12  # the centre
    result = detectors.hotspots(counts, neighbours)
    # Its neighbours share its high Gi* (each counts it), but hold fewer than the minimum count.
    assert [h.index for h in result.hotspots] == [112]
    hot = result.hotspots[0]
    assert hot.count == 12 and hot.z > 3 and hot.q <= detectors.HOTSPOT_FDR
    assert len(hot.neighbour_counts) == 8


def test_a_hot_cluster_is_found_as_a_cluster():
    _shapes, neighbours = lattice(12)
    rng = np.random.default_rng(7)
    counts = rng.poisson(0.5, 144).astype(float)
    cluster = [y * 12 + x for y in (5, 6, 7) for x in (5, 6, 7)]
    counts[cluster] += 5
    found = {h.index for h in detectors.hotspots(counts, neighbours).hotspots}
    assert found == set(cluster)  # the cluster's centre, with all its neighbours hot


def test_no_signal_raises_nothing():
    _shapes, neighbours = lattice(20)
    rng = np.random.default_rng(3)
    for _ in range(5):
        counts = rng.poisson(1.0, 400)
        assert detectors.hotspots(counts, neighbours).hotspots == []
    assert detectors.hotspots(np.zeros(400), neighbours).hotspots == []


def test_a_sudden_run_in_a_quiet_place_is_a_trend():
    history = np.zeros((30, 8))
    history[:, :] = 1  # one a week everywhere
    recent = np.ones(30)
    recent[4] = 7  # a quiet village with a run of seven
    found = detectors.trends(recent, history)
    assert [t.index for t in found] == [4]
    assert found[0].expected == 1 and found[0].p < 1e-3


def test_a_busy_place_at_its_usual_level_is_no_trend():
    history = np.full((10, 8), 20.0)
    recent = np.full(10, 22.0)
    assert detectors.trends(recent, history) == []


def test_a_trend_needs_a_minimum_count():
    history = np.zeros((5, 8))
    recent = np.array([2, 0, 0, 0, 0])  # surprising against nothing, but two is not a run
    assert detectors.trends(recent, history) == []


def test_the_same_person_by_phone_or_id_number_in_three_disputes():
    a_id, a_phone = detectors.person_key("id", "11010519491231002X"), detectors.person_key("phone", "13812345678")
    b = detectors.person_key("phone", "13987654321")
    rows = [
        (1, [a_id], False, 1),
        (2, [a_id, a_phone], True, 2),
        (3, [a_phone, b], False, 3),
        (4, [b], False, 4),
    ]
    found = detectors.escalating_parties(rows)
    assert len(found) == 1  # a_id and a_phone are one person; b is in two only … but joined through case 3
    assert found[0].case_ids == [1, 2, 3, 4]
    assert found[0].after_agreement is True
    assert detectors.escalating_parties(rows[:2]) == []


def test_person_keys_hide_the_number_and_ignore_formatting():
    key = detectors.person_key("phone", "138-1234-5678")
    assert key == detectors.person_key("phone", "13812345678") and "1381234" not in key
    assert detectors.person_key("phone", "") == ""


def test_risk_words_in_text():
    found = detectors.risk_words({1: "他扬言要报复对方", 2: "排水沟堵塞"}, ["扬言", "报复", "上访"])
    assert found == {1: ["扬言", "报复"]}


def generated_county(seed, n=5000, run=None):
    """`n` places with their own rates (gamma, 0.1 a day on average), 26 weeks of history, and a
    week of days; `run` = (place, days, extra a day) adds a run to the week's last days.
    Returns the rates, the history, the week's counts and its last TREND_SHORT_DAYS' counts."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(2.0, 0.05, n)
    history = rng.poisson(rate[:, None] * 7, (n, 26)).astype(float)
    days = rng.poisson(rate[:, None], (n, 7)).astype(float)
    if run is not None:
        place, length, extra = run
        days[place, -length:] += extra
    return rate, history, days.sum(axis=1), days[:, -detectors.TREND_SHORT_DAYS :].sum(axis=1)


def test_a_run_in_its_first_days_is_caught_through_the_short_window():
    rate, *_ = generated_county(2)
    place = int(np.argmin(np.abs(rate - 0.1)))  # an ordinary cell: about 0.7 a week
    _rate, history, week, short = generated_county(2, run=(place, 3, 2))  # six cases in the last three days
    fraction = detectors.TREND_SHORT_DAYS / 7
    found = detectors.trends(week, history, short=short, short_fraction=fraction)
    assert [t.index for t in found] == [place]
    trend = found[0]
    assert trend.window == "short" and trend.short_count == 6 and trend.p <= trend.alpha
    # The week's count alone (six against 0.77 a week, among 5,000 places) is not enough.
    assert detectors.trends(week, history) == []


def test_no_signal_spends_no_more_than_the_false_alarm_budget():
    fraction = detectors.TREND_SHORT_DAYS / 7
    flagged = 0
    for seed in range(40):
        _rate, history, week, short = generated_county(100 + seed, n=2000)
        flagged += len(detectors.trends(week, history, short=short, short_fraction=fraction))
    # The budget: 2,000 places × 40 analyses × TREND_FALSE_ALARMS = 4 places flagged by chance, at most.
    assert flagged <= 40 * 2000 * detectors.TREND_FALSE_ALARMS
    _rate, history, week, short = generated_county(7, n=1000)
    assert detectors.trends(week, history, short=short, short_fraction=fraction) == []


def test_the_threshold_spends_the_tails_that_can_be_reached():
    # Two places whose counts can only land on tails 0.1, 0.01, 0.001: a threshold between two
    # tails spends the smaller; equal tails are spent together or not at all.
    tails = np.array([[0.1, 0.01, 0.001], [0.1, 0.01, 0.001]])
    assert detectors.calibrated_alpha([tails], 0.0015) == 0.0  # both at 0.001 would spend 0.002
    alpha = detectors.calibrated_alpha([tails], 0.012)  # 0.02 at 0.01 is too much; 0.002 at 0.001 fits
    assert 0.001 < alpha < 0.01
    assert detectors.calibrated_alpha([tails], 1.0) == 0.05  # the ceiling


def test_a_busier_region_this_week_raises_every_place_s_expectation():
    history = np.ones((50, 8))  # one a week everywhere
    quiet = np.ones(50)
    quiet[3] = 7
    assert [t.index for t in detectors.trends(quiet, history)] == [3]
    busy = np.full(50, 2.0)  # the whole region doubled this week (a season, a campaign) …
    busy[3] = 7
    assert detectors.trends(busy, history) == []  # … so seven where one was usual is less surprising
