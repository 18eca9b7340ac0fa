"""Unit tests for seeding, progress, plotting, widgets and book helpers.

show_source has its own file, test_source.py.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import os  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402

import ipywidgets as W  # noqa: E402
import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from IPython.display import Markdown  # noqa: E402
from matplotlib.colors import ListedColormap, to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import gentheory_utils  # noqa: E402
from gentheory_utils import book, plotting, widgets  # noqa: E402
from gentheory_utils.progress import progress_bar, progress_range  # noqa: E402
from gentheory_utils.seeding import (  # noqa: E402
    env_seed,
    env_threads,
    get_device,
    seed_everything,
    setup,
)
from gentheory_utils.source import show_source  # noqa: E402

# ---------------------------------------------------------------------------
# seeding
# ---------------------------------------------------------------------------


@pytest.fixture
def restore_determinism(monkeypatch):
    """Undo seed_everything's global side effects after the test."""
    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)  # restored at teardown
    yield
    torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


def _draw_all():
    return random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist()


def test_seed_everything_makes_random_numpy_and_torch_reproducible(restore_determinism):
    seed_everything(123)
    first = _draw_all()
    seed_everything(123)
    second = _draw_all()
    seed_everything(124)
    third = _draw_all()
    assert first == second
    for a, c in zip(first, third, strict=True):
        assert a != c
    assert os.environ["PYTHONHASHSEED"] == "124"


def test_seed_everything_deterministic_flag(restore_determinism):
    torch.use_deterministic_algorithms(False)
    seed_everything(0, deterministic=False)
    assert torch.are_deterministic_algorithms_enabled() is False
    seed_everything(0)
    assert torch.are_deterministic_algorithms_enabled() is True
    assert torch.is_deterministic_algorithms_warn_only_enabled() is True


def test_seed_everything_accepts_largest_32_bit_seed(restore_determinism):
    seed_everything(2**32 - 1)
    assert os.environ["PYTHONHASHSEED"] == str(2**32 - 1)


def test_seed_everything_takes_a_32_bit_integer_only(restore_determinism):
    # Other bad seeds are checked for every seeded function in test_api_contract.py.
    with pytest.raises(ValueError, match=r"seed must be <= 4294967295"):
        seed_everything(2**32)
    with pytest.raises(TypeError, match=r"seed must be an integer"):
        seed_everything(None)


@pytest.fixture
def restore_setup(monkeypatch):
    """Undo setup's global side effects: threads, determinism, RNGs, style."""
    threads = torch.get_num_threads()
    states = torch.get_rng_state(), np.random.get_state(), random.getstate()
    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)  # restored at teardown
    monkeypatch.delenv("GENTHEORY_SEED", raising=False)
    monkeypatch.delenv("GENTHEORY_THREADS", raising=False)
    with mpl.rc_context(), threadpool_limits(limits=None):  # both restore on exit
        yield
    torch.set_num_threads(threads)
    torch.set_rng_state(states[0])
    np.random.set_state(states[1])
    random.setstate(states[2])
    torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


def test_setup_defaults_to_seed_0_and_one_thread(restore_setup, capsys):
    torch.set_num_threads(2)
    assert setup(style=False) == 0
    assert torch.get_num_threads() == 1
    assert torch.are_deterministic_algorithms_enabled()
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    assert line.startswith("seed 0 | ")
    assert f"torch {torch.__version__}" in line
    assert "1 thread(s)" in line
    assert f"CPU capability {torch.backends.cpu.get_cpu_capability()}" in line


def test_setup_reads_the_environment(restore_setup, monkeypatch, capsys):
    monkeypatch.setenv("GENTHEORY_SEED", " 42 ")
    monkeypatch.setenv("GENTHEORY_THREADS", "2")
    assert setup(style=False) == 42
    assert torch.get_num_threads() == 2
    out = capsys.readouterr().out
    assert out.startswith("seed 42 | ") and "2 thread(s)" in out
    # Arguments win over the environment.
    assert setup(seed=7, threads=1, style=False, quiet=True) == 7
    assert torch.get_num_threads() == 1
    assert capsys.readouterr().out == ""  # quiet


def test_setup_seeds_every_generator(restore_setup):
    setup(5, style=False, quiet=True)
    first = _draw_all()
    setup(5, style=False, quiet=True)
    assert _draw_all() == first


def test_setup_applies_the_book_style(restore_setup):
    mpl.rcParams["image.cmap"] = "magma"
    setup(quiet=True)
    assert mpl.rcParams["image.cmap"] == "viridis"


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("GENTHEORY_SEED", "abc", r"GENTHEORY_SEED must be an integer, got 'abc'"),
        ("GENTHEORY_SEED", "1.5", r"GENTHEORY_SEED must be an integer, got '1.5'"),
        ("GENTHEORY_SEED", "-3", r"GENTHEORY_SEED must be >= 0, got -3"),
        ("GENTHEORY_THREADS", "two", r"GENTHEORY_THREADS must be an integer"),
        ("GENTHEORY_THREADS", "0", r"GENTHEORY_THREADS must be >= 1, got 0"),
    ],
)
def test_setup_rejects_a_bad_environment(
    restore_setup, monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)
    threads = torch.get_num_threads()
    with pytest.raises(ValueError, match=message):
        setup(style=False, quiet=True)
    assert torch.get_num_threads() == threads  # nothing was changed


def test_env_seed_and_env_threads(monkeypatch):
    monkeypatch.delenv("GENTHEORY_SEED", raising=False)
    monkeypatch.setenv("GENTHEORY_THREADS", "")
    assert (env_seed(), env_threads()) == (0, 1)  # unset or empty: the defaults
    monkeypatch.setenv("GENTHEORY_SEED", "123")
    monkeypatch.setenv("GENTHEORY_THREADS", "3")
    assert (env_seed(), env_threads()) == (123, 3)


def test_setup_rejects_bad_threads_and_flags(restore_setup):
    with pytest.raises(ValueError, match=r"threads must be >= 1, got 0"):
        setup(threads=0, quiet=True)
    with pytest.raises(TypeError, match=r"style and quiet must be bools"):
        setup(quiet=1)


def test_get_device_returns_torch_device():
    device = get_device()
    assert isinstance(device, torch.device)
    if torch.cuda.is_available():
        expected = "cuda"
    elif (
        getattr(torch.backends, "mps", None) is not None
        and torch.backends.mps.is_available()
    ):
        expected = "mps"
    else:
        expected = "cpu"
    assert device.type == expected
    assert get_device(prefer_gpu=False) == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only machine")
def test_get_device_is_cpu_without_gpu():
    assert get_device() == torch.device("cpu")


@pytest.mark.parametrize("bad", [1, 0, "yes", None])
def test_get_device_rejects_non_bool(bad):
    with pytest.raises(TypeError, match=r"prefer_gpu must be a bool"):
        get_device(bad)


def test_package_reexports_helpers():
    assert gentheory_utils.setup is setup
    assert gentheory_utils.seed_everything is seed_everything
    assert gentheory_utils.get_device is get_device
    assert gentheory_utils.show_source is show_source


# ---------------------------------------------------------------------------
# progress
# ---------------------------------------------------------------------------


def test_progress_bar_silent_iterates_items_in_order(capsys):
    bar = progress_bar(["a", "b", "c"], progress=False, desc="letters")
    assert list(bar) == ["a", "b", "c"]
    assert len(bar) == 3
    assert bar.disable is True
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_uses_total_for_generators():
    bar = progress_bar((i * i for i in range(4)), progress=False, total=4)
    assert bar.total == 4
    assert list(bar) == [0, 1, 4, 9]


def test_progress_bar_enabled_still_yields_items():
    bar = progress_bar(range(3), progress=True, desc="work")
    assert bar.disable is False
    assert bar.desc.startswith("work")
    assert list(bar) == [0, 1, 2]


@pytest.mark.parametrize("n", [0, 1, 5])
def test_progress_range_is_range_n(n):
    bar = progress_range(n, progress=False)
    assert list(bar) == list(range(n))
    assert bar.total == n


@pytest.mark.parametrize("bad", [1, None, "no"])
def test_progress_bar_rejects_non_bool_progress(bad):
    with pytest.raises(TypeError, match=r"progress must be a bool"):
        progress_bar([1, 2], progress=bad)
    with pytest.raises(TypeError, match=r"progress must be a bool"):
        progress_range(2, progress=bad)


# ---------------------------------------------------------------------------
# plotting
# ---------------------------------------------------------------------------


def test_use_style_sets_palette_colour_cycle_and_defaults():
    with mpl.rc_context():
        plotting.use_style(dpi=120)
        colors = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
        assert len(colors) == 8
        assert sorted(c.upper() for c in colors) == sorted(plotting.PALETTE)
        # Orange first, black last: the first line of a plot is not black.
        assert [c.upper() for c in colors] == plotting.PALETTE[1:] + plotting.PALETTE[
            :1
        ]
        assert mpl.rcParams["figure.dpi"] == 120
        assert mpl.rcParams["image.cmap"] == "viridis"
        assert mpl.rcParams["axes.grid"] is True
        fig, ax = plt.subplots()
        (line,) = ax.plot([0, 1], [0, 1])
        assert to_rgba(line.get_color()) == to_rgba(plotting.PALETTE[1])
        plt.close(fig)


def test_palette_is_eight_okabe_ito_hex_colours():
    assert len(plotting.PALETTE) == 8
    assert len(set(plotting.PALETTE)) == 8
    assert plotting.PALETTE[0] == "#000000"
    assert plotting.PALETTE[1] == "#E69F00"


@pytest.mark.parametrize("dpi", [10, 29, 0, -90])
def test_use_style_rejects_small_dpi(dpi):
    with mpl.rc_context():
        before = mpl.rcParams["figure.dpi"]
        with pytest.raises(ValueError, match=rf"dpi must be >= 30, got {dpi}"):
            plotting.use_style(dpi=dpi)
        assert mpl.rcParams["figure.dpi"] == before


@pytest.mark.parametrize("dpi", [90.0, True, "90"])
def test_use_style_rejects_non_integer_dpi(dpi):
    with mpl.rc_context():
        with pytest.raises(TypeError, match=r"dpi must be an integer"):
            plotting.use_style(dpi=dpi)


@pytest.mark.parametrize("n", [1, 3, 8])
def test_palette_cmap_has_first_n_palette_colours(n):
    cmap = plotting.palette_cmap(n)
    assert isinstance(cmap, ListedColormap)
    assert cmap.N == n
    assert list(cmap.colors) == plotting.PALETTE[:n]
    assert cmap(0) == to_rgba(plotting.PALETTE[0])
    assert cmap(n - 1) == to_rgba(plotting.PALETTE[n - 1])


def test_palette_cmap_rejects_more_than_8_colours():
    # n < 1 and non-integer n are checked in test_api_contract.py.
    with pytest.raises(ValueError, match=r"n must be <= 8, got 9"):
        plotting.palette_cmap(9)


@pytest.fixture
def axes():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_label_sets_title_and_axis_labels(axes):
    out = plotting.label(axes, "Loss falls", "epoch", "loss")
    assert out is axes
    assert axes.get_title() == "Loss falls"
    assert axes.get_xlabel() == "epoch"
    assert axes.get_ylabel() == "loss"


@pytest.mark.parametrize(
    "title, xlabel, ylabel, name",
    [
        ("", "x", "y", "title"),
        ("   ", "x", "y", "title"),
        ("T", "", "y", "xlabel"),
        ("T", "x", None, "ylabel"),
        ("T", 3, "y", "xlabel"),
    ],
)
def test_label_rejects_empty_or_non_string_text(axes, title, xlabel, ylabel, name):
    with pytest.raises(ValueError, match=rf"{name} must be a non-empty string"):
        plotting.label(axes, title, xlabel, ylabel)
    assert axes.get_title() == ""  # nothing was set


@pytest.mark.parametrize("bad", [None, "ax", plt.figure])
def test_label_rejects_non_axes(bad):
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes"):
        plotting.label(bad, "T", "x", "y")


# ---------------------------------------------------------------------------
# widgets
# ---------------------------------------------------------------------------


def test_float_slider_fields_and_no_continuous_update():
    s = widgets.float_slider("noise", 0.1, 0.0, 0.5, 0.05)
    assert isinstance(s, W.FloatSlider)
    assert s.description == "noise"
    assert (s.value, s.min, s.max, s.step) == (0.1, 0.0, 0.5, 0.05)
    assert s.continuous_update is False


def test_int_slider_fields_and_no_continuous_update():
    s = widgets.int_slider("k", 10, 2, 50)
    assert isinstance(s, W.IntSlider)
    assert s.description == "k"
    assert (s.value, s.min, s.max, s.step) == (10, 2, 50, 1)
    assert s.continuous_update is False
    assert widgets.int_slider("k", 4, 0, 8, step=2).step == 2


def test_dropdown_defaults_to_first_option_and_accepts_given_value():
    d = widgets.dropdown("data", ["helix", "swiss roll", "sphere"])
    assert isinstance(d, W.Dropdown)
    assert d.description == "data"
    assert list(d.options) == ["helix", "swiss roll", "sphere"]
    assert d.value == "helix"
    assert (
        widgets.dropdown("data", ["helix", "sphere"], value="sphere").value == "sphere"
    )


@pytest.mark.parametrize(
    "args",
    [
        (0.5, 1.0, 0.0, 0.1),  # min > max
        (1.5, 0.0, 1.0, 0.1),  # value above max
        (-0.1, 0.0, 1.0, 0.1),  # value below min
        (0.5, 0.0, 1.0, 0.0),  # step 0
        (0.5, 0.0, 1.0, -0.1),  # negative step
    ],
)
def test_float_slider_rejects_inconsistent_range(args):
    with pytest.raises(ValueError, match=r"need min <= value <= max and step > 0"):
        widgets.float_slider("a", *args)


@pytest.mark.parametrize("args", [(5, 10, 1, 1), (11, 1, 10, 1), (5, 1, 10, 0)])
def test_int_slider_rejects_inconsistent_range(args):
    with pytest.raises(ValueError, match=r"need min <= value <= max and step > 0"):
        widgets.int_slider("k", *args)


def test_dropdown_rejects_empty_options_and_unknown_value():
    with pytest.raises(ValueError, match=r"options must be a non-empty list"):
        widgets.dropdown("d", [])
    with pytest.raises(ValueError, match=r"value 'c' is not among options"):
        widgets.dropdown("d", ["a", "b"], value="c")


class _FakeHandle:
    def __init__(self):
        self.updates = []

    def update(self, obj):
        self.updates.append(obj)


@pytest.fixture
def fake_display(monkeypatch):
    """Stand in for IPython's display: record what is shown, return a handle."""
    shown = []
    handles = []

    def display(obj, display_id=None):
        shown.append(obj)
        if display_id:
            handles.append(_FakeHandle())
            return handles[-1]
        return None

    monkeypatch.setattr(widgets, "display", display)
    return {"shown": shown, "handles": handles}


@pytest.fixture
def recording_draw():
    calls = []

    def draw(k, label="a"):
        calls.append((k, label))
        fig, ax = plt.subplots()
        ax.plot(range(k))
        return fig

    draw.calls = calls
    yield draw
    plt.close("all")


def test_interactive_figure_draws_default_state_and_returns_parts(
    fake_display, recording_draw
):
    k = widgets.int_slider("k", 3, 1, 10)
    lab = widgets.dropdown("label", ["a", "b"])
    out = widgets.interactive_figure(recording_draw, {"k": k, "label": lab})
    assert set(out) == {"controls", "handle", "redraw"}
    assert isinstance(out["controls"], W.VBox)
    assert list(out["controls"].children) == [k, lab]
    assert callable(out["redraw"])
    assert recording_draw.calls == [(3, "a")]
    # Shown once: the controls, then the default figure under a display id.
    assert fake_display["shown"][0] is out["controls"]
    assert isinstance(fake_display["shown"][1], Figure)
    assert out["handle"] is fake_display["handles"][0]


def test_interactive_figure_redraws_with_new_value_on_change(
    fake_display, recording_draw
):
    k = widgets.int_slider("k", 3, 1, 10)
    lab = widgets.dropdown("label", ["a", "b"])
    out = widgets.interactive_figure(recording_draw, {"k": k, "label": lab})
    k.value = 7
    assert recording_draw.calls == [(3, "a"), (7, "a")]
    lab.value = "b"
    assert recording_draw.calls == [(3, "a"), (7, "a"), (7, "b")]
    out["redraw"]()
    assert recording_draw.calls[-1] == (7, "b")
    assert len(recording_draw.calls) == 4
    handle = out["handle"]
    assert len(handle.updates) == 3
    assert all(isinstance(f, Figure) for f in handle.updates)
    # Setting the same value again is not a change and does not redraw.
    k.value = 7
    assert len(recording_draw.calls) == 4


def test_interactive_figure_closes_its_figures(fake_display, recording_draw):
    plt.close("all")
    k = widgets.int_slider("k", 3, 1, 10)
    widgets.interactive_figure(recording_draw, {"k": k})
    k.value = 4
    assert plt.get_fignums() == []


def test_interactive_figure_redraw_outside_ipython(recording_draw, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized():
        pytest.skip("an IPython shell is running in this process")
    k = widgets.int_slider("k", 3, 1, 10)
    widgets.interactive_figure(recording_draw, {"k": k})
    k.value = 5
    assert recording_draw.calls == [(3, "a"), (5, "a")]


@pytest.mark.parametrize("draw", [None, 3, "draw"])
def test_interactive_figure_rejects_non_callable_draw(fake_display, draw):
    with pytest.raises(TypeError, match=r"draw must be callable"):
        widgets.interactive_figure(draw, {"k": widgets.int_slider("k", 1, 0, 2)})


@pytest.mark.parametrize("controls", [{}, None, [widgets.int_slider("k", 1, 0, 2)]])
def test_interactive_figure_rejects_empty_or_non_mapping_controls(
    fake_display, recording_draw, controls
):
    with pytest.raises(ValueError, match=r"controls must be a non-empty mapping"):
        widgets.interactive_figure(recording_draw, controls)


def test_interactive_figure_rejects_non_widget_control(fake_display, recording_draw):
    with pytest.raises(
        TypeError, match=r"controls\['k'\] must be an ipywidgets value widget"
    ):
        widgets.interactive_figure(recording_draw, {"k": 3})


def test_interactive_figure_rejects_draw_returning_non_figure(fake_display):
    fig, ax = plt.subplots()
    try:
        for result in (None, ax, 1.0):
            with pytest.raises(
                TypeError, match=r"draw must return a matplotlib Figure"
            ):
                widgets.interactive_figure(
                    lambda k, r=result: r, {"k": widgets.int_slider("k", 1, 0, 2)}
                )
    finally:
        plt.close(fig)


# ---------------------------------------------------------------------------
# book
# ---------------------------------------------------------------------------


def test_glue_hands_value_to_myst_nb(monkeypatch):
    import myst_nb.ext.glue as myst_glue

    published = []
    monkeypatch.setattr(
        myst_glue, "ipy_display", lambda obj, **kw: published.append((obj, kw))
    )
    assert book.glue("mle_digits", 7.25) is None
    assert len(published) == 1
    bundle, kw = published[0]
    assert bundle == {"application/papermill.record/text/plain": "7.25"}
    assert kw["metadata"]["scrapbook"]["name"] == "mle_digits"
    assert kw["raw"] is True


def test_glue_with_display_value_shows_plain_bundle(monkeypatch):
    import myst_nb.ext.glue as myst_glue

    published = []
    monkeypatch.setattr(
        myst_glue, "ipy_display", lambda obj, **kw: published.append(obj)
    )
    book.glue("answer", 42, display_value=True)
    assert published == [{"text/plain": "42"}]


def test_glue_runs_for_real_without_ipython():
    assert book.glue("real_call", 3.5) is None
    assert book.glue("real_call_shown", "text", display_value=True) is None


def test_glue_without_myst_nb_displays_only_when_asked(monkeypatch):
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import now raises ImportError
    shown = []
    monkeypatch.setattr(book, "display", shown.append)
    book.glue("quiet", 1.5)
    assert shown == []
    book.glue("loud", 2.5, display_value=True)
    assert shown == [2.5]


@pytest.mark.parametrize("name", ["bad name", "1abc", "a-b", "", 3, None])
def test_glue_rejects_name_that_is_not_an_identifier(name):
    with pytest.raises(
        ValueError, match=r"name must be a Python-identifier-like string"
    ):
        book.glue(name, 1.0)


def test_markdown_table_builds_expected_markdown():
    table = book.markdown_table(
        ["data", "d", "estimate"], [["helix", 1, 1.00357], ["sphere", 3, 2.99699]]
    )
    assert isinstance(table, Markdown)
    assert table.data == (
        "| data | d | estimate |\n|---|---|---|\n| helix | 1 | 1 |\n| sphere | 3 | 3 |"
    )


def test_markdown_table_formats_only_floats_with_floatfmt():
    table = book.markdown_table(
        ("a", "b"), [(0.123456, 7), (np.float64(2.5), "x")], floatfmt=".2f"
    )
    assert table.data.splitlines() == [
        "| a | b |",
        "|---|---|",
        "| 0.12 | 7 |",
        "| 2.50 | x |",
    ]


def test_markdown_table_with_no_rows_is_header_only():
    assert book.markdown_table(["only"], []).data == "| only |\n|---|"


def test_markdown_table_rejects_ragged_row():
    with pytest.raises(ValueError, match=r"row 1 has 1 entries, expected 2"):
        book.markdown_table(["a", "b"], [[1, 2], [3]])
    with pytest.raises(ValueError, match=r"row 0 has 3 entries, expected 2"):
        book.markdown_table(["a", "b"], [[1, 2, 3]])


def test_markdown_table_rejects_empty_headers():
    with pytest.raises(ValueError, match=r"headers must not be empty"):
        book.markdown_table([], [])


def test_sliders_reject_wrong_types():
    with pytest.raises(TypeError, match="value must be an integer"):
        widgets.int_slider("k", 2.5, 0, 5)
    with pytest.raises(TypeError, match="value must be a real number"):
        widgets.float_slider("a", "0.5", 0, 1, 0.1)


def test_glue_converts_numpy_and_torch_scalars(monkeypatch):
    import myst_nb

    seen = []
    monkeypatch.setattr(
        myst_nb, "glue", lambda name, value, display=True: seen.append((name, value))
    )
    book.glue("a", np.float64(1.5))
    book.glue("b", torch.tensor(2.5))
    book.glue("c", np.int64(3))
    assert [(n, type(v)) for n, v in seen] == [("a", float), ("b", float), ("c", int)]


def test_markdown_table_escapes_pipes():
    text = book.markdown_table(["P(|x| > 1)", "b"], [["|z|", 1.5]]).data
    assert "P(\\|x\\| > 1)" in text and "\\|z\\|" in text
    assert text.splitlines()[0].count(" | ") == 1  # still two columns


def test_progress_bar_redraws_at_most_once_a_second():
    bar = progress_bar(range(3))
    try:
        assert bar.mininterval >= 1.0
    finally:
        bar.close()


def test_cpu_model_names_the_processor():
    from gentheory_utils.seeding import cpu_model

    name = cpu_model()
    assert isinstance(name, str) and name.strip() == name and name
