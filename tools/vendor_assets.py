"""Copy the book's pinned JavaScript from web/node_modules into _webassets/.

`make book` runs `npm ci --prefix web` (versions pinned in web/package.json and
web/package-lock.json) and then this script. The Sphinx extension
_ext/offline_assets.py serves _webassets/ with the book when it is complete,
so the built HTML needs no network: MathJax (formulas), require.js and the
Jupyter widget manager (sliders and dropdowns).

Usage: python tools/vendor_assets.py [--check]
  --check  only report whether _webassets/ is complete (exit 1 if not).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "web" / "node_modules"
DEST = ROOT / "_webassets"

# (source under node_modules, destination under _webassets); directories are
# copied whole.
COPIES = [
    ("mathjax/es5/tex-mml-chtml.js", "mathjax/tex-mml-chtml.js"),
    ("mathjax/es5/input", "mathjax/input"),  # TeX extensions loaded on demand
    ("mathjax/es5/output/chtml", "mathjax/output/chtml"),  # fonts of the HTML output
    ("mathjax/es5/a11y", "mathjax/a11y"),  # assistive MathML and the explorer
    ("mathjax/es5/ui", "mathjax/ui"),  # the right-click menu
    (
        "mathjax/es5/sre",
        "mathjax/sre",
    ),  # speech rules used by the menu's accessibility options
    ("requirejs/require.js", "requirejs/require.js"),
    ("@jupyter-widgets/html-manager/dist", "html-manager"),
]
SKIP = {".map"}
# Our own glue between require.js, the widget manager and MathJax 3 (see the file).
SHIM = ROOT / "web" / "widgets-offline.js"
# What the extension needs to switch the book to local assets: one list, kept there.
sys.path.insert(0, str(ROOT / "_ext"))
from offline_assets import REQUIRED  # noqa: E402


def complete(dest: Path = DEST) -> bool:
    return all((dest / rel).is_file() for rel in REQUIRED)


def main(argv: list[str]) -> int:
    if "--check" in argv:
        ok = complete()
        print(
            "_webassets/ is complete" if ok else "_webassets/ is missing or incomplete"
        )
        return 0 if ok else 1
    if not MODULES.is_dir():
        print(
            "web/node_modules not found: run `npm ci --prefix web` first",
            file=sys.stderr,
        )
        return 1
    if DEST.exists():
        shutil.rmtree(DEST)
    for src_rel, dst_rel in COPIES:
        src, dst = MODULES / src_rel, DEST / dst_rel
        if not src.exists():
            print(f"missing {src}", file=sys.stderr)
            return 1
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(
                src,
                dst,
                ignore=lambda d, names: [n for n in names if Path(n).suffix in SKIP],
            )
        else:
            shutil.copy2(src, dst)
    shutil.copy2(SHIM, DEST / "html-manager" / "widgets-offline.js")
    versions = {
        name: json.loads((MODULES / name / "package.json").read_text())["version"]
        for name in ("mathjax", "requirejs", "@jupyter-widgets/html-manager")
    }
    (DEST / "VERSIONS.json").write_text(json.dumps(versions, indent=1) + "\n")
    size = sum(f.stat().st_size for f in DEST.rglob("*") if f.is_file())
    names = ", ".join(f"{k} {v}" for k, v in versions.items())
    print(f"_webassets/: {size / 2**20:.1f} MiB ({names})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
