"""What a training loop returns: one result type for every model of the book.

:func:`gentheory_utils.vae.train_vae` and :func:`gentheory_utils.gan.train_gan`
both return a :class:`TrainResult` (the GAN adds its discriminator and
snapshots), so a chapter reads the history, the time and samples the same way
whatever it trained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ._validate import Seed

__all__ = ["TrainResult"]


@dataclass
class TrainResult:
    """A trained model, its training history and the time it took.

    Taught in Chapter 2, *Variational autoencoders: the derivation, checked*.

    Attributes
    ----------
    model : torch.nn.Module
        The trained generative model, in eval mode; it follows the sampling
        protocol ``model.sample(n, seed=None) -> Tensor (n, d)``.
    history : dict
        Logged values per step or epoch (for example ``train`` and ``test``
        ELBOs, or ``step``, ``d_loss`` and ``g_loss``).
    seconds : float
        Wall-clock training time.
    """

    model: nn.Module
    history: dict = field(default_factory=dict)
    seconds: float = 0.0

    def sample(self, n: int, seed: Seed = None) -> torch.Tensor:
        """``n`` samples of the trained model, shape ``(n, d)``, without gradients."""
        return self.model.sample(n, seed=seed)
