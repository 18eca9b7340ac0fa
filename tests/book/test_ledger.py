"""The ledger of checked claims (tools/make_ledger.py): the book's claims, and the tool.

The first tests read the chapters: every stated theorem, lemma, proposition or
corollary has a checking cell, every checking cell asserts, every label in the
metadata resolves. The rest test the tool on synthetic notebooks.
"""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, load_tool

ledger_tool = load_tool("make_ledger")


@pytest.fixture(scope="module")
def book_ledger():
    return ledger_tool.build(ROOT)


def _problems(ledger, text: str) -> list[str]:
    return [p for p in ledger_tool.validate(ledger) if text in p]


# --- the book ----------------------------------------------------------------


def test_the_book_states_claims(book_ledger):
    kinds = {c.kind for c in book_ledger.claims.values()}
    assert "theorem" in kinds and "identity" in kinds


def test_every_stated_claim_has_a_checking_cell(book_ledger):
    assert _problems(book_ledger, "has no checking cell") == []


def test_every_theorem_like_directive_has_a_label(book_ledger):
    assert _problems(book_ledger, "has no :label:") == []


def test_every_checking_cell_asserts(book_ledger):
    assert _problems(book_ledger, "without an assert") == []


def test_every_label_in_the_metadata_resolves(book_ledger):
    assert _problems(book_ledger, "which no page states") == []


def test_the_metadata_is_well_formed(book_ledger):
    assert book_ledger.problems == []


def test_the_pages_are_registered_with_their_markers():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert "file: appendix/ledger" in toc
    assert "<!-- claim-ledger -->" in (ROOT / "appendix" / "ledger.md").read_text(
        encoding="utf-8"
    )
    assert "<!-- ledger-totals -->" in (ROOT / "intro.md").read_text(encoding="utf-8")
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert "claim_ledger: _ext" in config


# --- the tool on synthetic notebooks -----------------------------------------


def _md(text: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def _code(text: str, cell_id: str, checks=None) -> dict:
    metadata = {} if checks is None else {"checks": checks}
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": metadata,
        "source": text,
        "outputs": [],
        "execution_count": None,
    }


THEOREM = "```{prf:theorem} Tweedie\n:label: thm-t\n\nStatement.\n```\n"


def _ledger(*cells) -> object:
    ledger = ledger_tool.Ledger()
    ledger_tool.read_notebook({"cells": list(cells)}, "chapters/09_x", ledger)
    return ledger


def test_stated_claims_reads_both_fences_and_skips_other_kinds():
    text = (
        THEOREM
        + "::::{prf:lemma} Small\n:class: dropdown\n:label: lem-s\n\nText\n::::\n"
        + "```{prf:definition} Not a claim\n:label: def-x\n```\n"
        + "```{prf:corollary}\nNo label.\n```\n"
    )
    assert ledger_tool.stated_claims(text) == [
        ("theorem", "thm-t", "Tweedie"),
        ("lemma", "lem-s", "Small"),
        ("corollary", "", ""),
    ]
    with pytest.raises(TypeError):
        ledger_tool.stated_claims(None)


def test_a_checked_theorem_and_identity_make_rows_and_totals():
    ledger = _ledger(
        _md(THEOREM, "m1"),
        _code("x = 1", "c0"),
        _code(
            "assert abs(a - b) < 1e-9",
            "c1",
            {
                "claims": ["thm-t", "id-e"],
                "compares": "closed form vs autograd",
                "wrong": "sigma for sigma^2 fails",
                "identities": {"id-e": {"name": "An identity", "statement": "$a = b$"}},
            },
        ),
        _code("assert True", "c2", {"claims": ["id-e"], "compares": "Monte Carlo"}),
    )
    assert ledger_tool.validate(ledger) == []
    assert ledger.totals() == (2, 2)
    assert [c.code_index for c in ledger.checks] == [1, 2]  # nbval's "Cell N"
    assert ledger.checks[0].anchor == "check-09_x-c1"
    page = ledger_tool.page_markdown(ledger, None, {"chapters/09_x": "Chapter X"})
    assert "{prf:ref}`Tweedie <thm-t>`" in page
    assert "{ref}`An identity <id-e>`: $a = b$" in page
    assert "{ref}`cell 1 <check-09_x-c1>`" in page
    assert "robustness.json is absent" in page
    assert "**2 claims**" in ledger_tool.totals_markdown(ledger)


def test_an_unchecked_theorem_is_a_problem():
    ledger = _ledger(_md(THEOREM, "m1"), _code("assert 1", "c0"))
    assert any(
        "thm-t" in p and "no checking cell" in p for p in ledger_tool.validate(ledger)
    )


def test_an_unlabelled_theorem_is_a_problem():
    ledger = _ledger(_md("```{prf:theorem} T\nBody\n```\n", "m1"))
    assert any("has no :label:" in p for p in ledger_tool.validate(ledger))


def test_a_checking_cell_without_assert_is_a_problem():
    ledger = _ledger(
        _md(THEOREM, "m1"),
        _code(
            "# assert in a comment does not count\nprint(1)",
            "c0",
            {"claims": ["thm-t"], "compares": "nothing"},
        ),
    )
    assert any("without an assert" in p for p in ledger_tool.validate(ledger))


def test_a_label_that_resolves_to_nothing_is_a_problem():
    ledger = _ledger(
        _md(THEOREM, "m1"),
        _code("assert 1", "c0", {"claims": ["thm-t", "thm-typo"], "compares": "x"}),
    )
    problems = ledger_tool.validate(ledger)
    assert any("thm-typo, which no page states" in p for p in problems)


@pytest.mark.parametrize(
    ("checks", "message"),
    [
        ("thm-t", "must be an object"),
        ({"claims": [], "compares": "x"}, "checks.claims must be a list"),
        ({"claims": "thm-t", "compares": "x"}, "checks.claims must be a list"),
        ({"claims": ["thm-t"]}, "checks.compares must be a non-empty string"),
        ({"claims": ["thm-t"], "compares": " "}, "checks.compares must be"),
        ({"claims": ["thm-t"], "compares": "x", "wrong": 3}, "checks.wrong must be"),
        ({"claims": ["thm-t"], "compares": "x", "note": "?"}, "unknown keys"),
        (
            {"claims": ["thm-t"], "compares": "x", "identities": {"eq-1": {}}},
            "must be labelled id-",
        ),
        (
            {"claims": ["thm-t"], "compares": "x", "identities": ["id-a"]},
            "checks.identities must be an object",
        ),
    ],
)
def test_malformed_metadata_is_a_problem(checks, message):
    ledger = _ledger(_md(THEOREM, "m1"), _code("assert 1", "c0", checks))
    assert any(message in p for p in ledger_tool.validate(ledger)), ledger.problems


def test_a_label_stated_or_defined_twice_is_a_problem():
    ledger = _ledger(_md(THEOREM + THEOREM, "m1"))
    assert any("stated twice" in p for p in ledger.problems)
    spec = {
        "claims": ["id-a"],
        "compares": "x",
        "identities": {"id-a": {"name": "A", "statement": "$a$"}},
    }
    ledger = _ledger(_code("assert 1", "c0", spec), _code("assert 1", "c1", spec))
    assert any("defined twice" in p for p in ledger.problems)


def test_read_notebook_rejects_a_non_notebook():
    with pytest.raises(TypeError, match="list of cells"):
        ledger_tool.read_notebook({"cells": None}, "x", ledger_tool.Ledger())


# --- the robustness column ---------------------------------------------------


def _check(index: int):
    return ledger_tool.Check("chapters/09_x", "c", index, ("thm-t",), "x", "", True)


def _record(*runs):
    return {
        "date": "2026-12-01",
        "runs": [
            {"notebook": "09_x", "config": f"cfg {i}", "passed": p, "failed_cells": f}
            for i, (p, f) in enumerate(runs)
        ],
    }


def test_status_reads_the_sweep():
    status = ledger_tool.status
    assert "absent" in status([_check(3)], None)
    assert status([], _record()) == "not checked"
    assert status([_check(3)], {"runs": []}) == "not in the sweep"
    assert (
        status([_check(3)], _record((True, ""), (True, ""))) == "passed in all 2 runs"
    )
    failed = status([_check(3)], _record((True, ""), (False, "Cell 3, Cell 7")))
    assert failed == "**failed** in 1 of 2 runs (cfg 1)"
    # a failure at another cell does not count against this claim
    assert status([_check(3)], _record((False, "Cell 13"))) == "passed in all 1 runs"
    crashed = status([_check(3)], _record((False, "Timeout after 600 s")))
    assert "1 ended without a cell result (cfg 0)" in crashed


def test_load_robustness(tmp_path):
    assert ledger_tool.load_robustness(tmp_path / "missing.json") is None
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_record((True, ""))), encoding="utf-8")
    assert ledger_tool.load_robustness(good)["runs"][0]["notebook"] == "09_x"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"runs": [{"notebook": "x"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="expected"):
        ledger_tool.load_robustness(bad)


def test_main_exits_1_on_a_problem_with_check(tmp_path, capsys):
    (tmp_path / "chapters").mkdir()
    notebook = {"cells": [_md(THEOREM, "m1")], "metadata": {}}
    (tmp_path / "chapters" / "09_x.ipynb").write_text(json.dumps(notebook))
    assert ledger_tool.main(["--root", str(tmp_path), "--check"]) == 1
    assert "thm-t" in capsys.readouterr().out
    assert ledger_tool.main(["--root", str(tmp_path)]) == 0
