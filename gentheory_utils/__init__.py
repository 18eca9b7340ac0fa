"""Helpers shared by the chapters of *gentheory*, an executable textbook on
the theory of deep generative models.

The lessons live in the chapters; this package holds the machinery they
reuse, one small module per concept:

* :mod:`~gentheory_utils.data`: toy distributions and the bundled digits
  (chapter 1 on);
* :mod:`~gentheory_utils.nets`: small MLPs;
* :mod:`~gentheory_utils.manifold`: intrinsic-dimension estimators (chapter 1);
* :mod:`~gentheory_utils.vae`: VAE model, ELBO, training, importance-weighted
  likelihood (chapter 2);
* :mod:`~gentheory_utils.gan`: GAN networks, losses, penalties, training loop
  (chapter 3);
* :mod:`~gentheory_utils.metrics`: mode coverage under the PacGAN protocol
  (chapter 3);
* :mod:`~gentheory_utils.distances`, :mod:`~gentheory_utils.generalization`:
  Wasserstein distances and the sample-complexity bound (chapter 4);
* :mod:`~gentheory_utils.games`, :mod:`~gentheory_utils.mixgan`: zero-sum
  games and mixtures of generators and discriminators (chapter 5);
* :mod:`~gentheory_utils.birthday`: birthday-paradox audits (chapter 6);
* :mod:`~gentheory_utils.diffusion`: exact scores, samplers and a learned
  denoiser (chapter 7), with precision and recall in
  :mod:`~gentheory_utils.metrics`;
* :mod:`~gentheory_utils.flows`: coupling flows, exact flow-matching
  velocities, divergences, and a learned velocity (chapter 8);
* :mod:`~gentheory_utils.ode`: the Euler, Heun and Runge-Kutta integrator that
  the samplers of chapters 7 and 8 share;
* :mod:`~gentheory_utils.results`: benchmark outputs shipped with the package;
* :mod:`~gentheory_utils.runs`: the result every training loop returns;
* :mod:`~gentheory_utils.seeding` (:func:`setup`), :mod:`~gentheory_utils.progress`,
  :mod:`~gentheory_utils.plotting`, :mod:`~gentheory_utils.widgets`,
  :mod:`~gentheory_utils.book` and :func:`show_source`: seeds and devices,
  progress bars, figure style, interactive figures, glue, and showing code.
"""

from . import (
    birthday,
    book,
    data,
    diffusion,
    distances,
    flows,
    games,
    gan,
    generalization,
    manifold,
    metrics,
    mixgan,
    nets,
    ode,
    plotting,
    progress,
    results,
    runs,
    seeding,
    vae,
    widgets,
)
from .seeding import get_device, seed_everything, setup
from .source import show_source

#: The book's one version number (see CONTRIBUTING.md, "Cutting a release").
__version__ = "0.2.0"

__all__ = [
    "birthday",
    "diffusion",
    "distances",
    "flows",
    "games",
    "generalization",
    "book",
    "data",
    "gan",
    "metrics",
    "mixgan",
    "results",
    "vae",
    "manifold",
    "nets",
    "ode",
    "plotting",
    "progress",
    "seeding",
    "widgets",
    "get_device",
    "seed_everything",
    "setup",
    "runs",
    "show_source",
]
