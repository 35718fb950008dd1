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
