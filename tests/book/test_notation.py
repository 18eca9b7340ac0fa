"""Notation: every macro is defined once and listed, and every macro used is defined.

Book macros are defined in _config.yml and listed on the notation page; no chapter
or page may use a macro that is not defined.

MathJax's own commands that the book uses are listed in ``STANDARD``. A new
command in a formula fails this test until it is either defined as a book macro
(``_config.yml`` and notation.md) or, if it is a command MathJax already knows,
added to ``STANDARD``.
"""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from conftest import ROOT

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
MACROS = set(CONFIG["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"])

# TeX and AMS commands MathJax defines, as used in the book.
STANDARD = set(
    """
Big Bigg Delta Gamma Lambda Omega Phi Pi Psi Sigma Theta Vert approx arctan begin
beta big bigg binom cdot cdots circ cos cup cap delta det dots ell end epsilon eta
exists exp forall frac gamma ge geq hat iff in inf infty int lVert lambda langle
rangle le leq left right leftarrow ll ln log mapsto mathbb mathbf mathcal mathrm max
mid min mu nabla ne neq nu odot omega operatorname partial phi pi pm prod propto psi
qquad quad rVert rho rm sigma sim sin sqrt subset subseteq sum sup tan tanh tau text
textstyle tfrac dfrac theta tilde times to top underbrace varepsilon varphi vert xi
zeta overline bar widehat mathsf displaystyle limits lvert rvert lceil rceil lfloor
rfloor kappa chi alpha dot
""".split()
)

MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


def sources():
    pages = sorted(ROOT.glob("chapters/*.ipynb")) + sorted(
        ROOT.glob("appendix/*.ipynb")
    )
    for path in pages:
        nb = nbformat.read(path, as_version=4)
        # The first cell is the generated macro cell itself.
        yield (
            path.relative_to(ROOT),
            "\n".join(c.source for c in nb.cells[1:] if c.cell_type == "markdown"),
        )
    for path in sorted(ROOT.glob("*.md")):
        if path.name not in ("README.md", "CONTRIBUTING.md"):
            yield path.relative_to(ROOT), path.read_text(encoding="utf-8")


def commands(text: str) -> set[str]:
    found = set()
    for groups in MATH.findall(text):
        formula = next(g for g in groups if g)
        found |= set(re.findall(r"\\([A-Za-z]+)", formula))
    return found


SOURCES = list(sources())


@pytest.mark.parametrize(("path", "text"), SOURCES, ids=[str(p) for p, _ in SOURCES])
def test_every_macro_used_is_defined(path, text):
    unknown = commands(text) - MACROS - STANDARD
    assert not unknown, (
        f"{path} uses {sorted(unknown)}: define each in _config.yml "
        "(mathjax3_config macros) and notation.md, or add it to STANDARD if "
        "MathJax defines it"
    )


def test_book_macros_do_not_shadow_standard_commands():
    assert not MACROS & STANDARD


def test_notation_page_lists_every_macro():
    text = (ROOT / "notation.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `\\(\w+)` \|", text, re.M))
    assert listed == MACROS, (
        f"notation.md lists {sorted(listed)}, _config.yml defines {sorted(MACROS)}"
    )


def test_the_check_catches_an_undefined_macro():
    assert commands(r"text $\E[\Ent(x)]$ and $$\frac{1}{2}$$") == {"E", "Ent", "frac"}
    assert commands(r"\(\KL\) and \[\Foo\]") == {"KL", "Foo"}
    assert commands(r"no math here, \notmath") == set()


def test_every_macro_defined_is_used():
    pages = [text for path, text in SOURCES if str(path) != "notation.md"]
    unused = MACROS - set().union(*map(commands, pages))
    assert not unused, f"macros defined but used on no page: {sorted(unused)}"


# Symbols whose meaning notation.md fixes, and the forms that gave them another
# meaning before (each rule: pattern, what to write instead).
RETIRED = [
    (r"s_\{1/2\}", "the half-way batch size is M_{1/2}"),
    (
        r"(?<![\\\w])L\s*=\s*\\log",
        "L is a Lipschitz constant; log(1/(1-gamma)) is \\Lambda",
    ),
    (r"layer of \$p\$|width \$p\$|widths \$p\$", "a width is w; p counts parameters"),
    (r"batches of size\s*\$s\$", "a batch size is M"),
    (r"\$m = \((p|\\mu) ?\+", "m counts samples; an average of two laws is a bar"),
    (r"distance (at least )?\$\\Delta\$", "Delta bounds an output; a gap is r"),
    (r"\\Delta_[nm]", "the probability simplex is \\mathcal P_n"),
    (r"\$n\$-manifold", "the intrinsic dimension is \\dint"),
    (r"\\R\^D\b", "the ambient dimension is d (D is the discriminator)"),
    (r"\\R\^k\b|I_k\b", "the latent dimension is d_z (k counts neighbours)"),
    (r"D\^\* = p/\(p", "chapter 3 writes \\pdata and \\pmodel"),
]


def math_of(text: str) -> str:
    return "\n".join(next(g for g in groups if g) for groups in MATH.findall(text))


@pytest.mark.parametrize(("path", "text"), SOURCES, ids=[str(p) for p, _ in SOURCES])
def test_retired_notation_is_not_used(path, text):
    if str(path) == "notation.md":
        return
    for pattern, instead in RETIRED:
        hit = re.search(pattern, text)
        assert hit is None, f"{path}: {hit.group(0)!r}: {instead}"


@pytest.mark.parametrize(("path", "text"), SOURCES, ids=[str(p) for p, _ in SOURCES])
def test_couplings_are_defined_where_used(path, text):
    if r"\Pi(" in math_of(text):
        assert "coupling" in text, f"{path} uses \\Pi(p, q) without defining couplings"


def test_the_notation_rules_catch_old_forms():
    old = [
        r"at its estimated $s_{1/2}$",
        r"Write $L = \log\frac{1}{1-\gamma}$",
        r"one hidden layer of $p$ ReLU units",
        r"Draw batches of size $s$",
        r"with $m = (p+q)/2$, and $m = (\mu+\nu)/2$",
        r"sets at distance at least $\Delta$ from each other",
        r"row strategy $p \in \Delta_n$",
        r"$n$-manifold",
        r"samples $x_1, \dots, x_n \in \R^D$",
        r"a code $z \in \R^k$",
        r"$D^* = p/(p+q)$",
    ]
    for line, (pattern, _) in zip(old, RETIRED, strict=True):
        assert re.search(pattern, line), (pattern, line)
    assert re.search(RETIRED[1][0], r"$\Lip = L = 3$") is None
