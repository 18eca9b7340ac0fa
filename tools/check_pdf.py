"""Check the PDF build: it exists, has enough pages, no LaTeX error, no dangling link.

Reads ``_build/latex/gentheory.log`` (the XeLaTeX log of the last pass): any
line starting with ``!`` is a LaTeX error; "Reference/Hyper reference/Citation
`key' on page N undefined" is a link or citation that the PDF prints as "??"
(the log wraps long lines, so they are joined first); "Output written on
gentheory.pdf (N pages" gives the page count. Usage:
``python tools/check_pdf.py [--latex _build/latex] [--min-pages 150]``
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


UNDEFINED = re.compile(
    r"LaTeX Warning: (Hyper reference|Reference|Citation) `(.+?)' on page ?\d+ ?"
    r"undefined"
)


def unresolved(text: str) -> list[str]:
    """Keys of references and citations the log reports as undefined, sorted."""
    joined = text.replace("\n", "")  # TeX wraps log lines at 79 characters
    return sorted({f"{kind.lower()}: {key}" for kind, key in UNDEFINED.findall(joined)})


def inspect_log(text: str) -> tuple[int | None, list[str], list[str]]:
    """Pages written, LaTeX error lines and missing-glyph warnings of a LaTeX log."""
    pages = re.findall(r"Output written on \S+ \((\d+) pages?", text)
    errors = [line for line in text.splitlines() if line.startswith("! ")]
    missing = sorted(set(re.findall(r"Missing character: There is no (\S+)", text)))
    return (int(pages[-1]) if pages else None), errors, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latex", type=Path, default=ROOT / "_build" / "latex")
    parser.add_argument("--min-pages", type=int, default=150)
    args = parser.parse_args(argv)
    pdf, log = args.latex / "gentheory.pdf", args.latex / "gentheory.log"
    if not pdf.is_file() or not log.is_file():
        print(f"no PDF or log under {args.latex}: run make pdf", file=sys.stderr)
        return 1
    text = log.read_text(encoding="utf-8", errors="replace")
    pages, errors, missing = inspect_log(text)
    dangling = unresolved(text)
    print(
        f"{pdf}: {pages} pages, {pdf.stat().st_size / 2**20:.1f} MiB, "
        f"{len(errors)} LaTeX errors, {len(dangling)} unresolved references"
    )
    for key in dangling[:40]:
        print(f"  unresolved {key}")
    if missing:
        print(f"glyphs missing from the fonts (shown blank): {' '.join(missing)}")
    for line in errors[:20]:
        print(f"  {line}")
    ok = pages is not None and pages >= args.min_pages and not errors and not dangling
    if pages is not None and pages < args.min_pages:
        print(f"expected at least {args.min_pages} pages")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
