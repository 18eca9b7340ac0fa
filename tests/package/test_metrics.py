"""Tests of gentheory_utils.metrics.mode_coverage on samples whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gentheory_utils import data
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
