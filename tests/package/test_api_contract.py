"""One contract for the whole public API, checked in one place.

Like scikit-learn's common tests, this module walks the public API instead of
repeating the same argument checks in every module's tests. ``CASES`` gives
each public callable that takes a seed, a sample size ``n``, ``(n, d)`` arrays
or probability vectors a minimal valid call; the tests then check, for every
case that has the argument:

* ``seed``: ``-1``, ``1.5``, ``"a"``, ``True`` and ``2**64`` are rejected with
  an error that names ``seed``; ``None``, an ``int``, a NumPy integer and a
  ``torch.Generator`` are accepted (the book's seed convention);
* ``n``: one below the minimum raises ``ValueError``, a non-integer
  ``TypeError``, both naming ``n``; NumPy integers are accepted;
* every ``(n, d)`` array argument: NaN, inf or -inf raise ``ValueError``
  ("... contains NaN or inf"), 0-D, 1-D or 3-D input raises ``ValueError``, and
  a list, a string, ``None`` (unless it is the default) or a complex array
  raises ``TypeError``, all naming the argument;
* every probability vector: negative, non-finite, not summing to 1, of the
  wrong length or shape, or non-numeric is rejected naming the argument; lists,
  NumPy arrays and float32 softmax outputs are accepted;
* every sampler (``n`` and ``seed``): the sampling protocol, a float tensor of
  shape ``(n, d)``, reproducible for an ``int`` seed (which means the same as a
  fresh ``torch.Generator`` seeded with it), advancing a ``Generator`` it is
  given, leaving torch's global generator alone, and following it for
  ``seed=None``.

``test_every_generic_argument_is_checked`` fails when a public callable gains
such an argument without a row here (or a reason in ``NOT_CHECKED``), so the
contract keeps up with the API. Behaviour specific to one function (exact
values, edge cases, its own arguments) stays in that module's test file.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import gentheory_utils  # noqa: E402
from gentheory_utils import (  # noqa: E402
    birthday,
    data,
    diffusion,
    distances,
    flows,
    games,
    gan,
    manifold,
    metrics,
    mixgan,
    ode,
    plotting,
    progress,
    runs,
    seeding,
    vae,
)

#: Every public module, found as tests/book/test_api_docs.py finds them.
MODULES: list[ModuleType] = [
    importlib.import_module(f"gentheory_utils.{info.name}")
    for info in pkgutil.iter_modules(gentheory_utils.__path__)
    if not info.name.startswith("_")
]

#: Parameter names that hold ``(n, d)`` arrays, and probability vectors.
ARRAY_NAMES = frozenset(
    {"A", "x", "y", "z", "samples", "reference", "images", "mu", "logvar"}
    | {"centers", "real", "fake", "x_train", "x_test"}
)
PROB_NAMES = frozenset({"weights", "p", "q"})
GENERIC_NAMES = ARRAY_NAMES | PROB_NAMES | {"seed", "n"}

#: Generic-looking arguments that the contract deliberately does not check.
NOT_CHECKED: dict[tuple[str, str], str] = {
    ("data.DigitsSplit", "x_train"): "a plain container that digits() fills",
    ("data.DigitsSplit", "x_test"): "a plain container that digits() fills",
    ("vae.VAE.decode", "z"): "inner building block of elbo() and sample()",
    ("vae.VAE.mean", "z"): "inner building block of elbo() and sample()",
    ("vae.VAE.log_likelihood", "x"): "inner building block of elbo()",
    ("gan.Generator.forward", "z"): "an nn.Module forward pass",
    ("diffusion.ScoreNet.forward", "x"): "an nn.Module forward pass",
    ("flows.CouplingFlow.forward", "z"): "an nn.Module forward pass",
    ("flows.CouplingFlow.inverse", "x"): "the inverse pass of forward",
    ("flows.VelocityNet.forward", "x"): "an nn.Module forward pass",
    ("mixgan.MixtureGenerator.forward", "z"): "an nn.Module forward pass",
    ("mixgan.MixtureDiscriminator.forward", "x"): "an nn.Module forward pass",
    ("gan.gradient_penalty", "real"): "a penalty inside one training step",
    ("gan.gradient_penalty", "fake"): "a penalty inside one training step",
    ("gan.r1_penalty", "real"): "a penalty inside one training step",
    ("gan.d_step", "real"): "one step of train_gan, which checks x_train",
    ("gan.g_step", "n"): "one step of train_gan, which checks its arguments",
    ("mixgan.mix_d_step", "real"): "one step of train_mixgan, which checks x_train",
    ("mixgan.mix_g_step", "n"): "one step of train_mixgan, which checks its arguments",
    ("mixgan.entropy", "weights"): "softmax output; a check would cut the gradient",
    ("generalization.sample_complexity", "p"): "a parameter count, not probabilities",
    ("gan.pack", "x:nan"): "a reshape: NaN passes through unchanged",
    ("gan.pack", "x:type"): "raises ValueError for a non-tensor",
    ("games.pure_maxmin", "A:type"): "payoffs may be nested lists",
    ("games.pure_minmax", "A:type"): "payoffs may be nested lists",
    ("games.solve_zero_sum", "A:type"): "payoffs may be nested lists",
    ("games.exploitability", "A:type"): "payoffs may be nested lists",
}

#: The two seeding functions take the integer that seeds everything else.
INT_SEED_ONLY = frozenset({"seeding.setup", "seeding.seed_everything"})


# --------------------------------------------------------------------------- table


def _points(n: int = 12, d: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


def _tensor(n: int = 8, d: int = 2, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(_points(n, d, seed)).float()


def _vae() -> vae.VAE:
    return vae.VAE(4, 2, hidden=(8,))


def _generator() -> gan.Generator:
    return gan.generator(z_dim=2, data_dim=2, width=8, depth=1)


def _mixture_generator() -> mixgan.MixtureGenerator:
    return mixgan.MixtureGenerator([_generator(), _generator()])


def _critic() -> torch.nn.Module:
    return gan.discriminator(data_dim=2, width=8, depth=1)


_SMALL_GAN = dict(
    steps=1, batch_size=4, g_width=8, d_width=8, depth=1, snapshot_n=4, progress=False
)
_SMALL_SCORE = dict(steps=1, hidden=(8,), batch_size=4, progress=False)


def _score_net() -> diffusion.ScoreNet:
    return diffusion.ScoreNet(2, hidden=(8,), sigmas=[1.0, 0.1, 0.0])


def _coupling() -> flows.CouplingFlow:
    return flows.CouplingFlow(2, n_layers=2, hidden=(4,))


def _linear_field(x, t):
    return -x


def _ring_score(x, sigma):
    return diffusion.mixture_score(x, sigma, data.ring())


_RPS = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
_THIRDS = [0.2, 0.3, 0.5]


@dataclass(frozen=True)
class Case:
    """A minimal valid call: ``func()(**kwargs())``.

    Both are built lazily (fresh objects per test). ``dim`` is the width ``d``
    of a sampler's output; ``n_min`` the smallest valid ``n``.
    """

    func: Callable[[], Callable]
    kwargs: Callable[[], dict]
    dim: int | None = None
    n_min: int = 1


CASES: dict[str, Case] = {
    # data
    "data.Mixture": Case(
        lambda: data.Mixture,
        lambda: dict(centers=_points(3), std=0.1, weights=_THIRDS),
    ),
    "data.Mixture.log_prob": Case(
        lambda: data.ring().log_prob, lambda: dict(x=_points())
    ),
    "data.Mixture.sample": Case(lambda: data.ring().sample, lambda: dict(n=5), dim=2),
    "data.Mixture.sample_with_modes": Case(
        lambda: data.grid().sample_with_modes, lambda: dict(n=5), dim=2
    ),
    "data.random_rotation": Case(lambda: data.random_rotation, lambda: dict(dim=3)),
    "data.helix": Case(lambda: data.helix, lambda: dict(n=5), dim=3),
    "data.swiss_roll": Case(lambda: data.swiss_roll, lambda: dict(n=5), dim=3),
    "data.sphere": Case(lambda: data.sphere, lambda: dict(n=5), dim=10),
    "data.digits": Case(lambda: data.digits, dict),
    "data.KnownSupport": Case(
        lambda: data.KnownSupport,
        lambda: dict(n_templates=3, dim=2, weights=_THIRDS, seed=0),
    ),
    "data.KnownSupport.sample": Case(
        lambda: data.KnownSupport(3, 4, noise=0.1, seed=0).sample,
        lambda: dict(n=5),
        dim=4,
    ),
    "data.KnownSupport.sample_with_index": Case(
        lambda: data.KnownSupport(3, 4, noise=0.1, seed=0).sample_with_index,
        lambda: dict(n=5),
        dim=4,
    ),
    # diffusion
    "diffusion.mixture_score": Case(
        lambda: diffusion.mixture_score,
        lambda: dict(
            x=_points(), sigma=0.5, centers=_points(3), std=0.1, weights=_THIRDS
        ),
    ),
    "diffusion.empirical_denoiser": Case(
        lambda: diffusion.empirical_denoiser,
        lambda: dict(x=_points(), sigma=0.5, train=_points(3)),
    ),
    "diffusion.sample_ode": Case(
        lambda: diffusion.sample_ode,
        lambda: dict(score=_ring_score, n=5, dim=2, sigmas=[2.0, 0.5, 0.0]),
        dim=2,
    ),
    "diffusion.sample_sde": Case(
        lambda: diffusion.sample_sde,
        lambda: dict(score=_ring_score, n=5, dim=2, sigmas=[2.0, 0.5, 0.0]),
        dim=2,
    ),
    "diffusion.ScoreSampler.sample": Case(
        lambda: diffusion.ScoreSampler(_ring_score, 2, [2.0, 0.5, 0.0]).sample,
        lambda: dict(n=5),
        dim=2,
    ),
    "diffusion.ScoreNet.score": Case(
        lambda: _score_net().score, lambda: dict(x=_points(), sigma=0.5)
    ),
    "diffusion.ScoreNet.sample": Case(
        lambda: _score_net().sample, lambda: dict(n=5), dim=2
    ),
    "diffusion.train_score_net": Case(
        lambda: diffusion.train_score_net,
        lambda: dict(x_train=_tensor(16), **_SMALL_SCORE),
    ),
    # flows
    "flows.CouplingFlow.log_prob": Case(
        lambda: _coupling().log_prob, lambda: dict(x=_points())
    ),
    "flows.CouplingFlow.sample": Case(
        lambda: _coupling().sample, lambda: dict(n=5), dim=2
    ),
    "flows.train_flow": Case(
        lambda: flows.train_flow,
        lambda: dict(
            x_train=_tensor(16), steps=1, hidden=(4,), n_layers=1, progress=False
        ),
    ),
    "flows.mixture_velocity": Case(
        lambda: flows.mixture_velocity,
        lambda: dict(x=_points(), t=0.5, mixture=data.ring()),
    ),
    "flows.empirical_velocity": Case(
        lambda: flows.empirical_velocity,
        lambda: dict(x=_points(), t=0.5, train=_points(3)),
    ),
    "flows.divergence": Case(
        lambda: flows.divergence,
        lambda: dict(velocity=_linear_field, x=_points(), t=0.5),
    ),
    "flows.hutchinson": Case(
        lambda: flows.hutchinson,
        lambda: dict(velocity=_linear_field, x=_points(), t=0.5, n_probes=2),
    ),
    "flows.sample_flow": Case(
        lambda: flows.sample_flow,
        lambda: dict(velocity=_linear_field, n=5, dim=2, steps=2),
        dim=2,
    ),
    "flows.log_prob_ode": Case(
        lambda: flows.log_prob_ode,
        lambda: dict(x=_points(), velocity=_linear_field, steps=2),
    ),
    "flows.VelocityNet.velocity": Case(
        lambda: flows.VelocityNet(2, hidden=(4,)).velocity,
        lambda: dict(x=_points(), t=0.5),
    ),
    "flows.VelocityNet.sample": Case(
        lambda: flows.VelocityNet(2, hidden=(4,)).sample, lambda: dict(n=5), dim=2
    ),
    "flows.train_velocity_net": Case(
        lambda: flows.train_velocity_net,
        lambda: dict(x_train=_tensor(16), steps=1, hidden=(4,), progress=False),
    ),
    # ode
    "ode.integrate": Case(
        lambda: ode.integrate,
        lambda: dict(velocity=lambda x, t: -x, x=_points(), times=[0.0, 0.5, 1.0]),
    ),
    # metrics
    "metrics.precision_recall": Case(
        lambda: metrics.precision_recall,
        lambda: dict(real=_points(12), fake=_points(12, seed=1), k=3),
    ),
    "metrics.coverage_by_steps": Case(
        lambda: metrics.coverage_by_steps,
        lambda: dict(
            model=flows.VelocityNet(2, hidden=(4,)),
            mixture=data.ring(),
            steps=[2],
            n_samples=5,
        ),
    ),
    "metrics.mode_coverage": Case(
        lambda: metrics.mode_coverage,
        lambda: dict(samples=_points(20), mixture=_points(8, seed=1), std=0.1),
    ),
    # vae
    "vae.gaussian_kl": Case(
        lambda: vae.gaussian_kl,
        lambda: dict(mu=torch.zeros(3, 2), logvar=torch.zeros(3, 2)),
    ),
    "vae.VAE.encode": Case(lambda: _vae().encode, lambda: dict(x=torch.rand(3, 4))),
    "vae.VAE.sample": Case(lambda: _vae().sample, lambda: dict(n=5), dim=4),
    "vae.elbo": Case(lambda: vae.elbo, lambda: dict(model=_vae(), x=torch.rand(3, 4))),
    "vae.train_vae": Case(
        lambda: vae.train_vae,
        lambda: dict(
            model=_vae(),
            x_train=torch.rand(8, 4),
            x_test=torch.rand(4, 4),
            epochs=1,
            batch_size=4,
            progress=False,
        ),
    ),
    "vae.iw_log_likelihood": Case(
        lambda: vae.iw_log_likelihood,
        lambda: dict(model=_vae(), x=torch.rand(3, 4), k=2),
    ),
    # birthday
    "birthday.closest_pairs": Case(
        lambda: birthday.closest_pairs, lambda: dict(x=_points(10, 3), k=2)
    ),
    "birthday.collision_probability": Case(
        lambda: birthday.collision_probability,
        lambda: dict(n_support=3, batch_size=2, weights=_THIRDS),
    ),
    "birthday.suggest_threshold": Case(
        lambda: birthday.suggest_threshold, lambda: dict(reference=_points(10, 3))
    ),
    "birthday.estimate_support": Case(
        lambda: birthday.estimate_support,
        lambda: dict(
            source=data.KnownSupport(5, 2, seed=0),
            threshold=0.1,
            batch_sizes=[3],
            trials=2,
        ),
    ),
    "birthday.pair_montage": Case(
        lambda: birthday.pair_montage,
        lambda: dict(
            images=_tensor(10, 4),
            i=torch.tensor([0, 1]),
            j=torch.tensor([2, 3]),
            image_shape=(2, 2),
            n=2,
        ),
    ),
    # games
    "games.pure_maxmin": Case(lambda: games.pure_maxmin, lambda: dict(A=_RPS.copy())),
    "games.pure_minmax": Case(lambda: games.pure_minmax, lambda: dict(A=_RPS.copy())),
    "games.solve_zero_sum": Case(
        lambda: games.solve_zero_sum, lambda: dict(A=_RPS.copy())
    ),
    "games.exploitability": Case(
        lambda: games.exploitability,
        lambda: dict(A=_RPS.copy(), p=[1 / 3] * 3, q=[1 / 3] * 3),
    ),
    # distances and manifold
    "distances.w1_empirical": Case(
        lambda: distances.w1_empirical,
        lambda: dict(x=_points(6), y=_points(6, seed=1)),
    ),
    "manifold.neighbor_distances": Case(
        lambda: manifold.neighbor_distances, lambda: dict(x=_points(20, 3), k=2)
    ),
    "manifold.pca_dimension": Case(
        lambda: manifold.pca_dimension, lambda: dict(x=_points(20, 3))
    ),
    "manifold.mle_dimension": Case(
        lambda: manifold.mle_dimension, lambda: dict(x=_points(20, 3), k=3)
    ),
    "manifold.twonn_dimension": Case(
        lambda: manifold.twonn_dimension, lambda: dict(x=_points(20, 3))
    ),
    # gan and mixgan
    "gan.Generator.noise": Case(lambda: _generator().noise, lambda: dict(n=5)),
    "gan.Generator.sample": Case(lambda: _generator().sample, lambda: dict(n=5), dim=2),
    "gan.pack": Case(lambda: gan.pack, lambda: dict(x=_tensor(4), pack_size=2)),
    "gan.GANResult.sample": Case(
        lambda: gan.GANResult(model=_generator()).sample, lambda: dict(n=5), dim=2
    ),
    "gan.train_gan": Case(
        lambda: gan.train_gan, lambda: dict(x_train=_tensor(16), **_SMALL_GAN)
    ),
    "gan.train_critic": Case(
        lambda: gan.train_critic,
        lambda: dict(critic=_critic(), real=_tensor(), fake=_tensor(seed=1), steps=1),
    ),
    "gan.critic_gap": Case(
        lambda: gan.critic_gap,
        lambda: dict(critic=_critic(), real=_tensor(), fake=_tensor(seed=1)),
    ),
    "mixgan.MixtureGenerator.component_samples": Case(
        lambda: _mixture_generator().component_samples, lambda: dict(n=5)
    ),
    "mixgan.MixtureGenerator.noise": Case(
        lambda: _mixture_generator().noise, lambda: dict(n=5)
    ),
    "mixgan.MixtureGenerator.sample": Case(
        lambda: _mixture_generator().sample, lambda: dict(n=5), dim=2
    ),
    "mixgan.train_mixgan": Case(
        lambda: mixgan.train_mixgan,
        lambda: dict(
            x_train=_tensor(16), n_generators=2, n_discriminators=1, **_SMALL_GAN
        ),
    ),
    # runs, seeding, plotting, progress
    "runs.TrainResult.sample": Case(
        lambda: runs.TrainResult(model=_generator()).sample, lambda: dict(n=5), dim=2
    ),
    "seeding.setup": Case(
        lambda: seeding.setup, lambda: dict(seed=0, style=False, quiet=True)
    ),
    "seeding.seed_everything": Case(lambda: seeding.seed_everything, dict),
    "plotting.palette_cmap": Case(lambda: plotting.palette_cmap, lambda: dict(n=3)),
    "progress.progress_range": Case(
        lambda: progress.progress_range, lambda: dict(n=3, progress=False), n_min=0
    ),
}


def build(name: str) -> tuple[Callable, dict]:
    """The callable of case ``name`` and fresh minimal keyword arguments."""
    case = CASES[name]
    return case.func(), case.kwargs()


def params(name: str) -> set[str]:
    func = CASES[name].func()
    return set(inspect.signature(func).parameters) - {"self"}


def _is_array(value) -> bool:
    return isinstance(value, (np.ndarray, torch.Tensor)) and value.ndim == 2


def _first(out):
    return out[0] if isinstance(out, tuple) else out


SEEDED = sorted(name for name in CASES if "seed" in params(name))
SIZED = sorted(name for name in CASES if "n" in CASES[name].kwargs())
SAMPLERS = sorted(name for name in SIZED if "seed" in params(name))
RANDOM_TENSORS = [*SAMPLERS, "data.random_rotation"]
ARRAY_ARGS = sorted(
    (name, arg)
    for name, case in CASES.items()
    for arg, value in case.kwargs().items()
    if _is_array(value)
)
PROB_ARGS = sorted(
    (name, arg)
    for name, case in CASES.items()
    for arg in case.kwargs()
    if arg in PROB_NAMES
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    """Undo what any call may change: RNGs, threads, determinism, hash seed, figures."""
    states = torch.get_rng_state(), np.random.get_state(), random.getstate()
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    monkeypatch.setenv("PYTHONHASHSEED", os.environ.get("PYTHONHASHSEED", "0"))
    with threadpool_limits(limits=None):  # restores the BLAS threads on exit
        yield
    torch.set_rng_state(states[0])
    np.random.set_state(states[1])
    random.setstate(states[2])
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
    plt.close("all")


# --------------------------------------------------------------------- completeness


def _public_callables():
    """``("module.name", callable)`` for every public function, class and method."""
    for module in MODULES:
        short = module.__name__.rsplit(".", 1)[1]
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield f"{short}.{name}", obj
            elif inspect.isclass(obj) and not getattr(obj, "_is_protocol", False):
                yield f"{short}.{name}", obj
                for attr, member in inspect.getmembers(obj, inspect.isfunction):
                    if not attr.startswith("_") and member.__module__.startswith(
                        "gentheory_utils"
                    ):
                        yield f"{short}.{name}.{attr}", member


def _generic_arguments():
    for name, obj in _public_callables():
        for arg in inspect.signature(obj).parameters:
            if arg in GENERIC_NAMES:
                yield name, arg


def test_every_module_declares_its_public_api():
    assert [m.__name__ for m in MODULES if not hasattr(m, "__all__")] == []


def test_every_generic_argument_is_checked():
    """A public seed, n, array or probability argument has a row or a reason."""
    missing = []
    for name, arg in _generic_arguments():
        if (name, arg) in NOT_CHECKED:
            continue
        covered = name in CASES and (arg == "seed" or arg in CASES[name].kwargs())
        if not covered:
            missing.append(f"{name}({arg})")
    assert not missing, f"add these to CASES or NOT_CHECKED: {missing}"


def test_not_checked_entries_still_exist():
    found = set(_generic_arguments())
    stale = [k for k in NOT_CHECKED if k not in found and ":" not in k[1]]
    assert not stale, f"remove these from NOT_CHECKED: {stale}"


def test_every_seed_parameter_follows_the_convention():
    """``seed`` is annotated ``Seed`` everywhere but in the two seeding functions."""
    odd = [
        name
        for name, obj in _public_callables()
        if "seed" in inspect.signature(obj).parameters
        and name not in INT_SEED_ONLY
        and inspect.signature(obj).parameters["seed"].annotation != "Seed"
    ]
    assert not odd


# --------------------------------------------------------------------------- checks


def build_and_call(name: str) -> tuple[Callable, dict]:
    """Like :func:`build`, after checking that the minimal call itself succeeds.

    Every check starts with it, so a rejection below is due to the bad value.
    """
    func, kwargs = build(name)
    func(**kwargs)
    return func, kwargs


def _rejects(func, kwargs: dict, exc: type, pattern: str, what: str) -> None:
    """``func(**kwargs)`` raises ``exc`` whose message matches ``pattern``."""
    try:
        func(**kwargs)
    except exc as err:
        assert re.search(pattern, str(err)), (
            f"{what}: {err!r} does not match {pattern!r}"
        )
    except Exception as err:  # report which variant went wrong
        pytest.fail(f"{what}: expected {exc.__name__}, got {type(err).__name__}: {err}")
    else:
        pytest.fail(f"{what}: no {exc.__name__} raised")


BAD_SEEDS = [(-1, ValueError), (2**64, ValueError), (1.5, TypeError)]
BAD_SEEDS += [("a", TypeError), (True, TypeError)]


@pytest.mark.parametrize("name", SEEDED)
def test_seed_argument(name):
    """Bad seeds are rejected naming ``seed``; the seed convention is accepted."""
    func, kwargs = build_and_call(name)
    for seed, exc in BAD_SEEDS:
        _rejects(func, {**kwargs, "seed": seed}, exc, r"\bseed\b", f"seed={seed!r}")
    if name in INT_SEED_ONLY:
        return
    for seed in (None, 0, np.int64(7), torch.Generator().manual_seed(0)):
        func(**{**kwargs, "seed": seed})


@pytest.mark.parametrize("name", SIZED)
def test_n_argument(name):
    """``n`` below its minimum and non-integer ``n`` are rejected naming ``n``."""
    func, kwargs = build_and_call(name)
    low = CASES[name].n_min - 1
    pattern = rf"^n must be >= {low + 1}, got {low}$"
    _rejects(func, {**kwargs, "n": low}, ValueError, pattern, f"n={low}")
    for bad in (2.0, "3", None, True):
        _rejects(
            func, {**kwargs, "n": bad}, TypeError, "^n must be an integer", repr(bad)
        )
    func(**{**kwargs, "n": np.int64(kwargs["n"])})


def _copy(value):
    return value.clone() if isinstance(value, torch.Tensor) else value.copy()


WRONG_NDIM = {
    "0-D": lambda v: v.reshape(-1)[:1].reshape(()),
    "1-D": lambda v: v.reshape(-1),
    "3-D": lambda v: v.reshape(*v.shape, 1),
}


@pytest.mark.parametrize("name, arg", ARRAY_ARGS, ids="-".join)
def test_array_argument(name, arg):
    """Non-finite entries, a wrong number of dimensions and a wrong type raise,
    naming the argument."""
    func, kwargs = build_and_call(name)
    if (name, f"{arg}:nan") not in NOT_CHECKED:
        for bad in (np.nan, np.inf, -np.inf):
            value = _copy(kwargs[arg])
            value[-1, -1] = bad
            pattern = rf"^{arg} contains NaN or inf"
            _rejects(func, {**kwargs, arg: value}, ValueError, pattern, repr(bad))
    for ndim, reshape in WRONG_NDIM.items():
        value = reshape(kwargs[arg])
        pattern = rf"^{arg} must .*(2-D|2 dimensions)"
        _rejects(func, {**kwargs, arg: value}, ValueError, pattern, ndim)
    if (name, f"{arg}:type") in NOT_CHECKED:
        return
    wrong_types = [kwargs[arg].tolist(), "points", np.ones((3, 2), dtype=complex)]
    if inspect.signature(func).parameters[arg].default is not None:
        wrong_types.append(None)
    for value in wrong_types:
        what = type(value).__name__
        _rejects(func, {**kwargs, arg: value}, TypeError, rf"^{arg} must ", what)


BAD_PROBABILITIES = [
    ([-0.1, 0.6, 0.5], ValueError, "non-negative"),
    ([np.nan, 0.5, 0.5], ValueError, "finite"),
    ([np.inf, 0.0, 0.0], ValueError, "finite"),
    ([0.2, 0.2, 0.2], ValueError, "sum to 1"),
    ([0.5, 0.5, 0.5], ValueError, "sum to 1"),
    ([0.5, 0.5], ValueError, r"shape \(3,\)"),
    ([0.25] * 4, ValueError, r"shape \(3,\)"),
    ([_THIRDS], ValueError, "1-D"),
    (1.0, ValueError, "1-D"),
    ("abc", TypeError, "array of probabilities"),
]


@pytest.mark.parametrize("name, arg", PROB_ARGS, ids="-".join)
def test_probability_argument(name, arg):
    """Bad probability vectors are rejected naming the argument; good ones of
    every type (list, NumPy, float32 softmax output) are accepted."""
    func, kwargs = build_and_call(name)
    for bad, exc, why in BAD_PROBABILITIES:
        _rejects(func, {**kwargs, arg: bad}, exc, rf"^{arg} must .*{why}", repr(bad))
    softmax = torch.softmax(torch.tensor(_THIRDS).log(), 0)
    for good in (list(_THIRDS), np.asarray(_THIRDS), softmax):
        func(**{**kwargs, arg: good})


# --------------------------------------------------------------------------- samplers


@pytest.mark.parametrize("name", SAMPLERS)
def test_sampler_output(name):
    """A float32 tensor of shape ``(n, d)``, finite, without gradients."""
    func, kwargs = build(name)
    out = func(**{**kwargs, "n": 7, "seed": 0})
    x = _first(out)
    assert isinstance(x, torch.Tensor)
    assert x.shape == (7, CASES[name].dim)
    assert x.dtype == torch.float32
    assert bool(torch.isfinite(x).all())
    assert not x.requires_grad
    if isinstance(out, tuple):  # (x, the component each row came from)
        assert out[1].shape == (7,) and out[1].dtype == torch.int64
    if func.__name__ == "sample":  # the object is a source for the audits
        assert isinstance(func.__self__, data.Sampler)
        audit = birthday.estimate_support(
            func.__self__, threshold=1e-9, batch_sizes=[2], trials=1, seed=0
        )
        assert audit["trials"] == 1


@pytest.mark.parametrize("name", RANDOM_TENSORS)
def test_seed_semantics(name):
    """An int seed is a fresh ``torch.Generator`` seeded with it: reproducible, and
    torch's global generator is left alone; a given generator is advanced;
    ``seed=None`` draws from the global generator."""
    func, kwargs = build(name)

    def draw(seed):
        return _first(func(**kwargs, seed=seed))

    state = torch.get_rng_state()
    a = draw(3)
    assert torch.equal(torch.get_rng_state(), state), "the global generator moved"
    assert torch.equal(a, draw(3))
    assert torch.equal(a, draw(np.int32(3)))
    assert torch.equal(a, draw(torch.Generator().manual_seed(3)))
    assert not torch.equal(a, draw(4))
    gen = torch.Generator().manual_seed(0)
    assert not torch.equal(draw(gen), draw(gen))
    torch.manual_seed(11)
    b = draw(None)
    torch.manual_seed(11)
    assert torch.equal(b, draw(None))
    assert not torch.equal(b, draw(None))


def test_tables_are_not_empty():
    """Guards the parametrisations above against silently collecting nothing."""
    assert len(SEEDED) >= 20 and len(SAMPLERS) >= 12 and len(SIZED) >= 15
    assert len(ARRAY_ARGS) >= 30 and len(PROB_ARGS) == 6
    # Every row's minimal call is made by at least one check.
    checked = {*SEEDED, *SIZED, *(n for n, _ in ARRAY_ARGS), *(n for n, _ in PROB_ARGS)}
    assert checked == set(CASES)
    assert all(re.fullmatch(r"[a-z]+(\.\w+)+", name) for name in CASES)
