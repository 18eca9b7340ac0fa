"""Variational autoencoders: the model, its ELBO, training and evaluation (chapter 2).

The pieces a reader learns in chapter 2 are here so that later chapters can
reuse them, and the chapter shows them with :func:`gentheory_utils.source.show_source`:

* :func:`gaussian_kl`: the closed-form KL of a diagonal Gaussian from N(0, I);
* :class:`VAE`: an MLP encoder giving ``(mu, logvar)`` of ``Q(z|X)`` and an MLP
  decoder giving the parameters of ``P(X|z)`` (Bernoulli logits or a Gaussian
  mean with fixed standard deviation);
* :func:`elbo`: the one-sample (or ``n_samples``) ELBO estimate
  ``E_Q[log P(X|z)] - KL[Q(z|X) || P(z)]`` with the reparameterization trick;
* :func:`train_vae`: Adam on the negative ELBO with a progress bar;
* :func:`iw_log_likelihood`: the importance-weighted estimate of ``log P(X)``
  (Burda et al., 2016), a lower bound that tightens as ``k`` grows.

Units: log-likelihoods and ELBOs are in nats per data point.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import torch
from torch import nn

from ._validate import Seed, check_float, check_int, check_seed, seed_int
from .nets import mlp
from .progress import progress_range
from .runs import TrainResult

__all__ = ["gaussian_kl", "VAE", "elbo", "train_vae", "iw_log_likelihood"]

LIKELIHOODS = ("bernoulli", "gaussian")


def _check_batch(x, name: str, dim: int | None = None) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (batch, features), got shape {tuple(x.shape)}"
        )
    if not torch.is_floating_point(x):
        raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns, got {x.shape[1]}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf")
    return x


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL[N(mu, diag exp(logvar)) || N(0, I)] for each row, in nats.

    Taught in Chapter 2, *Variational autoencoders: the derivation, checked*.

    ``0.5 * sum_j (exp(logvar_j) + mu_j**2 - 1 - logvar_j)``, the diagonal case
    of ``0.5 (tr Σ + μ^T μ - k - log det Σ)``.

    Parameters
    ----------
    mu, logvar : torch.Tensor
        Shape ``(batch, k)``: means and log-variances of the ``k`` latent coordinates.

    Returns
    -------
    torch.Tensor
        Shape ``(batch,)``, non-negative.
    """
    _check_batch(mu, "mu")
    _check_batch(logvar, "logvar")
    if mu.shape != logvar.shape:
        raise ValueError(
            "mu and logvar must have the same shape, got "
            f"{tuple(mu.shape)} and {tuple(logvar.shape)}"
        )
    return 0.5 * (logvar.exp() + mu.pow(2) - 1.0 - logvar).sum(dim=1)


class VAE(nn.Module):
    """A VAE with MLP encoder and decoder and a standard-normal prior.

    Taught in Chapter 2, *Variational autoencoders: the derivation, checked*.

    Parameters
    ----------
    data_dim : int
        Dimension ``D`` of an observation.
    latent_dim : int
        Dimension ``k`` of ``z``.
    hidden : sequence of int
        Hidden widths of the encoder; the decoder mirrors them.
    likelihood : {"bernoulli", "gaussian"}
        ``P(X|z)``: independent Bernoulli pixels (decoder outputs logits), or
        ``N(decoder(z), decoder_std² I)`` with a *fixed* standard deviation.
    decoder_std : float
        Standard deviation of the Gaussian likelihood (ignored for Bernoulli).
    """

    def __init__(
        self,
        data_dim: int,
        latent_dim: int,
        hidden: Sequence[int] = (128, 128),
        likelihood: str = "bernoulli",
        decoder_std: float = 0.1,
    ) -> None:
        super().__init__()
        self.data_dim = check_int(data_dim, "data_dim", minimum=1)
        self.latent_dim = check_int(latent_dim, "latent_dim", minimum=1)
        if likelihood not in LIKELIHOODS:
            raise ValueError(
                f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}"
            )
        self.likelihood = likelihood
        self.decoder_std = check_float(
            decoder_std, "decoder_std", low=0.0, low_inclusive=False
        )
        self.encoder = mlp(self.data_dim, 2 * self.latent_dim, hidden)
        self.decoder = mlp(
            self.latent_dim, self.data_dim, tuple(reversed(tuple(hidden)))
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mu, logvar)`` of ``Q(z|x)``, each of shape ``(batch, latent_dim)``."""
        _check_batch(x, "x", self.data_dim)
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-12.0, 8.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder output for codes ``z`` ``(batch, latent_dim)``: logits or means."""
        return self.decoder(z)

    def mean(self, z: torch.Tensor) -> torch.Tensor:
        """``E[X | z]``: pixel probabilities (Bernoulli) or the Gaussian mean."""
        out = self.decode(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def log_likelihood(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """``log P(x | z)`` summed over the ``D`` coordinates, shape ``out.shape[:-1]``.

        ``x`` broadcasts against ``out`` (for example ``(batch, D)`` against
        ``(samples, batch, D)``).
        """
        if self.likelihood == "bernoulli":
            return -nn.functional.binary_cross_entropy_with_logits(
                out, x.expand_as(out), reduction="none"
            ).sum(-1)
        var = self.decoder_std**2
        return (-0.5 * (x - out).pow(2) / var - 0.5 * math.log(2 * math.pi * var)).sum(
            -1
        )

    def sample(self, n: int, seed: Seed = None) -> torch.Tensor:
        """Decoder means ``E[X|z]`` at ``n`` prior codes, shape ``(n, D)``.

        The sampling protocol of the book: ``seed`` is ``None``, an ``int`` or a
        ``torch.Generator``; no gradients are recorded.
        """
        n = check_int(n, "n", minimum=1)
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent_dim, generator=check_seed(seed)).to(device)
        with torch.no_grad():
            return self.mean(z)


def elbo(
    model: VAE, x: torch.Tensor, n_samples: int = 1, beta: float = 1.0
) -> torch.Tensor:
    """Monte Carlo ELBO of each row: ``E_Q[log P(x|z)] - beta KL[Q(z|x) || P(z)]``.

    Taught in Chapter 2, *Variational autoencoders: the derivation, checked*.

    The expectation uses ``n_samples`` reparameterized draws
    ``z = mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, I)``, so gradients flow
    through ``mu`` and ``logvar``; the KL term is exact (:func:`gaussian_kl`).

    Returns
    -------
    torch.Tensor
        Shape ``(batch,)``, nats.
    """
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a VAE, got {type(model).__name__}")
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    beta = check_float(beta, "beta", low=0.0)
    mu, logvar = model.encode(x)
    eps = torch.randn((n_samples, *mu.shape), device=mu.device)
    z = mu + (0.5 * logvar).exp() * eps  # (samples, batch, k)
    reconstruction = model.log_likelihood(x, model.decode(z)).mean(0)
    return reconstruction - beta * gaussian_kl(mu, logvar)


def train_vae(
    model: VAE,
    x_train: torch.Tensor,
    x_test: torch.Tensor | None = None,
    epochs: int = 100,
    batch_size: int = 128,
    lr: float = 1e-3,
    beta: float = 1.0,
    seed: Seed = None,
    progress: bool = True,
) -> TrainResult:
    """Maximise the ELBO with Adam; return the model with its per-epoch mean ELBOs.

    Taught in Chapter 2, *Variational autoencoders: the derivation, checked*.

    Parameters
    ----------
    model : VAE
    x_train, x_test : torch.Tensor
        Shapes ``(n, D)``; ``x_test`` is optional and only evaluated.
    epochs, batch_size : int
    lr : float
        Adam learning rate.
    beta : float
        Weight of the KL term (1 gives the ELBO).
    seed : int, torch.Generator or None
        Seeds the mini-batch order and the noise (the book's seed convention).
    progress : bool
        Show a progress bar.

    Returns
    -------
    TrainResult
        ``model`` (the same object, trained, in eval mode), ``seconds``, and
        ``history = {"train": [...], "test": [...]}``: mean ELBO per data point
        (nats) after each epoch (``test`` empty without ``x_test``). Train
        values are the average over the epoch's mini-batches.
    """
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a VAE, got {type(model).__name__}")
    _check_batch(x_train, "x_train", model.data_dim)
    if x_test is not None:
        _check_batch(x_test, "x_test", model.data_dim)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_float(lr, "lr", low=0.0, low_inclusive=False)
    torch.manual_seed(seed_int(seed))
    start_time = time.perf_counter()
    device = next(model.parameters()).device
    x_train = x_train.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"train": [], "test": []}
    n = len(x_train)
    for _ in progress_range(epochs, progress=progress, desc="training VAE"):
        model.train()
        perm = torch.randperm(n, device=device)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = x_train[perm[start : start + batch_size]]
            loss = -elbo(model, batch, beta=beta).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += -loss.item() * len(batch)
        history["train"].append(total / n)
        if x_test is not None:
            model.eval()
            with torch.no_grad():
                history["test"].append(
                    elbo(model, x_test.to(device), beta=beta).mean().item()
                )
    model.eval()
    return TrainResult(model, history, time.perf_counter() - start_time)


@torch.no_grad()
def iw_log_likelihood(
    model: VAE, x: torch.Tensor, k: int = 100, batch_size: int = 256
) -> torch.Tensor:
    """Importance-weighted estimate of ``log P(x)`` for each row of ``x``.

    Taught in Chapter 2, *Variational autoencoders: the derivation, checked*.

    ``log (1/k) Σ_i P(x|z_i) P(z_i) / Q(z_i|x)`` with ``z_i ~ Q(z|x)``. Its
    expectation is a lower bound on ``log P(x)`` that is at least the ELBO and
    increases to ``log P(x)`` as ``k`` grows.

    Returns
    -------
    torch.Tensor
        Shape ``(batch,)``, nats.
    """
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a VAE, got {type(model).__name__}")
    k = check_int(k, "k", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    _check_batch(x, "x", model.data_dim)
    out = []
    for start in range(0, len(x), batch_size):
        xb = x[start : start + batch_size]
        mu, logvar = model.encode(xb)
        std = (0.5 * logvar).exp()
        eps = torch.randn((k, *mu.shape), device=mu.device)
        z = mu + std * eps
        log_q = (-0.5 * eps.pow(2) - 0.5 * math.log(2 * math.pi) - 0.5 * logvar).sum(-1)
        log_prior = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)
        log_w = (
            model.log_likelihood(xb, model.decode(z)) + log_prior - log_q
        )  # (k, batch)
        out.append(torch.logsumexp(log_w, dim=0) - math.log(k))
    return torch.cat(out)
