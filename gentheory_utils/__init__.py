"""Helpers shared by the chapters of *gentheory*, an executable textbook on
the theory of deep generative models.

The lessons live in the chapters; this package holds the machinery they
reuse: data sets (:mod:`~gentheory_utils.data`), small networks
(:mod:`~gentheory_utils.nets`), intrinsic-dimension estimators
(:mod:`~gentheory_utils.manifold`), seeding and device choice
(:mod:`~gentheory_utils.seeding`), progress bars
(:mod:`~gentheory_utils.progress`), plotting style
(:mod:`~gentheory_utils.plotting`), widgets (:mod:`~gentheory_utils.widgets`)
and :func:`show_source`.
"""
from . import book, data, gan, manifold, metrics, nets, plotting, progress, results, seeding, vae, widgets
from .seeding import get_device, seed_everything
from .source import show_source

__version__ = "0.1.0"

__all__ = [
    "book",
    "data",
    "gan",
    "metrics",
    "results",
    "vae",
    "manifold",
    "nets",
    "plotting",
    "progress",
    "seeding",
    "widgets",
    "get_device",
    "seed_everything",
    "show_source",
]
