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

A training run is described by a :class:`GANConfig`. :func:`train_gan` is a
plain loop over two step functions, :func:`d_step` (``n_critic`` per generator
step) and :func:`g_step`, with an optional cosine learning-rate decay; it
returns a :class:`GANResult` whose generator follows the book's sampling
protocol (``sample(n, seed=None)``). :data:`RECIPES` names the settings that
chapter 3 and ``benchmarks/mode_coverage.py`` share. :func:`train_critic` and
:func:`critic_gap` train and read a critic between two fixed samples (chapters
3 and 4). Mixtures of generators and discriminators (MIX+GAN, chapter 5) live
in :mod:`gentheory_utils.mixgan`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.functional import softplus

from ._validate import Seed, check_float, check_int, check_seed, check_tensor, seed_int
from .nets import ACTIVATIONS, mlp
from .progress import progress_range
from .runs import TrainResult

__all__ = [
    "METHODS",
    "GANConfig",
    "RECIPES",
    "BEST_RECIPE",
    "Generator",
    "generator",
    "discriminator",
    "pack",
    "d_loss_logistic",
    "g_loss_nonsaturating",
    "d_loss_wasserstein",
    "g_loss_wasserstein",
    "gradient_penalty",
    "r1_penalty",
    "d_step",
    "g_step",
    "GANResult",
    "train_gan",
    "train_critic",
    "critic_gap",
]

#: Training methods understood by :class:`GANConfig`.
METHODS = ("gan", "wgan-gp")


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class GANConfig:
    """The settings of one GAN training run (networks, losses, optimiser).

    Taught in Chapter 3, *GANs and mode collapse*.

    Every field is checked when the config is built, so a typo fails at once
    with a message that names the field. The config is frozen: derive a
    variant with ``dataclasses.replace(cfg, steps=500)`` (checked too).

    Parameters
    ----------
    method : {"gan", "wgan-gp"}
        ``"gan"``: logistic discriminator loss and non-saturating generator
        loss (plus ``r1 * R1 / 2`` when ``r1 > 0``). ``"wgan-gp"``: Wasserstein
        critic with ``gp_weight`` times the gradient penalty.
    steps : int
        Generator updates.
    batch_size : int
        Discriminator inputs per step; each input packs ``pack_size`` samples.
    pack_size : int
        PacGAN's ``m`` (1: no packing).
    z_dim : int
        Noise dimension.
    g_width, d_width, depth : int
        Hidden width of the generator and of the discriminator, and their
        number of hidden layers.
    lr : float
        Adam learning rate of both networks (> 0).
    betas : tuple of float
        Adam's ``(beta1, beta2)``, each in ``[0, 1)``.
    r1, gp_weight : float
        Penalty weights (>= 0), see ``method``.
    n_critic : int
        Discriminator steps per generator step.
    lr_decay : bool
        Cosine decay of both learning rates to 0 over ``steps``.
    g_out_activation : str or None
        Activation on the generator's output (``"tanh"`` for data in
        ``[-1, 1]``), one of :data:`gentheory_utils.nets.ACTIVATIONS`.
    """

    method: str = "gan"
    steps: int = 5000
    batch_size: int = 256
    pack_size: int = 1
    z_dim: int = 2
    g_width: int = 256
    d_width: int = 256
    depth: int = 3
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.9)
    r1: float = 0.0
    gp_weight: float = 0.1
    n_critic: int = 1
    lr_decay: bool = True
    g_out_activation: str | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        ints = ("steps", "batch_size", "pack_size", "z_dim", "g_width", "d_width")
        checked = {
            name: check_int(getattr(self, name), name, minimum=1)
            for name in (*ints, "depth", "n_critic")
        }
        checked["lr"] = check_float(self.lr, "lr", low=0.0, low_inclusive=False)
        checked["r1"] = check_float(self.r1, "r1", low=0.0)
        checked["gp_weight"] = check_float(self.gp_weight, "gp_weight", low=0.0)
        checked["betas"] = _check_betas(self.betas)
        if not isinstance(self.lr_decay, bool):
            raise TypeError(
                f"lr_decay must be a bool, got {type(self.lr_decay).__name__}"
            )
        act = self.g_out_activation
        if act is not None and not isinstance(act, str):
            raise TypeError(
                f"g_out_activation must be a str or None, got {type(act).__name__}"
            )
        if act is not None and act not in ACTIVATIONS:
            raise ValueError(
                f"g_out_activation must be None or one of {sorted(ACTIVATIONS)}, "
                f"got {act!r}"
            )
        for name, value in checked.items():
            object.__setattr__(self, name, value)


def _check_betas(betas) -> tuple[float, float]:
    """Adam's ``(beta1, beta2)`` as a tuple of floats, each in ``[0, 1)``."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair of floats, got {betas!r}")
    return tuple(
        check_float(b, f"betas[{i}]", 0.0, 1.0, high_inclusive=False)
        for i, b in enumerate(betas)
    )


def _resolve_config(config: GANConfig | None, overrides: dict) -> GANConfig:
    """``config`` (default ``GANConfig()``) with ``overrides`` applied and checked."""
    if config is None:
        config = GANConfig()
    elif not isinstance(config, GANConfig):
        raise TypeError(
            f"config must be a GANConfig or None, got {type(config).__name__}"
        )
    names = {f.name for f in dataclasses.fields(GANConfig)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise TypeError(
            f"unknown keyword argument(s) {unknown}: overrides must be GANConfig "
            f"fields ({', '.join(sorted(names))})"
        )
    return dataclasses.replace(config, **overrides)


_COMMON = dict(
    batch_size=256,
    z_dim=2,
    g_width=128,
    d_width=128,
    depth=3,
    lr=1e-3,
    betas=(0.5, 0.9),
)

#: The named recipes of chapter 3 and ``benchmarks/mode_coverage.py``.
RECIPES: dict[str, GANConfig] = {
    "GAN (constant lr)": GANConfig(
        method="gan", steps=8000, r1=0.0, lr_decay=False, **_COMMON
    ),
    "GAN + R1 + lr decay": GANConfig(
        method="gan", steps=8000, r1=0.1, lr_decay=True, **_COMMON
    ),
    "PacGAN2 + R1 + lr decay": GANConfig(
        method="gan", steps=8000, r1=0.1, lr_decay=True, pack_size=2, **_COMMON
    ),
    "WGAN-GP + lr decay": GANConfig(
        method="wgan-gp",
        steps=4000,
        gp_weight=1.0,
        n_critic=2,
        lr_decay=True,
        **_COMMON,
    ),
}

#: The recipe the benchmark singles out (and sweeps the discriminator width of).
BEST_RECIPE = "GAN + R1 + lr decay"


# --------------------------------------------------------------------------- networks


def _device(module: nn.Module) -> torch.device:
    """The device of ``module``'s first parameter (the CPU when it has none)."""
    return next(module.parameters(), torch.empty(0)).device


def _noise(
    module: nn.Module, n: int, generator: torch.Generator | None
) -> torch.Tensor:
    """``N(0, I)`` noise ``(n, module.z_dim)``, drawn on the CPU, on its device."""
    return torch.randn(n, module.z_dim, generator=generator).to(_device(module))


class Generator(nn.Module):
    """A generator ``G: R^z_dim -> R^d`` that follows the sampling protocol.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    net : torch.nn.Module
        Maps noise of shape ``(n, z_dim)`` to samples of shape ``(n, d)``.
    z_dim : int
        Noise dimension.

    Attributes
    ----------
    net : torch.nn.Module
    z_dim : int
    """

    def __init__(self, net: nn.Module, z_dim: int) -> None:
        super().__init__()
        if not isinstance(net, nn.Module):
            raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
        self.net = net
        self.z_dim = check_int(z_dim, "z_dim", minimum=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``net(z)``: shape ``(n, z_dim)`` in, ``(n, d)`` out."""
        return self.net(z)

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Standard normal noise, shape ``(n, z_dim)``, on the module's device.

        Drawn on the CPU from ``generator`` (torch's global generator when
        ``None``), so a seed gives the same noise on every device.
        """
        return _noise(self, check_int(n, "n", minimum=1), generator)

    def sample(self, n: int, seed: Seed = None) -> torch.Tensor:
        """``G(z)`` at ``n`` noise draws, shape ``(n, d)``, without gradients.

        The sampling protocol of the book: ``seed`` is ``None``, an ``int`` or
        a ``torch.Generator`` (see ``gentheory_utils._validate.check_seed``).
        """
        z = self.noise(n, check_seed(seed))
        with torch.no_grad():
            return self(z)


def generator(
    z_dim: int = 2,
    data_dim: int = 2,
    width: int = 256,
    depth: int = 3,
    out_activation: str | None = None,
) -> Generator:
    """An MLP generator ``R^z_dim -> R^data_dim``, ``depth`` ReLU layers of ``width``.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    z_dim, data_dim : int
        Noise and data dimensions.
    width, depth : int
        Hidden width and number of hidden layers.
    out_activation : str or None
        Activation on the output (e.g. ``"tanh"`` for data scaled to ``[-1, 1]``).

    Returns
    -------
    Generator
        Maps ``(n, z_dim)`` to ``(n, data_dim)``; ``.sample(n, seed)`` draws samples.
    """
    z_dim = check_int(z_dim, "z_dim", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    width = check_int(width, "width", minimum=1)
    net = mlp(
        z_dim,
        data_dim,
        (width,) * depth,
        activation="relu",
        out_activation=out_activation,
    )
    return Generator(net, z_dim)


def discriminator(
    data_dim: int = 2, pack_size: int = 1, width: int = 256, depth: int = 3
) -> nn.Sequential:
    """An MLP discriminator on ``pack_size`` concatenated samples, one logit out.

    Taught in Chapter 3, *GANs and mode collapse*.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(n, data_dim * pack_size)`` to ``(n, 1)``, with LeakyReLU(0.2)
        after each of the ``depth`` hidden layers of ``width``.
    """
    depth = check_int(depth, "depth", minimum=1)
    pack_size = check_int(pack_size, "pack_size", minimum=1)
    width = check_int(width, "width", minimum=1)
    return mlp(data_dim * pack_size, 1, (width,) * depth, activation="leaky_relu")


def pack(x: torch.Tensor, pack_size: int) -> torch.Tensor:
    """Group consecutive rows: ``(n, d) -> (n // pack_size, d * pack_size)`` (PacGAN).

    Taught in Chapter 3, *GANs and mode collapse*.

    ``n`` must be a multiple of ``pack_size``.
    """
    pack_size = check_int(pack_size, "pack_size", minimum=1)
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        shape = tuple(getattr(x, "shape", ()))
        raise ValueError(f"x must be a 2-D tensor, got {type(x).__name__} {shape}")
    if x.shape[0] % pack_size:
        raise ValueError(
            f"the number of rows ({x.shape[0]}) must be a multiple of pack_size "
            f"({pack_size})"
        )
    return x.reshape(x.shape[0] // pack_size, x.shape[1] * pack_size)


# --------------------------------------------------------------------------- losses


def d_loss_logistic(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    """Discriminator loss ``-E log D(x) - E log(1 - D(G(z)))``, ``D = sigmoid(logit)``.

    Taught in Chapter 3, *GANs and mode collapse*.

    ``-log sigmoid(t) = softplus(-t)`` and ``-log(1 - sigmoid(t)) = softplus(t)``
    keep it numerically stable. Minimising it maximises the GAN value function.
    The logits have shapes ``(n, 1)`` and ``(m, 1)``; the loss is a scalar tensor.
    """
    return softplus(-real_logits).mean() + softplus(fake_logits).mean()


def g_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss ``-E log D(G(z))`` (strong gradients when D wins).

    Taught in Chapter 3, *GANs and mode collapse*.

    ``fake_logits`` has shape ``(m, 1)``; the loss is a scalar tensor.
    """
    return softplus(-fake_logits).mean()


def d_loss_wasserstein(
    real_scores: torch.Tensor, fake_scores: torch.Tensor
) -> torch.Tensor:
    """Critic loss ``E f(G(z)) - E f(x)``; minimising it raises ``E f(x) - E f(G(z))``.

    Taught in Chapter 3, *GANs and mode collapse*.

    Scores of shapes ``(n, 1)`` and ``(m, 1)`` in, a scalar tensor out.
    """
    return fake_scores.mean() - real_scores.mean()


def g_loss_wasserstein(fake_scores: torch.Tensor) -> torch.Tensor:
    """Generator loss ``-E f(G(z))``.

    Taught in Chapter 3, *GANs and mode collapse*.

    Scores of shape ``(m, 1)`` in, a scalar tensor out.
    """
    return -fake_scores.mean()


def gradient_penalty(
    critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, one_sided: bool = False
) -> torch.Tensor:
    """Gradient penalty at random points ``x_hat`` between real and fake samples.

    Taught in Chapter 3, *GANs and mode collapse*.

    Two-sided (WGAN-GP, Gulrajani et al., 2017): ``E (||grad f(x_hat)|| - 1)^2``.
    One-sided (Petzka et al., 2018): ``E max(0, ||grad f(x_hat)|| - 1)^2``, which
    only punishes slopes above 1, as the Lipschitz constraint itself does.
    ``real`` and ``fake`` have the same shape ``(n, d)``; the mixing weights
    come from torch's global generator.
    """
    if real.shape != fake.shape:
        raise ValueError(
            f"real and fake must have the same shape, got {tuple(real.shape)} and "
            f"{tuple(fake.shape)}"
        )
    if not isinstance(one_sided, bool):
        raise TypeError(f"one_sided must be a bool, got {type(one_sided).__name__}")
    t = torch.rand(real.shape[0], 1, device=real.device)
    x_hat = (t * real + (1 - t) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    excess = grad.norm(dim=1) - 1
    return (excess.clamp(min=0) if one_sided else excess).pow(2).mean()


def r1_penalty(disc: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """R1 penalty ``E ||grad D(x)||^2`` on real data.

    Taught in Chapter 3, *GANs and mode collapse*.

    ``real`` of shape ``(n, d)`` in (left untouched), a scalar tensor out that
    backpropagates to ``disc``'s parameters.
    """
    real = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(disc(real).sum(), real, create_graph=True)
    return grad.pow(2).sum(dim=1).mean()


# ------------------------------------------------------------------- one step each


def d_step(
    D: nn.Module,
    G: Generator,
    real: torch.Tensor,
    cfg: GANConfig,
    opt_d: torch.optim.Optimizer,
) -> float:
    """One discriminator (critic) update on a batch of real samples.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    D, G : torch.nn.Module, Generator
        Discriminator on packed inputs ``(n / pack_size, d * pack_size)``, and
        generator. As many fakes as real rows are drawn with torch's global
        generator; both are packed before ``D`` sees them.
    real : torch.Tensor
        Shape ``(n, d)``, ``n`` a multiple of ``cfg.pack_size``.
    cfg : GANConfig
        ``method``, ``pack_size``, ``r1`` and ``gp_weight`` are used.
    opt_d : torch.optim.Optimizer
        The discriminator's optimiser.

    Returns
    -------
    float
        The loss before the update.
    """
    with torch.no_grad():
        fake = G(G.noise(len(real)))
    real, fake = pack(real, cfg.pack_size), pack(fake, cfg.pack_size)
    if cfg.method == "gan":
        loss = d_loss_logistic(D(real), D(fake))
        if cfg.r1 > 0:
            loss = loss + 0.5 * cfg.r1 * r1_penalty(D, real)
    else:
        loss = d_loss_wasserstein(D(real), D(fake))
        loss = loss + cfg.gp_weight * gradient_penalty(D, real, fake)
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return loss.item()


def g_step(
    D: nn.Module, G: Generator, cfg: GANConfig, opt_g: torch.optim.Optimizer, n: int
) -> float:
    """One generator update on ``n`` fresh samples.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    D, G, cfg
        As in :func:`d_step`: the non-saturating loss for ``method="gan"``,
        ``-E f(G(z))`` for WGAN-GP.
    opt_g : torch.optim.Optimizer
        The generator's optimiser.
    n : int
        Samples ``G(z)``, shape ``(n, d)``, a multiple of ``cfg.pack_size``;
        the noise comes from torch's global generator.

    Returns
    -------
    float
        The loss before the update.
    """
    scores = D(pack(G(G.noise(n)), cfg.pack_size))
    if cfg.method == "gan":
        loss = g_loss_nonsaturating(scores)
    else:
        loss = g_loss_wasserstein(scores)
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    return loss.item()


# ------------------------------------------------------------------- training loop


@dataclass
class GANResult(TrainResult):
    """What :func:`train_gan` (and :func:`gentheory_utils.mixgan.train_mixgan`) return.

    Taught in Chapter 3, *GANs and mode collapse*.

    Attributes
    ----------
    model : Generator
        The trained generator, in eval mode; ``result.sample(n, seed)`` gives
        ``(n, d)`` samples.
    history : dict
        ``step``, ``d_loss`` and ``g_loss`` per logged step.
    seconds : float
        Wall-clock training time.
    discriminator : torch.nn.Module
        The trained discriminator (critic), in eval mode.
    snapshots : list of (int, torch.Tensor)
        ``(step, samples)`` at one fixed noise batch, samples of shape
        ``(snapshot_n, d)`` on the CPU, every ``snapshot_every`` steps.
    """

    discriminator: nn.Module | None = None
    snapshots: list = field(default_factory=list)

    @property
    def generator(self) -> nn.Module:
        """The trained generator (the same object as ``model``)."""
        return self.model

    @property
    def z_dim(self) -> int:
        """Width of the generator's noise input."""
        return self.model.z_dim


def _check_loop_args(x_train, snapshot_every, snapshot_n, log_every) -> tuple:
    """Shared argument checks of :func:`train_gan` and ``train_mixgan``."""
    # The networks are built in torch's default dtype (float32 unless a caller set
    # float64, as chapter 3 does to compare two loops exactly), so the data follows.
    x_train = check_tensor(x_train, "x_train").to(torch.get_default_dtype())
    if snapshot_every is not None:
        snapshot_every = check_int(snapshot_every, "snapshot_every", minimum=1)
    snapshot_n = check_int(snapshot_n, "snapshot_n", minimum=1)
    log_every = check_int(log_every, "log_every", minimum=1)
    return x_train, snapshot_every, snapshot_n, log_every


def train_gan(
    x_train: torch.Tensor,
    config: GANConfig | None = None,
    *,
    seed: Seed = None,
    snapshot_every: int | None = None,
    snapshot_n: int = 1000,
    log_every: int = 50,
    progress: bool = True,
    **overrides,
) -> GANResult:
    """Train a GAN on the rows of ``x_train`` by alternating Adam steps.

    Taught in Chapter 3, *GANs and mode collapse*.

    Each step draws ``n_critic`` real batches (with replacement) for
    :func:`d_step`, then makes one :func:`g_step`.

    Parameters
    ----------
    x_train : torch.Tensor
        Shape ``(n, d)``, finite; converted to torch's default dtype (float32
        unless set otherwise), in which the networks are built. Training runs on
        its device.
    config : GANConfig, optional
        The run's settings (default ``GANConfig()``); see also :data:`RECIPES`.
    seed : int, torch.Generator or None
        Seeds torch's global generator (initialisation, batches, noise), so an
        ``int`` makes the run reproducible.
    snapshot_every : int or None
        Record samples at fixed noise every this many steps (and at the end).
    snapshot_n : int
        Number of samples per snapshot.
    log_every : int
        Record the losses every this many steps (and at the first and last).
    progress : bool
        Show a progress bar.
    **overrides
        :class:`GANConfig` fields that replace those of ``config``, as in
        ``train_gan(x, steps=500, r1=0.1)``.

    Returns
    -------
    GANResult
    """
    cfg = _resolve_config(config, overrides)
    x_train, snapshot_every, snapshot_n, log_every = _check_loop_args(
        x_train, snapshot_every, snapshot_n, log_every
    )
    torch.manual_seed(seed_int(seed))
    d, device = x_train.shape[1], x_train.device
    G = generator(cfg.z_dim, d, cfg.g_width, cfg.depth, cfg.g_out_activation).to(device)
    D = discriminator(d, cfg.pack_size, cfg.d_width, cfg.depth).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr, betas=cfg.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr, betas=cfg.betas)
    opts = (opt_g, opt_d) if cfg.lr_decay else ()
    schedulers = [
        torch.optim.lr_scheduler.CosineAnnealingLR(o, cfg.steps) for o in opts
    ]
    fixed_z = G.noise(snapshot_n)
    n = cfg.batch_size * cfg.pack_size
    history: dict[str, list] = {"step": [], "d_loss": [], "g_loss": []}
    snapshots: list = []
    start = time.perf_counter()
    for step in progress_range(
        cfg.steps, progress=progress, desc=f"training {cfg.method}"
    ):
        for _ in range(cfg.n_critic):
            real = x_train[torch.randint(len(x_train), (n,)).to(device)]
            d_loss = d_step(D, G, real, cfg, opt_d)
        g_loss = g_step(D, G, cfg, opt_g, n)
        for sched in schedulers:
            sched.step()
        if step % log_every == 0 or step == cfg.steps - 1:
            history["step"].append(step + 1)
            history["d_loss"].append(d_loss)
            history["g_loss"].append(g_loss)
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


# --------------------------------------------------------------------------- critics


def _critic_inputs(critic, real, fake) -> tuple[torch.Tensor, torch.Tensor]:
    """Check ``real`` and ``fake`` and move them to the critic's device and dtype."""
    if not isinstance(critic, nn.Module):
        raise TypeError(
            f"critic must be a torch.nn.Module, got {type(critic).__name__}"
        )
    real = check_tensor(real, "real")
    fake = check_tensor(fake, "fake")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake must have the same number of columns, got {real.shape[1]} "
            f"and {fake.shape[1]}"
        )
    param = next(critic.parameters(), None)
    if param is None:
        raise ValueError("critic has no parameters")
    return real.to(param.device, param.dtype), fake.to(param.device, param.dtype)


def train_critic(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    steps: int = 300,
    lr: float = 1e-2,
    batch_size: int | None = None,
    gp_weight: float = 0.0,
    one_sided: bool = False,
    betas: tuple[float, float] = (0.9, 0.999),
    seed: Seed = None,
    progress: bool = False,
) -> nn.Module:
    """Train ``critic`` to maximise ``E critic(real) - E critic(fake)`` with Adam.

    Taught in Chapter 3, *GANs and mode collapse*.

    With ``gp_weight > 0`` the loss adds ``gp_weight`` times the
    :func:`gradient_penalty` (``one_sided`` picks its form). Chapter 4 uses it
    unpenalised on full batches to estimate a neural-net distance.

    Parameters
    ----------
    critic : torch.nn.Module
        Maps ``(n, d)`` to scores of shape ``(n, 1)`` or ``(n,)``; trained in
        place (its parameters' device and dtype are used for the data).
    real, fake : torch.Tensor
        The two fixed samples, shapes ``(n_real, d)`` and ``(n_fake, d)``, finite.
    steps : int
        Adam updates.
    lr : float
        Learning rate (> 0).
    batch_size : int or None
        ``None``: every step uses both whole samples. Otherwise each step
        draws ``batch_size`` rows with replacement from each, independently.
    gp_weight : float
        Weight of the gradient penalty (>= 0). With full batches it needs
        ``n_real == n_fake``.
    one_sided : bool
        One-sided gradient penalty (see :func:`gradient_penalty`).
    betas : tuple of float
        Adam's ``(beta1, beta2)``.
    seed : int, torch.Generator or None
        Seeds torch's global generator (batches, penalty interpolates).
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.nn.Module
        ``critic`` itself, trained.
    """
    real, fake = _critic_inputs(critic, real, fake)
    steps = check_int(steps, "steps", minimum=0)
    lr = check_float(lr, "lr", low=0.0, low_inclusive=False)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=1)
    gp_weight = check_float(gp_weight, "gp_weight", low=0.0)
    if not isinstance(one_sided, bool):
        raise TypeError(f"one_sided must be a bool, got {type(one_sided).__name__}")
    betas = _check_betas(betas)
    if gp_weight > 0 and batch_size is None and len(real) != len(fake):
        raise ValueError(
            "gp_weight > 0 on full batches needs real and fake of the same size, got "
            f"{len(real)} and {len(fake)}: pass batch_size"
        )
    torch.manual_seed(seed_int(seed))
    opt = torch.optim.Adam(critic.parameters(), lr=lr, betas=betas)
    r, f = real, fake
    for _ in progress_range(steps, progress=progress, desc="training critic"):
        if batch_size is not None:
            r = real[torch.randint(len(real), (batch_size,)).to(real.device)]
            f = fake[torch.randint(len(fake), (batch_size,)).to(fake.device)]
        loss = d_loss_wasserstein(critic(r), critic(f))
        if gp_weight > 0:
            loss = loss + gp_weight * gradient_penalty(
                critic, r, f, one_sided=one_sided
            )
        opt.zero_grad()
        loss.backward()
        opt.step()
    return critic


def critic_gap(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> float:
    """``E critic(real) - E critic(fake)``, without gradients.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    critic : torch.nn.Module
        Maps ``(n, d)`` to scores of shape ``(n, 1)`` or ``(n,)``.
    real, fake : torch.Tensor
        Shapes ``(n_real, d)`` and ``(n_fake, d)``, finite.

    Returns
    -------
    float
        The gap in score units (signed).
    """
    real, fake = _critic_inputs(critic, real, fake)
    with torch.no_grad():
        return (critic(real).mean() - critic(fake).mean()).item()
