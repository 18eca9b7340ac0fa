"""Tests of gentheory_utils.metrics on samples whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gentheory_utils import data, metrics
from gentheory_utils.metrics import mode_coverage

RING = data.ring()
CENTERS = RING.centers
STD = RING.std


def test_samples_exactly_on_every_centre():
    x = CENTERS.repeat(10, 1)
    out = mode_coverage(x, CENTERS, STD)
    assert out["modes"] == 8 and out["hq_fraction"] == 1.0
    assert out["reverse_kl"] == pytest.approx(0.0, abs=1e-12)
    assert out["counts"] == [10] * 8


def test_all_samples_in_one_mode():
    x = CENTERS[:1].repeat(50, 1) + 0.001
    out = mode_coverage(x, CENTERS, STD)
    assert out["modes"] == 1
    assert out["reverse_kl"] == pytest.approx(math.log(8))
    assert out["counts"][0] == 50 and sum(out["counts"]) == 50


def test_half_the_samples_off_mode():
    # 4 modes hit by 2 samples each, plus 8 samples at the origin (far from all modes).
    x = torch.cat([CENTERS[:4].repeat(2, 1), torch.zeros(8, 2)])
    out = mode_coverage(x, CENTERS, STD)
    assert out["modes"] == 4
    assert out["hq_fraction"] == pytest.approx(0.5)
    # histogram uniform over 4 of 8 modes: KL = log(8/4)
    assert out["reverse_kl"] == pytest.approx(math.log(2))


def test_threshold_is_three_standard_deviations():
    just_in = CENTERS[0] + torch.tensor([2.99 * STD, 0.0])
    just_out = CENTERS[0] + torch.tensor([3.01 * STD, 0.0])
    assert mode_coverage(just_in[None], CENTERS, STD)["hq_fraction"] == 1.0
    assert mode_coverage(just_out[None], CENTERS, STD)["hq_fraction"] == 0.0
    assert (
        mode_coverage(just_out[None], CENTERS, STD, hq_threshold=4.0)["hq_fraction"]
        == 1.0
    )


def test_no_high_quality_sample_gives_nan_kl():
    out = mode_coverage(torch.zeros(5, 2), CENTERS, STD)
    assert (
        out["modes"] == 0
        and out["hq_fraction"] == 0.0
        and math.isnan(out["reverse_kl"])
    )


def test_true_distribution_scores_full_coverage():
    grid = data.grid()
    out = mode_coverage(grid.sample(2500, seed=0), grid)
    assert out["modes"] == 25
    # P(chi_2 < 9) = 1 - exp(-4.5) = 0.9889; allow 4 binomial standard errors
    p = 1 - math.exp(-4.5)
    assert abs(out["hq_fraction"] - p) < 4 * math.sqrt(p * (1 - p) / 2500)
    assert out["reverse_kl"] < 0.02


def test_accepts_numpy():
    out = mode_coverage(CENTERS.numpy(), CENTERS.numpy(), STD)
    assert out["modes"] == 8


def test_a_mixture_gives_the_same_answer_as_its_centres_and_std():
    x = RING.sample(500, seed=1)
    assert mode_coverage(x, RING) == mode_coverage(x, CENTERS, STD)
    wide = data.ring(std=0.2)  # the std comes from the mixture
    assert mode_coverage(x, wide) == mode_coverage(x, CENTERS, 0.2)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(samples=torch.zeros(3, 3)), ValueError, "same number of columns"),
        (dict(std=0.0), ValueError, "std must be > 0"),
        (dict(std=-1.0), ValueError, "std must be > 0"),
        (dict(hq_threshold=0.0), ValueError, "hq_threshold must be > 0"),
        (dict(mixture=np.zeros((0, 2))), ValueError, "mixture must have at least 1"),
        (dict(std=None), ValueError, "std is required"),
        (dict(mixture=RING), ValueError, "std comes from the mixture"),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = dict(samples=torch.zeros(3, 2), mixture=CENTERS, std=STD)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        mode_coverage(**args)


# ------------------------------------------------------------------ precision, recall


def _blobs(centres, n_per, std, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([c + std * rng.standard_normal((n_per, 2)) for c in centres])


def test_precision_recall_identical_sets():
    x = _blobs([(0, 0), (5, 5)], 100, 0.3, 0)
    assert metrics.precision_recall(x, x) == {"precision": 1.0, "recall": 1.0}


def test_dropped_modes_lower_recall_only():
    real = _blobs([(0, 0), (5, 0), (0, 5), (5, 5)], 200, 0.3, 1)
    fake = _blobs([(0, 0), (5, 0)], 400, 0.3, 2)  # two of four modes
    pr = metrics.precision_recall(real, fake)
    assert pr["precision"] > 0.95
    assert 0.4 < pr["recall"] < 0.6


def test_off_manifold_samples_lower_precision_only():
    real = _blobs([(0, 0), (5, 5)], 300, 0.3, 3)
    good = _blobs([(0, 0), (5, 5)], 300, 0.3, 4)
    junk = _blobs([(20, -20)], 200, 0.3, 5)  # far from the data
    pr = metrics.precision_recall(real, np.concatenate([good, junk]))
    assert pr["precision"] == pytest.approx(600 / 800, abs=0.05)
    assert pr["recall"] > 0.95


def test_precision_recall_k_and_errors():
    real = _blobs([(0, 0)], 50, 1.0, 6)
    fake = _blobs([(0.5, 0)], 50, 1.0, 7)
    small = metrics.precision_recall(real, fake, k=1)
    large = metrics.precision_recall(real, fake, k=10)
    # larger balls cover more
    assert large["precision"] >= small["precision"]
    assert large["recall"] >= small["recall"]
    with pytest.raises(ValueError, match="k"):
        metrics.precision_recall(real, fake, k=0)
    with pytest.raises(ValueError, match="fake must have at least 4 rows"):
        metrics.precision_recall(real, fake[:3], k=3)
    with pytest.raises(ValueError, match="columns"):
        metrics.precision_recall(real, np.zeros((10, 3)))
    with pytest.raises(TypeError, match="real"):
        metrics.precision_recall([[0.0, 1.0]] * 10, fake)
