"""The figure pack (tools/export_figures.py): naming, export, zip and check.

Pure Python on a synthetic executed notebook; the check against a real build
runs in ``make book`` (``tools/export_figures.py --check``). The last tests
read the chapters: figure names in cell metadata are well formed and unique.
"""

from __future__ import annotations

import json
import zipfile

import pytest

from conftest import APPENDIX, CHAPTERS, ROOT, load_tool

tool = load_tool("export_figures")
KEY = tool.FIGURE_KEY
PNG = "iVBORw0KGgo="  # the displayed image's bytes do not matter here


def _figure_output(record=None) -> dict:
    data = {"image/png": PNG, "text/plain": "<Figure>"}
    metadata = {} if record is None else {KEY: record}
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def _cell(cell_id, outputs, name=None, alt=None) -> dict:
    metadata = {}
    if name is not None:
        metadata["figure"] = {"name": name}
    if alt is not None:
        metadata["mystnb"] = {"image": {"alt": alt}}
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": metadata,
        "source": "plt.show()",
        "outputs": outputs,
        "execution_count": 1,
    }


def _notebook():
    return {
        "cells": [
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# T"},
            _cell(
                "a", [_figure_output({"id": "f1", "title": "Ignored"})], "noise-blur"
            ),
            _cell(
                "b",
                [
                    _figure_output({"id": "f2", "title": "Score: $\\sigma$ = 0.5!"}),
                    {"output_type": "stream", "name": "stdout", "text": "hi"},
                    _figure_output({"id": "f3", "title": "Score: $\\sigma$ = 0.5!"}),
                ],
                alt="Two panels.",
            ),
            _cell(
                "c", [_figure_output({"id": "f4", "title": ""})], alt="A ring of dots"
            ),
            _cell("d", [_figure_output({"id": "f5", "title": ""})]),
            _cell("e", [_figure_output({"id": "f6", "title": "x"})], "noise-blur"),
            _cell("f", [_figure_output(None)], alt="Not exported"),
            _cell("g", [{"output_type": "stream", "name": "stdout", "text": "no"}]),
        ]
    }


def test_names_come_from_metadata_then_title_then_alt_text():
    figs = tool.figures_in_notebook(_notebook(), "chapters/09_demo")
    assert [(f.cell_id, f.name) for f in figs] == [
        ("a", "noise-blur"),
        ("b", "score-sigma-0-5"),
        ("b", "score-sigma-0-5-2"),  # same title: numbered in reading order
        ("c", "a-ring-of-dots"),  # no title: the alt text
        ("d", "figure"),
        ("e", "noise-blur-2"),  # a name taken earlier in the chapter
        ("f", "not-exported"),
    ]
    assert {f.chapter for f in figs} == {"09_demo"}
    assert figs[-1].file_id is None
    assert figs[1].alt == "Two panels." and figs[1].title.startswith("Score")


def test_a_cell_with_several_figures_numbers_the_metadata_name():
    nb = {"cells": [_cell("a", [_figure_output({"id": "1"})] * 3, "pair")]}
    names = [f.name for f in tool.figures_in_notebook(nb, "chapters/x")]
    assert names == ["pair", "pair-2", "pair-3"]


@pytest.mark.parametrize("spec", ["noise", {"name": "Noise Blur"}, {"title": "x"}])
def test_malformed_figure_metadata_is_an_error(spec):
    cell = _cell("a", [_figure_output({"id": "1"})])
    cell["metadata"]["figure"] = spec
    with pytest.raises(ValueError, match="metadata 'figure' must be"):
        tool.figures_in_notebook({"cells": [cell]}, "chapters/x")


def test_figures_in_notebook_rejects_bad_input():
    with pytest.raises(TypeError, match="list of cells"):
        tool.figures_in_notebook({"cells": 3}, "chapters/x")
    with pytest.raises(ValueError, match="docname"):
        tool.figures_in_notebook({"cells": []}, "/")


def test_slugify():
    assert tool.slugify("Mode collapse, seed by seed (σ = 0.1)") == (
        "mode-collapse-seed-by-seed-0-1"
    )
    assert tool.slugify("$\\nabla \\log p$") == "nabla-log-p"
    assert tool.slugify("   ") == ""
    long = tool.slugify("word " * 40)
    assert len(long) <= tool.MAX_NAME and not long.endswith("-")
    with pytest.raises(TypeError):
        tool.slugify(3)


def _build(tmp_path, notebook):
    build = tmp_path / "_build"
    (build / "jupyter_execute" / "chapters").mkdir(parents=True)
    (build / "jupyter_execute" / "chapters" / "09_demo.ipynb").write_text(
        json.dumps(notebook), encoding="utf-8"
    )
    raw = build / tool.RAW_DIR
    raw.mkdir()
    for i in range(1, 7):
        (raw / f"f{i}.svg").write_text('<?xml version="1.0"?>\n<svg></svg>\n')
        (raw / f"f{i}.png").write_bytes(b"\x89PNG\r\n\x1a\nrest")
    return build


def test_export_publishes_both_files_an_index_and_a_zip(tmp_path):
    nb = _notebook()
    nb["cells"] = [c for c in nb["cells"] if c["id"] != "f"]  # all exported
    build = _build(tmp_path, nb)
    figs = tool.collect(build)
    assert tool.export(build, figs) == []
    assert tool.check(build, figs) == []
    pack = build / tool.PACK_DIR
    assert (pack / "09_demo" / "noise-blur.svg").read_text().endswith("</svg>\n")
    assert (
        (pack / "09_demo" / "score-sigma-0-5-2.png").read_bytes().startswith(b"\x89PNG")
    )
    index = json.loads((pack / "index.json").read_text(encoding="utf-8"))
    assert [e["png"] for e in index][:2] == [
        "09_demo/noise-blur.png",
        "09_demo/score-sigma-0-5.png",
    ]
    with zipfile.ZipFile(pack / tool.ZIP_NAME) as archive:
        names = archive.namelist()
    assert len(names) == 1 + 2 * len(figs)
    assert "gentheory-figures/09_demo/a-ring-of-dots.svg" in names
    assert tool.main(["--build-dir", str(build), "--check"]) == 0


def test_a_figure_without_record_or_files_is_reported(tmp_path):
    build = _build(tmp_path, _notebook())
    (build / tool.RAW_DIR / "f4.png").unlink()
    figs = tool.collect(build)
    problems = tool.export(build, figs)
    assert any("cell f" in p and "no application/vnd" in p for p in problems)
    assert any("cell c" in p and "f4.{svg,png} missing" in p for p in problems)
    assert any("a-ring-of-dots.png is missing" in p for p in tool.check(build, figs))
    assert tool.main(["--build-dir", str(build)]) == 1


def test_check_catches_a_damaged_pack(tmp_path):
    nb = {"cells": [_cell("a", [_figure_output({"id": "f1"})], "one")]}
    build = _build(tmp_path, nb)
    figs = tool.collect(build)
    assert tool.export(build, figs) == []
    pack = build / tool.PACK_DIR
    (pack / "09_demo" / "one.png").write_bytes(b"GIF89a")
    (pack / tool.ZIP_NAME).unlink()
    problems = tool.check(build, figs)
    assert any("is not a PNG file" in p for p in problems)
    assert any("gentheory-figures.zip is missing" in p for p in problems)


def test_collect_and_main_need_executed_notebooks(tmp_path):
    with pytest.raises(FileNotFoundError, match="no executed notebook"):
        tool.collect(tmp_path, ["chapters/01_manifolds"])
    assert tool.main(["--build-dir", str(tmp_path)]) == 1


def test_page_lists_every_figure_with_alt_text_and_both_links():
    figs = tool.figures_in_notebook(_notebook(), "chapters/09_demo")
    page = tool.page_markdown(figs, {"chapters/09_demo": "Demo | chapter"}, "../")
    assert "## Demo \\| chapter" in page
    assert "{doc}`The chapter </chapters/09_demo>`: 7 figures." in page
    assert '<a href="../figures/09_demo/noise-blur.svg">SVG</a>' in page
    assert '<a href="../figures/09_demo/noise-blur.png">PNG, 300 dpi</a>' in page
    assert "| Two panels. |" in page and "*(no alt text)*" in page
    assert '<a href="../figures/gentheory-figures.zip">' in page


# --- the chapters --------------------------------------------------------------


@pytest.mark.parametrize("path", CHAPTERS + APPENDIX, ids=lambda p: p.stem)
def test_figure_names_in_the_metadata_are_valid_and_unique(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    names = []
    for cell in cells:
        spec = cell.get("metadata", {}).get("figure")
        if spec is None:
            continue
        assert cell["cell_type"] == "code", cell["id"]
        name = spec.get("name") if isinstance(spec, dict) else None
        assert isinstance(name, str) and tool.NAME_PATTERN.fullmatch(name), cell["id"]
        assert cell["metadata"].get("mystnb", {}).get("image", {}).get("alt"), (
            f"{cell['id']}: a named figure needs alt text"
        )
        names.append(name)
    assert len(names) == len(set(names))


def test_the_figure_page_is_registered():
    assert "file: appendix/figures" in (ROOT / "_toc.yml").read_text(encoding="utf-8")
    page = (ROOT / "appendix" / "figures.md").read_text(encoding="utf-8")
    assert "<!-- figure-list -->" in page
    assert "figure_pack: _ext" in (ROOT / "_config.yml").read_text(encoding="utf-8")
