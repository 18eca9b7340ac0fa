"""The ledger of checked claims: each theorem and identity, and the cell checking it.

Built from metadata on the checking cells, never from a hand-kept list. A code
cell that checks a claim carries::

    "checks": {
      "claims": ["thm-tweedie"],
      "compares": "closed-form score vs autograd of log p, float64, to 1e-10",
      "wrong": "the score with sigma in place of sigma^2 fails the same check",
      "identities": {
        "id-elbo": {"name": "The ELBO identity",
                    "statement": "$\\\\log p(x) = \\\\ELBO(x) + \\\\KL(q \\\\| p)$"}
      }
    }

* ``claims`` (required): labels of what the cell checks: the ``:label:`` of a
  ``prf:theorem``, ``prf:lemma``, ``prf:proposition`` or ``prf:corollary`` stated
  in a chapter or the appendix, or an identity label (``id-...``);
* ``compares`` (required): what the check compares (closed form vs autograd,
  Monte Carlo within k standard errors, a bound vs a simulation, ...);
* ``wrong`` (optional): the wrong version the cell shows failing the same
  check; leave it out when the cell shows none;
* ``identities`` (optional): displayed identities the book checks but does not
  state as a ``prf:`` claim, defined here once (label, short name and the
  statement in MyST math); each must also be in some cell's ``claims``.

The ledger page (``appendix/ledger``) and the totals on the intro page are
generated from this at build time by ``_ext/claim_ledger.py``; each checking
cell gets the anchor ``check-<notebook>-<cell id>``. The status column reads
``benchmarks/results/robustness.json`` (``make robustness``).

Usage::

    python tools/make_ledger.py [--root .] [--check] [--markdown]

prints the totals and every problem (a stated claim no cell checks, a checking
cell with no ``assert``, a label that resolves to nothing, malformed metadata);
the exit status is 1 when there is a problem.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: The ``prf:`` kinds that state a claim needing a check.
CLAIM_KINDS = ("theorem", "lemma", "proposition", "corollary")
KEY = "checks"
IDENTITY_LABEL = re.compile(r"id-[a-z0-9]+(-[a-z0-9]+)*")
ROBUSTNESS = Path("benchmarks") / "results" / "robustness.json"
_OPEN = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{prf:(?P<kind>[a-z]+)\}[ \t]*(?P<title>.*)$"
)
_OPTION = re.compile(r"^:(?P<key>[a-z_-]+):[ \t]*(?P<value>.*)$")


@dataclass(frozen=True)
class Claim:
    """A stated claim: a ``prf:`` theorem-like directive, or an identity.

    Attributes
    ----------
    label : str
        Its label (``:label:`` or the identity's ``id-...``); ``""`` when the
        directive has none.
    kind : str
        ``theorem``, ``lemma``, ``proposition``, ``corollary`` or ``identity``.
    title : str
        The directive's title, or the identity's name.
    docname : str
        The page that states it, e.g. ``chapters/07_diffusion``.
    cell_id : str
        The cell that states it (for an identity: the cell that defines it).
    statement : str
        An identity's statement (MyST math); ``""`` for ``prf:`` claims.
    """

    label: str
    kind: str
    title: str
    docname: str
    cell_id: str
    statement: str = ""


@dataclass(frozen=True)
class Check:
    """A checking cell and what its metadata says it checks.

    Attributes
    ----------
    docname, cell_id : str
        Where it is.
    code_index : int
        Its position among the notebook's code cells, from 0: nbval's
        ``Cell N``, as the robustness sweep reports failures.
    claims : tuple of str
        The labels it checks.
    compares : str
        What the check compares.
    wrong : str
        The wrong version shown failing ("" for none).
    has_assert : bool
        Whether its code has an ``assert`` statement.
    """

    docname: str
    cell_id: str
    code_index: int
    claims: tuple[str, ...]
    compares: str
    wrong: str
    has_assert: bool

    @property
    def anchor(self) -> str:
        """The label of the cell's anchor (``check-<notebook>-<cell id>``)."""
        return anchor(self.docname, self.cell_id)


@dataclass
class Ledger:
    """Everything the ledger page shows, and the problems found on the way."""

    claims: dict[str, Claim] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    unlabelled: list[Claim] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def checks_of(self, label: str) -> list[Check]:
        """The cells that check ``label``, in reading order."""
        return [c for c in self.checks if label in c.claims]

    def totals(self) -> tuple[int, int]:
        """``(claims, claims with a wrong version shown failing)``."""
        wrong = sum(
            any(c.wrong for c in self.checks_of(label)) for label in self.claims
        )
        return len(self.claims), wrong


def anchor(docname: str, cell_id: str) -> str:
    """The label of a checking cell: ``check-<notebook stem>-<cell id>``."""
    return f"check-{docname.rsplit('/', 1)[-1]}-{cell_id}".lower()


def _source(cell: dict) -> str:
    value = cell.get("source", "")
    return "".join(value) if isinstance(value, list) else str(value)


def stated_claims(text: str) -> list[tuple[str, str, str]]:
    """``(kind, label, title)`` of each theorem-like ``prf:`` directive in ``text``.

    ``label`` is ``""`` when the directive has no ``:label:`` option. Both
    backtick and colon fences are recognised; kinds other than
    :data:`CLAIM_KINDS` (definitions, proofs, ...) are skipped.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    found = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        opening = _OPEN.match(line.strip())
        if not opening or opening["kind"] not in CLAIM_KINDS:
            continue
        label = ""
        for option in lines[i + 1 :]:
            match = _OPTION.match(option.strip())
            if not match:
                break
            if match["key"] == "label":
                label = match["value"].strip()
        found.append((opening["kind"], label, opening["title"].strip()))
    return found


def _has_assert(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython magics: fall back on the text
        return re.search(r"^\s*assert\b", code, re.MULTILINE) is not None
    return any(isinstance(node, ast.Assert) for node in ast.walk(tree))


def _text(value, name: str, where: str, problems: list[str], required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: checks.{name} must be a non-empty string")
        return ""
    return " ".join(value.split())


def read_notebook(notebook: dict, docname: str, ledger: Ledger) -> None:
    """Add a notebook's stated claims, identities and checking cells to ``ledger``."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError(f"{docname}: notebook must be a dict with a list of cells")
    code_index = -1
    for cell in notebook["cells"]:
        cell_id = str(cell.get("id", ""))
        where = f"{docname}, cell {cell_id}"
        if cell.get("cell_type") == "markdown":
            for kind, label, title in stated_claims(_source(cell)):
                claim = Claim(label, kind, title, docname, cell_id)
                if not label:
                    ledger.unlabelled.append(claim)
                elif label in ledger.claims:
                    ledger.problems.append(f"{where}: claim label {label} stated twice")
                else:
                    ledger.claims[label] = claim
            continue
        if cell.get("cell_type") != "code":
            continue
        code_index += 1
        spec = cell.get("metadata", {}).get(KEY)
        if spec is None:
            continue
        if not isinstance(spec, dict):
            ledger.problems.append(f"{where}: metadata '{KEY}' must be an object")
            continue
        unknown = set(spec) - {"claims", "compares", "wrong", "identities"}
        if unknown:
            ledger.problems.append(f"{where}: unknown keys {sorted(unknown)} in checks")
        claims = spec.get("claims")
        if (
            not isinstance(claims, list)
            or not claims
            or not all(isinstance(c, str) and c for c in claims)
        ):
            ledger.problems.append(f"{where}: checks.claims must be a list of labels")
            claims = []
        identities = spec.get("identities", {})
        if not isinstance(identities, dict):
            ledger.problems.append(f"{where}: checks.identities must be an object")
            identities = {}
        for label, entry in identities.items():
            ok = (
                IDENTITY_LABEL.fullmatch(label)
                and isinstance(entry, dict)
                and set(entry) == {"name", "statement"}
                and all(isinstance(v, str) and v.strip() for v in entry.values())
            )
            if not ok:
                ledger.problems.append(
                    f"{where}: identity {label!r} must be labelled id-... and give "
                    "a non-empty name and statement"
                )
            elif label in ledger.claims:
                ledger.problems.append(f"{where}: claim label {label} defined twice")
            else:
                ledger.claims[label] = Claim(
                    label,
                    "identity",
                    " ".join(entry["name"].split()),
                    docname,
                    cell_id,
                    statement=" ".join(entry["statement"].split()),
                )
        ledger.checks.append(
            Check(
                docname=docname,
                cell_id=cell_id,
                code_index=code_index,
                claims=tuple(claims),
                compares=_text(
                    spec.get("compares"), "compares", where, ledger.problems, True
                ),
                wrong=_text(spec.get("wrong"), "wrong", where, ledger.problems, False),
                has_assert=_has_assert(_source(cell)),
            )
        )


def validate(ledger: Ledger) -> list[str]:
    """Every problem: the reading's, then unchecked, unresolved and assert-less."""
    problems = list(ledger.problems)
    for claim in ledger.unlabelled:
        problems.append(
            f"{claim.docname}, cell {claim.cell_id}: prf:{claim.kind} "
            f"{claim.title!r} has no :label:, so no cell can say it checks it"
        )
    for check in ledger.checks:
        where = f"{check.docname}, cell {check.cell_id}"
        if not check.has_assert:
            problems.append(f"{where}: a checking cell without an assert")
        for label in check.claims:
            if label not in ledger.claims:
                problems.append(
                    f"{where}: checks.claims names {label}, which no page states"
                )
    for label, claim in ledger.claims.items():
        if not ledger.checks_of(label):
            what = f"prf:{claim.kind}" if claim.kind != "identity" else "identity"
            problems.append(
                f"{claim.docname}, cell {claim.cell_id}: {what} {label} "
                f"({claim.title}) has no checking cell"
            )
    return problems


def notebooks(root: Path) -> dict[str, Path]:
    """``{docname: path}`` of the book's notebooks: chapters, then appendix."""
    root = Path(root)
    paths = sorted((root / "chapters").glob("*.ipynb")) + sorted(
        (root / "appendix").glob("*.ipynb")
    )
    return {p.relative_to(root).with_suffix("").as_posix(): p for p in paths}


def build(root: Path) -> Ledger:
    """Read every notebook under ``root`` into a :class:`Ledger`."""
    ledger = Ledger()
    for docname, path in notebooks(root).items():
        read_notebook(json.loads(path.read_text(encoding="utf-8")), docname, ledger)
    return ledger


# --- robustness --------------------------------------------------------------


def load_robustness(path: Path) -> dict | None:
    """The sweep's record, or ``None`` when the file is absent.

    Raises
    ------
    ValueError
        If the file exists but is not a record with a list of runs.
    """
    path = Path(path)
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    runs = record.get("runs") if isinstance(record, dict) else None
    if not isinstance(runs, list) or not all(
        isinstance(r, dict) and {"notebook", "config", "passed"} <= set(r) for r in runs
    ):
        raise ValueError(f"{path}: expected {{'runs': [{{notebook, config, passed}}]}}")
    return record


def status(checks: list[Check], record: dict | None) -> str:
    """A claim's line in the status column, from the latest robustness sweep.

    A run counts against the claim when nbval reported one of its checking
    cells (``Cell N``) failing; a failed run that names no cell (a time-out, a
    crash) is reported as such.
    """
    if record is None:
        return f"no sweep on record ({ROBUSTNESS.as_posix()} is absent)"
    if not checks:
        return "not checked"
    runs = [r for r in record["runs"] if r["notebook"] == _stem(checks[0].docname)]
    if not runs:
        return "not in the sweep"
    cells = {c.code_index for c in checks}
    failed, unknown = [], []
    for run in runs:
        if run["passed"]:
            continue
        named = {
            int(n) for n in re.findall(r"Cell (\d+)", str(run.get("failed_cells")))
        }
        if named & cells:
            failed.append(run["config"])
        elif not named:
            unknown.append(run["config"])
    if failed:
        return f"**failed** in {len(failed)} of {len(runs)} runs ({'; '.join(failed)})"
    if unknown:
        return (
            f"passed in {len(runs) - len(unknown)} of {len(runs)} runs; "
            f"{len(unknown)} ended without a cell result ({'; '.join(unknown)})"
        )
    return f"passed in all {len(runs)} runs"


def _stem(docname: str) -> str:
    return docname.rsplit("/", 1)[-1]


# --- the page ----------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def page_markdown(ledger: Ledger, record: dict | None, titles: dict[str, str]) -> str:
    """The MyST body of the ledger page: one table per notebook.

    Parameters
    ----------
    ledger : Ledger
        As :func:`build` returns it.
    record : dict or None
        The robustness sweep (:func:`load_robustness`).
    titles : dict
        ``{docname: title}`` for the section headings (docname if missing).
    """
    n, wrong = ledger.totals()
    sweep = (
        f"the robustness sweep of {record.get('date', 'unknown date')} "
        f"({len(record['runs'])} runs; `make robustness`)"
        if record is not None
        else f"the robustness sweep: none on record ({ROBUSTNESS.as_posix()} is absent)"
    )
    lines = [
        f"**{n} claims**, {wrong} of them with a wrong version shown failing the "
        f"same check. Status: {sweep}.",
        "",
    ]
    by_doc: dict[str, list[Claim]] = {}
    for claim in ledger.claims.values():
        by_doc.setdefault(claim.docname, []).append(claim)
    order = {docname: i for i, docname in enumerate(titles)}
    for docname in sorted(by_doc, key=lambda d: (order.get(d, len(order)), d)):
        lines += [
            f"## {_cell(titles.get(docname, docname))}",
            "",
            "| claim | checked by | what the check compares | wrong version shown "
            "failing | robustness sweep |",
            "|---|---|---|---|---|",
        ]
        for claim in by_doc[docname]:
            checks = ledger.checks_of(claim.label)
            if claim.kind == "identity":
                shown = (
                    f"{{ref}}`{_cell(claim.title)} <{claim.label}>`: {claim.statement}"
                )
            else:
                title = f"{_cell(claim.title)} <{claim.label}>"
                shown = f"{claim.kind.capitalize()}: {{prf:ref}}`{title}`"
            cells = "<br>".join(
                f"{{ref}}`cell {c.code_index} <{c.anchor}>`"
                + ("" if c.docname == claim.docname else f" ({_stem(c.docname)})")
                for c in checks
            )
            compares = "<br>".join(_cell(c.compares) for c in checks)
            wrong = "<br>".join(_cell(c.wrong) for c in checks if c.wrong) or "none"
            lines.append(
                f"| {_cell(shown)} | {cells or '**no checking cell**'} | "
                f"{compares} | {wrong} | {status(checks, record)} |"
            )
        lines.append("")
    return "\n".join(lines)


def totals_markdown(ledger: Ledger, page: str = "/appendix/ledger") -> str:
    """The sentence on the intro page, with the totals."""
    n, wrong = ledger.totals()
    return (
        f"The {{doc}}`ledger of claims <{page}>` lists every theorem, lemma and "
        f"checked identity, **{n} claims**, with the cell that checks each; "
        f"**{wrong}** of them also show a wrong version failing the same check."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--check", action="store_true", help="exit 1 on a problem")
    parser.add_argument(
        "--markdown", action="store_true", help="print the page's table (MyST)"
    )
    args = parser.parse_args(argv)
    ledger = build(args.root)
    problems = validate(ledger)
    if args.markdown:
        record = load_robustness(args.root / ROBUSTNESS)
        print(page_markdown(ledger, record, {d: d for d in notebooks(args.root)}))
    n, wrong = ledger.totals()
    print(
        f"{n} claims, {wrong} with a wrong version shown failing, "
        f"{len(ledger.checks)} checking cells"
    )
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
