"""MIX+GAN: mixtures of generators and of discriminators (chapter 5).

Arora et al. (2017, section 5) play the GAN game between two *mixtures*: ``K_g``
generators with weights ``w = softmax(a)`` and ``K_d`` discriminators with
weights ``v = softmax(b)``. The payoff is the weighted sum of the pure games,

    ``V(w, v) = sum_ij w_i v_j V(G_i, D_j)``,

with ``V(G, D) = E log D(x) + E log(1 - D(G(z)))``. The discriminators (and
``v``) maximise it, the generators (and ``w``) minimise it, with the
non-saturating generator loss; each side also gets ``entropy_weight`` times the
entropy of its weights as a bonus, which stops the weights from collapsing onto
one component. With one discriminator this is a mixture of generators against
a single discriminator.

:func:`mix_d_step` and :func:`mix_g_step` are the two updates;
:func:`train_mixgan` runs them in the loop of
:func:`gentheory_utils.gan.train_gan` and returns a
:class:`gentheory_utils.gan.GANResult`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import torch
from torch import nn
from torch.nn.functional import softplus

from ._validate import Seed, check_float, check_int, check_seed, seed_int
from .gan import (
    GANConfig,
    GANResult,
    _check_loop_args,
    _noise,
    _resolve_config,
    discriminator,
    generator,
    r1_penalty,
)
from .progress import progress_range

__all__ = [
    "MixtureGenerator",
    "MixtureDiscriminator",
    "entropy",
    "mix_d_step",
    "mix_g_step",
    "train_mixgan",
]


def _modules(components: Iterable[nn.Module], what: str) -> nn.ModuleList:
    """``components`` as a non-empty ``nn.ModuleList`` of modules."""
    components = list(components)
    if not components:
        raise ValueError(f"a mixture of {what} needs at least one component")
    for i, c in enumerate(components):
        if not isinstance(c, nn.Module):
            raise TypeError(
                f"components[{i}] must be a torch.nn.Module, got {type(c).__name__}"
            )
    return nn.ModuleList(components)


def entropy(weights: torch.Tensor) -> torch.Tensor:
    """Shannon entropy ``-sum_k w_k log w_k`` (nats) of weights of shape ``(K,)``.

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.
    """
    return -(weights * torch.log(weights.clamp_min(1e-30))).sum()


class MixtureGenerator(nn.Module):
    """A mixture of ``K`` generators with learned weights ``softmax(logits)`` (MIX+GAN).

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.

    Its noise has one coordinate more than each component's: the last one,
    ``u ~ N(0, 1)``, picks component ``k`` where ``Phi(u)`` falls in the cumulative
    weights, so sampling stays a deterministic function of the noise.

    Parameters
    ----------
    components : sequence of torch.nn.Module
        The ``K >= 1`` generators, all mapping ``(n, component_z_dim)`` to ``(n, d)``.
    z_dim : int, optional
        The components' noise dimension; read from ``components[0].z_dim``
        (as :func:`gentheory_utils.gan.generator` sets it) when omitted.

    Attributes
    ----------
    components : torch.nn.ModuleList
    logits : torch.nn.Parameter
        Shape ``(K,)``, zero at the start (equal weights).
    component_z_dim : int
        Noise dimension of each component.
    z_dim : int
        ``component_z_dim + 1``, the width of :meth:`forward`'s input.
    """

    def __init__(
        self, components: Iterable[nn.Module], z_dim: int | None = None
    ) -> None:
        super().__init__()
        self.components = _modules(components, "generators")
        if z_dim is None:
            z_dim = getattr(self.components[0], "z_dim", None)
            if z_dim is None:
                raise ValueError("pass z_dim, or components with a z_dim attribute")
        self.component_z_dim = check_int(z_dim, "z_dim", minimum=1)
        self.z_dim = self.component_z_dim + 1
        self.logits = nn.Parameter(torch.zeros(len(self.components)))

    @property
    def weights(self) -> torch.Tensor:
        """Mixture weights, shape ``(K,)``, summing to 1."""
        return torch.softmax(self.logits, dim=0)

    def component_samples(self, n: int) -> torch.Tensor:
        """Every component at the same ``n`` fresh noise draws, shape ``(K, n, d)``.

        The noise comes from torch's global generator; gradients flow.
        """
        z = torch.randn(check_int(n, "n", minimum=1), self.component_z_dim)
        z = z.to(self.logits.device)
        return torch.stack([g(z) for g in self.components])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Route each row of ``z`` ``(n, z_dim)`` to one component; ``(n, d)`` out."""
        u = torch.special.ndtr(z[:, -1])
        edges = torch.cumsum(self.weights, 0)[:-1]
        which = torch.bucketize(u, edges.detach())
        out = torch.stack([g(z[:, :-1]) for g in self.components])  # (K, n, d)
        return out[which, torch.arange(len(z), device=z.device)]

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Standard normal noise ``(n, z_dim)``, drawn on the CPU, on its device."""
        return _noise(self, check_int(n, "n", minimum=1), generator)

    def sample(self, n: int, seed: Seed = None) -> torch.Tensor:
        """``n`` samples of the mixture, shape ``(n, d)``, without gradients.

        The sampling protocol of the book (``seed``: ``None``, ``int`` or
        ``torch.Generator``).
        """
        z = self.noise(n, check_seed(seed))
        with torch.no_grad():
            return self(z)


class MixtureDiscriminator(nn.Module):
    """``K`` discriminators with learned weights ``softmax(logits)`` (MIX+GAN).

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.

    Parameters
    ----------
    components : sequence of torch.nn.Module
        The ``K >= 1`` discriminators, each mapping ``(n, d)`` to logits ``(n, 1)``.

    Attributes
    ----------
    components : torch.nn.ModuleList
    logits : torch.nn.Parameter
        Shape ``(K,)``, zero at the start (equal weights).
    """

    def __init__(self, components: Iterable[nn.Module]) -> None:
        super().__init__()
        self.components = _modules(components, "discriminators")
        self.logits = nn.Parameter(torch.zeros(len(self.components)))

    @property
    def weights(self) -> torch.Tensor:
        """Mixture weights, shape ``(K,)``, summing to 1."""
        return torch.softmax(self.logits, dim=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Every discriminator's logit: shape ``(n, d)`` in, ``(n, K)`` out."""
        return torch.cat([D(x).reshape(len(x), 1) for D in self.components], dim=1)


def _pair_logits(D: MixtureDiscriminator, fakes: torch.Tensor) -> torch.Tensor:
    """``D_j(G_i(z))`` for fakes of shape ``(K_g, n, d)``: shape ``(K_g, n, K_d)``."""
    k_g, n, d = fakes.shape
    return D(fakes.reshape(k_g * n, d)).reshape(k_g, n, -1)


def mix_d_step(
    D: MixtureDiscriminator,
    G: MixtureGenerator,
    real: torch.Tensor,
    cfg: GANConfig,
    opt_d: torch.optim.Optimizer,
    entropy_weight: float,
) -> float:
    """One update of every discriminator and of their weights ``v``; returns the loss.

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.

    Minimises ``sum_ij w_i v_j L(G_i, D_j) - entropy_weight * H(v)`` with the
    logistic loss ``L`` on ``real`` (shape ``(n, d)``) and ``n`` fakes per
    generator, plus ``r1 / 2`` times the mean R1 penalty of the discriminators.

    Parameters
    ----------
    D, G : MixtureDiscriminator, MixtureGenerator
        The two mixtures; ``G``'s weights are held fixed here.
    real : torch.Tensor
        Shape ``(n, d)``.
    cfg : GANConfig
        ``r1`` is used.
    opt_d : torch.optim.Optimizer
        Optimiser of ``D`` (its networks and its weight logits).
    entropy_weight : float
        ``lambda`` of the entropy bonus.

    Returns
    -------
    float
        The loss before the update.
    """
    with torch.no_grad():
        fakes = G.component_samples(len(real))  # (K_g, n, d)
    real_loss = softplus(-D(real)).mean(0)  # (K_d,)
    fake_loss = softplus(_pair_logits(D, fakes)).mean(1)  # (K_g, K_d)
    w, v = G.weights.detach(), D.weights
    loss = v @ (real_loss + w @ fake_loss) - entropy_weight * entropy(v)
    if cfg.r1 > 0:
        r1 = torch.stack([r1_penalty(D_j, real) for D_j in D.components]).mean()
        loss = loss + 0.5 * cfg.r1 * r1
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return loss.item()


def mix_g_step(
    D: MixtureDiscriminator,
    G: MixtureGenerator,
    cfg: GANConfig,
    opt_g: torch.optim.Optimizer,
    n: int,
    entropy_weight: float,
) -> float:
    """One update of every generator and of their weights ``w``; returns the loss.

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.

    Minimises ``sum_ij w_i v_j L_ns(G_i, D_j) - entropy_weight * H(w)`` with the
    non-saturating loss ``L_ns = -E log D_j(G_i(z))`` on ``n`` fakes per generator.

    Parameters
    ----------
    D, G : MixtureDiscriminator, MixtureGenerator
        The two mixtures; ``D``'s weights are held fixed here.
    cfg : GANConfig
        Unused today; kept so both steps share :func:`gentheory_utils.gan.g_step`'s
        signature.
    opt_g : torch.optim.Optimizer
        Optimiser of ``G`` (its networks and its weight logits).
    n : int
        Fakes per generator, each of shape ``(n, d)``.
    entropy_weight : float
        ``lambda`` of the entropy bonus.

    Returns
    -------
    float
        The loss before the update.
    """
    fakes = G.component_samples(n)  # (K_g, n, d)
    pair_loss = softplus(-_pair_logits(D, fakes)).mean(1)  # (K_g, K_d)
    w, v = G.weights, D.weights.detach()
    loss = w @ pair_loss @ v - entropy_weight * entropy(w)
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    return loss.item()


def train_mixgan(
    x_train: torch.Tensor,
    n_generators: int = 5,
    n_discriminators: int = 5,
    entropy_weight: float = 0.1,
    config: GANConfig | None = None,
    *,
    seed: Seed = None,
    snapshot_every: int | None = None,
    snapshot_n: int = 1000,
    log_every: int = 50,
    progress: bool = True,
    **overrides,
) -> GANResult:
    """Train MIX+GAN: a mixture of generators against a mixture of discriminators.

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.

    Each step makes ``n_critic`` :func:`mix_d_step` updates on real batches
    drawn with replacement, then one :func:`mix_g_step`, with the optional
    cosine decay of :func:`gentheory_utils.gan.train_gan`. Every component has
    the width of ``config`` (``g_width``, ``d_width``, ``depth``).

    Parameters
    ----------
    x_train : torch.Tensor
        Shape ``(n, d)``, finite; converted to torch's default dtype (float32
        unless set otherwise), in which the networks are built. Training runs on
        its device.
    n_generators, n_discriminators : int
        ``K_g >= 1`` and ``K_d >= 1`` (5 each in Arora et al., 2017);
        ``n_discriminators=1`` mixes the generators only.
    entropy_weight : float
        ``lambda >= 0``, the weight of both entropy bonuses.
    config : GANConfig, optional
        Settings (default ``GANConfig()``); needs ``method="gan"`` and ``pack_size=1``.
    seed : int, torch.Generator or None
        Seeds torch's global generator, so an ``int`` makes the run reproducible.
    snapshot_every, snapshot_n, log_every, progress
        As in :func:`gentheory_utils.gan.train_gan`.
    **overrides
        :class:`gentheory_utils.gan.GANConfig` fields that replace those of ``config``.

    Returns
    -------
    GANResult
        ``model`` is a :class:`MixtureGenerator` (``z_dim`` is the components'
        plus one), ``discriminator`` a :class:`MixtureDiscriminator`; the
        history also logs ``g_weights`` and ``d_weights`` (lists of ``K`` floats).
    """
    cfg = _resolve_config(config, overrides)
    if cfg.method != "gan" or cfg.pack_size != 1:
        raise ValueError(
            f"train_mixgan needs method='gan' and pack_size=1, got {cfg.method!r} "
            f"and {cfg.pack_size}"
        )
    n_generators = check_int(n_generators, "n_generators", minimum=1)
    n_discriminators = check_int(n_discriminators, "n_discriminators", minimum=1)
    lam = check_float(entropy_weight, "entropy_weight", low=0.0)
    x_train, snapshot_every, snapshot_n, log_every = _check_loop_args(
        x_train, snapshot_every, snapshot_n, log_every
    )
    torch.manual_seed(seed_int(seed))
    d, device = x_train.shape[1], x_train.device
    gens = [
        generator(cfg.z_dim, d, cfg.g_width, cfg.depth, cfg.g_out_activation)
        for _ in range(n_generators)
    ]
    discs = [
        discriminator(d, 1, cfg.d_width, cfg.depth) for _ in range(n_discriminators)
    ]
    G, D = MixtureGenerator(gens).to(device), MixtureDiscriminator(discs).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr, betas=cfg.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr, betas=cfg.betas)
    opts = (opt_g, opt_d) if cfg.lr_decay else ()
    schedulers = [
        torch.optim.lr_scheduler.CosineAnnealingLR(o, cfg.steps) for o in opts
    ]
    fixed_z = G.noise(snapshot_n)
    n = cfg.batch_size
    history: dict[str, list] = {
        "step": [],
        "d_loss": [],
        "g_loss": [],
        "g_weights": [],
        "d_weights": [],
    }
    snapshots: list = []
    start = time.perf_counter()
    for step in progress_range(cfg.steps, progress=progress, desc="training MIX+GAN"):
        for _ in range(cfg.n_critic):
            real = x_train[torch.randint(len(x_train), (n,)).to(device)]
            d_loss = mix_d_step(D, G, real, cfg, opt_d, lam)
        g_loss = mix_g_step(D, G, cfg, opt_g, n, lam)
        for sched in schedulers:
            sched.step()
        if step % log_every == 0 or step == cfg.steps - 1:
            history["step"].append(step + 1)
            history["d_loss"].append(d_loss)
            history["g_loss"].append(g_loss)
            history["g_weights"].append(G.weights.detach().tolist())
            history["d_weights"].append(D.weights.detach().tolist())
        if snapshot_every and (
            (step + 1) % snapshot_every == 0 or step == cfg.steps - 1
        ):
            with torch.no_grad():
                snapshots.append((step + 1, G(fixed_z).cpu()))
    G.eval()
    D.eval()
    return GANResult(
        model=G,
        history=history,
        seconds=time.perf_counter() - start,
        discriminator=D,
        snapshots=snapshots,
    )
