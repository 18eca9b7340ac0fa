"""GANs on small data: networks, losses, penalties and a training loop (chapter 3).

Chapter 3 teaches the losses; they are short functions here so that the
chapter can show them with :func:`gentheory_utils.source.show_source` and later
chapters (generalization, equilibrium, audits) can reuse them:

* :func:`d_loss_logistic`, :func:`g_loss_nonsaturating`: the original GAN game
  (Goodfellow et al., 2014) with the non-saturating generator loss;
* :func:`d_loss_wasserstein`, :func:`g_loss_wasserstein`,
  :func:`gradient_penalty`: WGAN-GP (Gulrajani et al., 2017);
* :func:`r1_penalty`: the zero-centred gradient penalty on real data
  (Mescheder et al., 2018);
* :func:`pack`: PacGAN's packing of ``m`` samples into one discriminator input
  (Lin et al., 2018).

:func:`train_gan` runs alternating Adam updates (one discriminator step per
generator step, or ``n_critic`` for WGAN-GP) with an optional cosine learning
rate decay, and records snapshots of the generator's samples at fixed noise.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.functional import softplus

from ._validate import check_float, check_int
from .nets import mlp
from .progress import progress_range

__all__ = [
    "METHODS",
    "generator",
    "discriminator",
    "pack",
    "d_loss_logistic",
    "g_loss_nonsaturating",
    "d_loss_wasserstein",
    "g_loss_wasserstein",
    "gradient_penalty",
    "r1_penalty",
    "MixtureGenerator",
    "GANRun",
    "train_gan",
]

#: Training recipes understood by :func:`train_gan`.
METHODS = ("gan", "wgan-gp")


def generator(z_dim: int = 2, data_dim: int = 2, width: int = 256, depth: int = 3,
              out_activation: str | None = None) -> nn.Sequential:
    """An MLP generator ``R^z_dim -> R^data_dim`` with ``depth`` ReLU layers of ``width``.

    Taught in Chapter 3, *GANs and mode collapse*.

    ``out_activation`` (e.g. ``"tanh"`` for data scaled to ``[-1, 1]``) is applied to the output.
    """
    depth = check_int(depth, "depth", minimum=1)
    return mlp(z_dim, data_dim, (check_int(width, "width", minimum=1),) * depth, activation="relu",
               out_activation=out_activation)


def discriminator(data_dim: int = 2, pack_size: int = 1, width: int = 256, depth: int = 3) -> nn.Sequential:
    """An MLP discriminator on ``pack_size`` concatenated samples, one logit (or critic value) out.

    Taught in Chapter 3, *GANs and mode collapse*.
    """
    depth = check_int(depth, "depth", minimum=1)
    pack_size = check_int(pack_size, "pack_size", minimum=1)
    return mlp(data_dim * pack_size, 1, (check_int(width, "width", minimum=1),) * depth, activation="leaky_relu")


def pack(x: torch.Tensor, pack_size: int) -> torch.Tensor:
    """Group consecutive rows: ``(n, d) -> (n // pack_size, d * pack_size)`` (PacGAN).

    Taught in Chapter 3, *GANs and mode collapse*.

    ``n`` must be a multiple of ``pack_size``.
    """
    pack_size = check_int(pack_size, "pack_size", minimum=1)
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise ValueError(f"x must be a 2-D tensor, got {type(x).__name__} {tuple(getattr(x, 'shape', ()))}")
    if x.shape[0] % pack_size:
        raise ValueError(f"the number of rows ({x.shape[0]}) must be a multiple of pack_size ({pack_size})")
    return x.reshape(x.shape[0] // pack_size, x.shape[1] * pack_size)


def d_loss_logistic(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator loss ``-E log D(x) - E log(1 - D(G(z)))`` with ``D = sigmoid(logit)``.

    Taught in Chapter 3, *GANs and mode collapse*.

    ``-log sigmoid(t) = softplus(-t)`` and ``-log(1 - sigmoid(t)) = softplus(t)``
    keep it numerically stable. Minimising it maximises the GAN value function.
    """
    return softplus(-real_logits).mean() + softplus(fake_logits).mean()


def g_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss ``-E log D(G(z))`` (strong gradients when D wins).

    Taught in Chapter 3, *GANs and mode collapse*.
    """
    return softplus(-fake_logits).mean()


def d_loss_wasserstein(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Critic loss ``E f(G(z)) - E f(x)``: minimising it maximises ``E f(x) - E f(G(z))``.

    Taught in Chapter 3, *GANs and mode collapse*.
    """
    return fake_scores.mean() - real_scores.mean()


def g_loss_wasserstein(fake_scores: torch.Tensor) -> torch.Tensor:
    """Generator loss ``-E f(G(z))``.

    Taught in Chapter 3, *GANs and mode collapse*.
    """
    return -fake_scores.mean()


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, one_sided: bool = False) -> torch.Tensor:
    """Gradient penalty at random points ``x_hat`` between real and fake samples.

    Taught in Chapter 3, *GANs and mode collapse*.

    Two-sided (WGAN-GP, Gulrajani et al., 2017): ``E (||grad f(x_hat)|| - 1)^2``.
    One-sided (Petzka et al., 2018): ``E max(0, ||grad f(x_hat)|| - 1)^2``, which
    only punishes slopes above 1, as the Lipschitz constraint itself does.
    """
    if real.shape != fake.shape:
        raise ValueError(f"real and fake must have the same shape, got {tuple(real.shape)} and {tuple(fake.shape)}")
    if not isinstance(one_sided, bool):
        raise TypeError(f"one_sided must be a bool, got {type(one_sided).__name__}")
    t = torch.rand(real.shape[0], 1, device=real.device)
    x_hat = (t * real + (1 - t) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    excess = grad.norm(dim=1) - 1
    return (excess.clamp(min=0) if one_sided else excess).pow(2).mean()


def r1_penalty(disc: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """R1 penalty ``E ||grad D(x)||^2`` on real data (returns the scores' penalty only).

    Taught in Chapter 3, *GANs and mode collapse*.
    """
    real = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(disc(real).sum(), real, create_graph=True)
    return grad.pow(2).sum(dim=1).mean()


class MixtureGenerator(nn.Module):
    """A mixture of ``K`` generators with learned weights ``softmax(logits)`` (MIX+GAN).

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.

    Its input has one coordinate more than each component's: the last one,
    ``u ~ N(0, 1)``, picks component ``k`` where ``Phi(u)`` falls in the cumulative
    weights, so sampling stays a deterministic function of the noise.

    Parameters
    ----------
    components : sequence of nn.Module
        The ``K`` generators, all mapping ``(n, z_dim)`` to ``(n, d)``.
    """

    def __init__(self, components) -> None:
        super().__init__()
        self.components = nn.ModuleList(components)
        if len(self.components) < 2:
            raise ValueError("a mixture needs at least two components")
        self.logits = nn.Parameter(torch.zeros(len(self.components)))

    @property
    def weights(self) -> torch.Tensor:
        """Mixture weights, shape ``(K,)``, summing to 1."""
        return torch.softmax(self.logits, dim=0)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        u = torch.special.ndtr(z[:, -1])
        edges = torch.cumsum(self.weights, 0)[:-1]
        which = torch.bucketize(u, edges.detach())
        out = torch.stack([g(z[:, :-1]) for g in self.components])         # (K, n, d)
        return out[which, torch.arange(len(z))]


@dataclass
class GANRun:
    """What :func:`train_gan` returns.

    Taught in Chapter 3, *GANs and mode collapse*.

    Attributes
    ----------
    generator, discriminator : torch.nn.Module
        Trained networks (generator in eval mode, on the CPU).
    z_dim : int
        Noise dimension; sample with ``generator(torch.randn(n, z_dim))``.
    history : dict
        ``d_loss`` and ``g_loss`` per logged step, and ``step``.
    snapshots : list of (int, torch.Tensor)
        ``(step, samples)`` at the fixed noise ``snapshot_z``, every ``snapshot_every`` steps.
    seconds : float
        Wall-clock training time.
    """

    generator: nn.Module
    discriminator: nn.Module
    z_dim: int
    history: dict = field(default_factory=dict)
    snapshots: list = field(default_factory=list)
    seconds: float = 0.0

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """``n`` generator samples from seeded noise, shape ``(n, data_dim)``, without gradients."""
        n = check_int(n, "n", minimum=1)
        z = torch.randn(n, self.z_dim, generator=torch.Generator().manual_seed(check_int(seed, "seed", minimum=0)))
        with torch.no_grad():
            return self.generator(z)


def train_gan(
    x_train: torch.Tensor,
    method: str = "gan",
    steps: int = 5000,
    batch_size: int = 256,
    pack_size: int = 1,
    z_dim: int = 2,
    g_width: int = 256,
    d_width: int = 256,
    depth: int = 3,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.5, 0.9),
    r1: float = 0.0,
    gp_weight: float = 0.1,
    n_critic: int = 1,
    lr_decay: bool = True,
    g_out_activation: str | None = None,
    n_generators: int = 1,
    entropy_weight: float = 0.0,
    seed: int = 0,
    snapshot_every: int | None = None,
    snapshot_n: int = 1000,
    log_every: int = 50,
    progress: bool = True,
) -> GANRun:
    """Train a GAN on the rows of ``x_train`` by alternating Adam steps.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    x_train : torch.Tensor
        Shape ``(n, d)``: the training set (converted to float32); mini-batches
        are drawn from it with replacement.
    method : {"gan", "wgan-gp"}
        ``"gan"``: logistic discriminator loss and non-saturating generator loss
        (plus ``r1 * R1 / 2`` when ``r1 > 0``). ``"wgan-gp"``: Wasserstein critic
        with ``gp_weight`` times the gradient penalty.
    steps : int
        Generator updates.
    batch_size : int
        Discriminator inputs per step; each input packs ``pack_size`` samples.
    pack_size : int
        PacGAN's ``m`` (1: no packing).
    z_dim, g_width, d_width, depth : int
        Noise dimension and network sizes.
    lr, betas : Adam settings for both networks.
    r1, gp_weight : float
        Penalty weights (see ``method``).
    n_critic : int
        Discriminator steps per generator step.
    lr_decay : bool
        Cosine decay of both learning rates to 0 over ``steps``.
    g_out_activation : str or None
        Activation on the generator's output (see :func:`generator`).
    n_generators : int
        ``K > 1`` trains a :class:`MixtureGenerator` of ``K`` generators of width
        ``g_width`` (MIX+GAN, Arora et al., 2017): the discriminator sees each
        component's samples weighted by the mixture weights, and the generator
        loss is the weighted sum of the components' losses minus
        ``entropy_weight`` times the entropy of the weights. Only with
        ``method="gan"`` and ``pack_size=1``.
    entropy_weight : float
        See ``n_generators``.
    seed : int
        Seeds the networks' initialisation, the batches and the noise.
    snapshot_every : int or None
        Record samples at fixed noise every this many steps (and at the end).
    snapshot_n : int
        Number of samples per snapshot.
    log_every : int
        Record the losses every this many steps.
    progress : bool
        Show a progress bar.

    Returns
    -------
    GANRun
    """
    if not isinstance(x_train, torch.Tensor) or x_train.ndim != 2 or not torch.is_floating_point(x_train):
        raise ValueError("x_train must be a 2-D floating-point tensor of shape (n, d)")
    if x_train.shape[0] < 1 or x_train.shape[1] < 1:
        raise ValueError(f"x_train must have at least one row and one column, got shape {tuple(x_train.shape)}")
    if not torch.isfinite(x_train).all():
        raise ValueError("x_train contains NaN or inf")
    x_train = x_train.float()  # the networks are float32
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    pack_size = check_int(pack_size, "pack_size", minimum=1)
    z_dim = check_int(z_dim, "z_dim", minimum=1)
    n_critic = check_int(n_critic, "n_critic", minimum=1)
    lr = check_float(lr, "lr", low=0.0, low_inclusive=False)
    r1 = check_float(r1, "r1", low=0.0)
    gp_weight = check_float(gp_weight, "gp_weight", low=0.0)
    log_every = check_int(log_every, "log_every", minimum=1)
    snapshot_n = check_int(snapshot_n, "snapshot_n", minimum=1)
    if snapshot_every is not None:
        snapshot_every = check_int(snapshot_every, "snapshot_every", minimum=1)
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair of floats, got {betas!r}")
    betas = (check_float(betas[0], "betas[0]", 0.0, 1.0, high_inclusive=False),
             check_float(betas[1], "betas[1]", 0.0, 1.0, high_inclusive=False))

    n_generators = check_int(n_generators, "n_generators", minimum=1)
    entropy_weight = check_float(entropy_weight, "entropy_weight", low=0.0)
    mixture = n_generators > 1
    if mixture and (method != "gan" or pack_size != 1):
        raise ValueError("n_generators > 1 needs method='gan' and pack_size=1")

    torch.manual_seed(check_int(seed, "seed", minimum=0))
    data_dim = x_train.shape[1]
    if mixture:
        G = MixtureGenerator([generator(z_dim, data_dim, g_width, depth, g_out_activation)
                              for _ in range(n_generators)])
    else:
        G = generator(z_dim, data_dim, g_width, depth, g_out_activation)
    D = discriminator(data_dim, pack_size, d_width, depth)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
    schedulers = [torch.optim.lr_scheduler.CosineAnnealingLR(o, steps) for o in (opt_g, opt_d)] if lr_decay else []
    fixed_z = torch.randn(snapshot_n, z_dim + int(mixture))
    history: dict[str, list] = {"step": [], "d_loss": [], "g_loss": []}
    snapshots: list = []
    n_inputs = batch_size * pack_size
    start = time.perf_counter()

    for step in progress_range(steps, progress=progress, desc=f"training {method}"):
        for _ in range(n_critic):
            real = pack(x_train[torch.randint(len(x_train), (n_inputs,))], pack_size)
            if mixture:
                with torch.no_grad():
                    w = G.weights
                    fakes = [g(torch.randn(n_inputs, z_dim)) for g in G.components]
                d_loss = softplus(-D(real)).mean() + sum(wk * softplus(D(f)).mean() for wk, f in zip(w, fakes))
            else:
                with torch.no_grad():
                    fake = pack(G(torch.randn(n_inputs, z_dim)), pack_size)
                if method == "gan":
                    d_loss = d_loss_logistic(D(real), D(fake))
                else:
                    d_loss = d_loss_wasserstein(D(real), D(fake)) + gp_weight * gradient_penalty(D, real, fake)
            if method == "gan" and r1 > 0:
                d_loss = d_loss + 0.5 * r1 * r1_penalty(D, real)
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
        if mixture:
            w = G.weights
            g_loss = sum(wk * g_loss_nonsaturating(D(g(torch.randn(n_inputs, z_dim)))) for wk, g in zip(w, G.components))
            g_loss = g_loss + entropy_weight * (w * torch.log(w)).sum()          # minus entropy
        else:
            fake = pack(G(torch.randn(n_inputs, z_dim)), pack_size)
            g_loss = g_loss_nonsaturating(D(fake)) if method == "gan" else g_loss_wasserstein(D(fake))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        for sched in schedulers:
            sched.step()
        if step % log_every == 0 or step == steps - 1:
            history["step"].append(step + 1)
            history["d_loss"].append(d_loss.item())
            history["g_loss"].append(g_loss.item())
        if snapshot_every is not None and ((step + 1) % snapshot_every == 0 or step == steps - 1):
            with torch.no_grad():
                snapshots.append((step + 1, G(fixed_z).clone()))
    G.eval()
    D.eval()
    return GANRun(G, D, z_dim + int(mixture), history, snapshots, time.perf_counter() - start)
