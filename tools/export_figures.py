"""The figure pack: every figure the chapters draw, as SVG and 300-dpi PNG files.

How it works. During the HTML build, ``_ext/figure_pack.py`` sets
``GENTHEORY_FIGURE_DIR`` to ``<build>/figure-files`` before any notebook runs;
``setup()`` in each chapter then calls
:func:`gentheory_utils.plotting.export_figures`, which saves every displayed
figure (widgets' default state included) as ``<id>.svg`` and ``<id>.png`` there
and adds a record ``{"id": ..., "title": ...}`` to the figure output's
metadata, under the key ``application/vnd.gentheory.figure+json``. This module
reads the executed notebooks (``<build>/jupyter_execute``), names each figure
and copies its files to ``<build>/html/figures/<chapter>/<name>.{svg,png}``,
with ``index.json`` and the zip ``gentheory-figures.zip`` of the lot.

A figure's name, stable across builds, comes from its cell's metadata
``"figure": {"name": "noise-blur"}`` (a cell with several figures gets
``noise-blur``, ``noise-blur-2``, ...); without it, from the figure's title
(its suptitle, else its first axes title), else from the cell's alt text
(``mystnb.image.alt``); never from a cell's position. Names that collide within
a chapter get ``-2``, ``-3`` in reading order.

Usage (``make book`` runs the check after the build)::

    python tools/export_figures.py [--build-dir _build] [--check]

``--check`` exports nothing and fails (exit status 1) unless every figure
output of every executed notebook has both files in the pack, under the name
this module gives it, and the zip holds them all.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import unicodedata
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

FIGURE_KEY = "application/vnd.gentheory.figure+json"  # in an output's metadata
#: Output MIME types that make an output a figure.
IMAGE_MIMES = ("image/png", "image/svg+xml", "image/jpeg")
#: Where the kernels write (relative to the build folder) and where the pack goes.
RAW_DIR = "figure-files"
PACK_DIR = Path("html") / "figures"
ZIP_NAME = "gentheory-figures.zip"
FORMATS = ("svg", "png")
NAME_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
MAX_NAME = 60


@dataclass(frozen=True)
class Figure:
    """One figure output of an executed notebook.

    Attributes
    ----------
    chapter : str
        The notebook's file stem, e.g. ``07_diffusion``: the pack's folder.
    docname : str
        The notebook's page, e.g. ``chapters/07_diffusion``.
    cell_id : str
        The cell's ``id``.
    name : str
        The file name, without extension (see the module docstring).
    title : str
        The figure's title as drawn ("" if none).
    alt : str
        The cell's alt text (``mystnb.image.alt``; "" if none).
    file_id : str or None
        The id of the files the kernel wrote; ``None`` when the output has no
        record (the figure was not exported).
    """

    chapter: str
    docname: str
    cell_id: str
    name: str
    title: str
    alt: str
    file_id: str | None

    def path(self, fmt: str) -> str:
        """The pack-relative path of the ``fmt`` file (``svg`` or ``png``)."""
        return f"{self.chapter}/{self.name}.{fmt}"


def slugify(text: str) -> str:
    """A file name from free text: lower-case ASCII words joined by ``-``.

    TeX commands lose their backslash (``$\\sigma$`` gives ``sigma``); the
    result is cut at a word boundary to at most 60 characters, and is ``""``
    when nothing is left.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    )
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > MAX_NAME:
            break
        slug = candidate
    return slug or (words[0][:MAX_NAME] if words else "")


def _cell_name(cell: dict, where: str) -> str | None:
    spec = cell.get("metadata", {}).get("figure")
    if spec is None:
        return None
    name = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"{where}: metadata 'figure' must be {{\"name\": <lower-case words "
            f"joined by '-'>}}, got {spec!r}"
        )
    return name


def _source(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def figures_in_notebook(notebook: dict, docname: str) -> list[Figure]:
    """Every figure output of an executed notebook, named.

    Parameters
    ----------
    notebook : dict
        The executed notebook, as parsed JSON (nbformat 4).
    docname : str
        Its page name, e.g. ``chapters/07_diffusion``; the last part is the
        chapter's folder in the pack.

    Returns
    -------
    list of Figure
        In reading order, names unique within the notebook.

    Raises
    ------
    TypeError
        If ``notebook`` is not a dict with a list of cells.
    ValueError
        If a cell's ``figure`` metadata is malformed.
    """
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError("notebook must be a dict with a list of cells")
    if not isinstance(docname, str) or not docname.strip("/"):
        raise ValueError(f"docname must be a page name, got {docname!r}")
    chapter = docname.rstrip("/").rsplit("/", 1)[-1]
    taken: set[str] = set()
    figures = []
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        cell_id = cell.get("id") or f"<cell without id at {index}>"
        where = f"{docname}, cell {cell_id}"
        given = _cell_name(cell, where)
        alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
        count = 0
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if not any(mime in data for mime in IMAGE_MIMES):
                continue
            count += 1
            record = output.get("metadata", {}).get(FIGURE_KEY)
            record = record if isinstance(record, dict) else {}
            title = str(record.get("title", ""))
            if given:
                base = given if count == 1 else f"{given}-{count}"
            else:
                base = slugify(title) or slugify(alt) or "figure"
            name, k = base, 1
            while name in taken:
                k += 1
                name = f"{base}-{k}"
            taken.add(name)
            file_id = record.get("id")
            figures.append(
                Figure(
                    chapter=chapter,
                    docname=docname,
                    cell_id=cell_id,
                    name=name,
                    title=title,
                    alt=str(alt),
                    file_id=file_id if isinstance(file_id, str) else None,
                )
            )
    return figures


def executed_notebooks(build_dir: Path) -> dict[str, Path]:
    """``{docname: path}`` of the executed notebooks under ``build_dir``."""
    root = Path(build_dir) / "jupyter_execute"
    return {
        path.relative_to(root).with_suffix("").as_posix(): path
        for path in sorted(root.rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in path.parts
    }


def collect(build_dir: Path, docnames: list[str] | None = None) -> list[Figure]:
    """The figures of the executed notebooks (all of them, or ``docnames``)."""
    found = executed_notebooks(build_dir)
    if docnames is not None:
        missing = [d for d in docnames if d not in found]
        if missing:
            raise FileNotFoundError(
                f"no executed notebook for {missing} under {build_dir}/jupyter_execute"
            )
        found = {d: found[d] for d in docnames}
    figures = []
    for docname, path in found.items():
        notebook = json.loads(path.read_text(encoding="utf-8"))
        figures.extend(figures_in_notebook(notebook, docname))
    return figures


def export(build_dir: Path, figures: list[Figure]) -> list[str]:
    """Copy the figures' files into the pack, write its index and zip.

    Returns
    -------
    list of str
        The problems: figures without a record or whose files the kernel did
        not write (those are left out of the pack).
    """
    build_dir = Path(build_dir)
    raw, pack = build_dir / RAW_DIR, build_dir / PACK_DIR
    if pack.exists():
        shutil.rmtree(pack)
    pack.mkdir(parents=True)
    problems, published = [], []
    for fig in figures:
        sources = {fmt: raw / f"{fig.file_id}.{fmt}" for fmt in FORMATS}
        if fig.file_id is None or not all(p.is_file() for p in sources.values()):
            problems.append(_problem(fig, raw))
            continue
        for fmt, source in sources.items():
            target = pack / fig.path(fmt)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        published.append(fig)
    index = [
        {**asdict(fig), "svg": fig.path("svg"), "png": fig.path("png")}
        for fig in published
    ]
    (pack / "index.json").write_text(
        json.dumps(index, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with zipfile.ZipFile(pack / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ["index.json"] + [f.path(x) for f in published for x in FORMATS]:
            info = zipfile.ZipInfo(f"gentheory-figures/{name}", (2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (pack / name).read_bytes())
    return problems


def _problem(fig: Figure, raw: Path) -> str:
    where = f"{fig.docname}, cell {fig.cell_id}, figure {fig.name!r}"
    if fig.file_id is None:
        return (
            f"{where}: the output has no {FIGURE_KEY} record (was the notebook "
            "run by the book build, with setup() called before the figure?)"
        )
    return f"{where}: {raw}/{fig.file_id}.{{svg,png}} missing"


def check(build_dir: Path, figures: list[Figure]) -> list[str]:
    """Problems with the published pack: missing files, a zip that lacks some.

    Every figure must have ``figures/<chapter>/<name>.svg`` and ``.png``
    (non-empty; the PNG a real PNG, the SVG an SVG document), and the zip must
    hold exactly those files and the index.
    """
    pack = Path(build_dir) / PACK_DIR
    problems = []
    for fig in figures:
        for fmt in FORMATS:
            path = pack / fig.path(fmt)
            if not path.is_file() or path.stat().st_size == 0:
                problems.append(
                    f"{fig.docname}, cell {fig.cell_id}: {path} is missing or empty"
                )
                continue
            head = path.read_bytes()[:512]
            ok = head.startswith(b"\x89PNG") if fmt == "png" else b"<svg" in head
            if not ok:
                problems.append(f"{path} is not a {fmt.upper()} file")
    zip_path = pack / ZIP_NAME
    if not zip_path.is_file():
        problems.append(f"{zip_path} is missing")
    else:
        with zipfile.ZipFile(zip_path) as archive:
            names = set(archive.namelist())
        expected = {"gentheory-figures/index.json"} | {
            f"gentheory-figures/{f.path(x)}" for f in figures for x in FORMATS
        }
        if names != expected:
            extra, lacking = sorted(names - expected), sorted(expected - names)
            problems.append(f"{zip_path}: lacks {lacking[:5]}, has extra {extra[:5]}")
    return problems


def page_markdown(figures: list[Figure], titles: dict[str, str], prefix: str) -> str:
    """The MyST body of the figure page: a table per notebook.

    Parameters
    ----------
    figures : list of Figure
        As :func:`collect` returns them.
    titles : dict
        ``{docname: page title}`` for the section headings.
    prefix : str
        Relative URL from the page to the book's root (``"../"`` for
        ``appendix/figures``).
    """
    lines = [
        f"{len(figures)} figures; all of them in one zip: "
        f'<a href="{prefix}figures/{ZIP_NAME}">{ZIP_NAME}</a>.',
        "",
    ]
    by_doc: dict[str, list[Figure]] = {}
    for fig in figures:
        by_doc.setdefault(fig.docname, []).append(fig)
    for docname, figs in by_doc.items():
        title = titles.get(docname, docname)
        lines += [
            f"## {_escape(title)}",
            "",
            f"{{doc}}`The chapter <{'/' + docname}>`: {len(figs)} figures.",
            "",
            "| figure | alt text | files |",
            "|---|---|---|",
        ]
        for fig in figs:
            files = " · ".join(
                f'<a href="{prefix}figures/{fig.path(fmt)}">{label}</a>'
                for fmt, label in (("svg", "SVG"), ("png", "PNG, 300 dpi"))
            )
            shown = f"`{fig.name}`" + (f"<br>{_escape(fig.title)}" if fig.title else "")
            alt = _escape(fig.alt) or "*(no alt text)*"
            lines.append(f"| {shown} | {alt} | {files} |")
        lines.append("")
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Text for a Markdown table cell: one line, no bare ``|``."""
    return " ".join(text.split()).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=Path("_build"))
    parser.add_argument(
        "--check", action="store_true", help="only check the pack the build wrote"
    )
    args = parser.parse_args(argv)
    if not (args.build_dir / "jupyter_execute").is_dir():
        print(f"no executed notebooks under {args.build_dir}/jupyter_execute")
        return 1
    figures = collect(args.build_dir)
    problems = [] if args.check else export(args.build_dir, figures)
    problems += check(args.build_dir, figures)
    counts: dict[str, int] = {}
    for fig in figures:
        counts[fig.chapter] = counts.get(fig.chapter, 0) + 1
    summary = ", ".join(f"{c} {n}" for c, n in counts.items())
    print(f"{len(figures)} figures ({summary}) in {args.build_dir / PACK_DIR}")
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems or not figures else 0


if __name__ == "__main__":
    sys.exit(main())
