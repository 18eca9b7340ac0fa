"""Tests of gentheory_utils.distances.w1_empirical against cases with known answers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from gentheory_utils.distances import w1_empirical


def test_one_dimension_equals_sorted_matching():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(300, 1)), rng.normal(2.0, 0.5, size=(300, 1))
    expected = np.mean(np.abs(np.sort(x[:, 0]) - np.sort(y[:, 0])))
    assert w1_empirical(x, y) == pytest.approx(expected, rel=1e-12)


def test_matches_brute_force_over_permutations():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    brute = min(
        np.mean(np.linalg.norm(x - y[list(p)], axis=1))
        for p in itertools.permutations(range(6))
    )
    assert w1_empirical(x, y) == pytest.approx(brute, rel=1e-12)


def test_identical_and_shifted_sets():
    x = torch.randn(50, 4, generator=torch.Generator().manual_seed(2))
    assert w1_empirical(x, x) == 0.0
    assert w1_empirical(x, x[torch.randperm(50)]) == pytest.approx(0.0, abs=1e-12)
    shift = torch.tensor([3.0, 4.0, 0.0, 0.0])
    assert w1_empirical(x, x + shift) == pytest.approx(
        5.0, rel=1e-6
    )  # translating every point costs |shift|


def test_symmetric():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(40, 2)), rng.normal(size=(40, 2))
    assert w1_empirical(x, y) == pytest.approx(w1_empirical(y, x), rel=1e-12)


@pytest.mark.parametrize(
    ("x", "y", "exc", "match"),
    [
        (np.zeros((3, 2)), np.zeros((4, 2)), ValueError, "same shape"),
        (np.zeros((3, 2)), np.zeros((3, 3)), ValueError, "same shape"),
    ],
)
def test_bad_input(x, y, exc, match):
    with pytest.raises(exc, match=match):
        w1_empirical(x, y)
