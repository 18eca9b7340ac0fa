"""Unit tests for the figure-export hook (gentheory_utils.plotting.export_figures)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import json  # noqa: E402
import random  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import IPython  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from IPython.core.formatters import DisplayFormatter  # noqa: E402
from IPython.display import JSON  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gentheory_utils import plotting  # noqa: E402
from gentheory_utils.seeding import setup  # noqa: E402


@pytest.fixture
def shell(monkeypatch):
    """A stand-in IPython shell with a real display formatter."""
    fake = SimpleNamespace(display_formatter=DisplayFormatter())
    monkeypatch.setattr(IPython, "get_ipython", lambda: fake)
    return fake


@pytest.fixture
def restored(monkeypatch):
    """Undo setup's global side effects (threads, determinism, random states)."""
    threads = torch.get_num_threads()
    states = torch.get_rng_state(), np.random.get_state(), random.getstate()
    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    monkeypatch.delenv("GENTHEORY_SEED", raising=False)
    yield
    torch.set_num_threads(threads)
    torch.set_rng_state(states[0])
    np.random.set_state(states[1])
    random.setstate(states[2])
    torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


@pytest.fixture
def figure():
    # A Figure without pyplot: pyplot would look the (patched) shell up itself.
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([0, 1], [1, 0])
    ax.set_title("A falling line")
    return fig


def test_displayed_figure_is_saved_as_svg_and_300_dpi_png(shell, figure, tmp_path):
    assert plotting.export_figures(tmp_path) is True
    bundle, metadata = shell.display_formatter.format(figure)
    assert plotting.FIGURE_KEY not in bundle  # no data a front end would show
    record = metadata[plotting.FIGURE_KEY]
    assert record["title"] == "A falling line"
    svg = tmp_path / f"{record['id']}.svg"
    png = tmp_path / f"{record['id']}.png"
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    head = png.read_bytes()
    assert head.startswith(b"\x89PNG")
    width = int.from_bytes(head[16:20], "big")
    assert width > 2 * 3 * 100  # 3 inches at 300 dpi, less the tight crop
    json.dumps(record)  # what goes into the notebook must be JSON


def test_every_display_gets_its_own_files(shell, figure, tmp_path):
    plotting.export_figures(tmp_path)
    first = shell.display_formatter.format(figure)[1][plotting.FIGURE_KEY]["id"]
    second = shell.display_formatter.format(figure)[1][plotting.FIGURE_KEY]["id"]
    assert first != second
    assert len(list(tmp_path.iterdir())) == 4


def _title(shell, fig) -> str:
    return shell.display_formatter.format(fig)[1][plotting.FIGURE_KEY]["title"]


def test_title_falls_back_from_suptitle_to_axes_to_empty(shell, tmp_path):
    plotting.export_figures(tmp_path)
    fig = Figure()
    _, right = fig.subplots(1, 2)
    right.set_title("right panel")
    assert _title(shell, fig) == "right panel"  # the first non-empty axes title
    fig.suptitle("The whole figure")
    assert _title(shell, fig) == "The whole figure"
    assert _title(shell, Figure()) == ""


def test_other_objects_get_no_record(shell, tmp_path):
    plotting.export_figures(tmp_path)
    bundle, metadata = shell.display_formatter.format(JSON({"a": 1}))
    assert plotting.FIGURE_KEY not in bundle and plotting.FIGURE_KEY not in metadata
    assert plotting.FIGURE_KEY not in shell.display_formatter.format(3)[1]
    assert list(tmp_path.iterdir()) == []


def test_survives_the_inline_backend_resetting_figure_formatters(
    shell, figure, tmp_path
):
    plotting.export_figures(tmp_path)
    # What matplotlib-inline does when it activates or the formats change.
    for formatter in shell.display_formatter.formatters.values():
        formatter.pop(Figure, None)
    assert plotting.FIGURE_KEY in shell.display_formatter.format(figure)[1]


def test_outside_ipython_nothing_is_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert plotting.export_figures(tmp_path / "figs") is False
    assert not (tmp_path / "figs").exists()


@pytest.mark.parametrize("bad", [3, None, b"/tmp/x"])
def test_rejects_a_non_path(bad):
    with pytest.raises(TypeError, match="directory must be a str or path"):
        plotting.export_figures(bad)


@pytest.mark.parametrize(
    ("bad", "match"),
    [("", "non-empty"), ("  ", "non-empty"), ("relative/dir", "absolute path")],
)
def test_rejects_an_empty_or_relative_path(bad, match):
    with pytest.raises(ValueError, match=match):
        plotting.export_figures(bad)


def test_setup_turns_export_on_from_the_environment(
    shell, figure, tmp_path, monkeypatch, restored
):
    monkeypatch.setenv(plotting.FIGURE_DIR_VARIABLE, str(tmp_path / "out"))
    setup(quiet=True, style=False)
    assert plotting.FIGURE_KEY in shell.display_formatter.format(figure)[1]
    assert len(list((tmp_path / "out").iterdir())) == 2


def test_setup_without_the_variable_installs_nothing(shell, monkeypatch, restored):
    monkeypatch.delenv(plotting.FIGURE_DIR_VARIABLE, raising=False)
    setup(quiet=True, style=False)
    assert plotting.FIGURE_KEY not in shell.display_formatter.formatters


def test_setup_rejects_a_relative_directory(shell, monkeypatch, restored):
    monkeypatch.setenv(plotting.FIGURE_DIR_VARIABLE, "figures")
    with pytest.raises(ValueError, match="absolute path"):
        setup(quiet=True, style=False)
