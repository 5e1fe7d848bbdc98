"""docs/worked-examples.md: every ```python block runs as a doctest, outputs compared exactly.

The blocks share one namespace, in page order, as a reader would run them. The page is
outside pytest's doctest collection (only .py files are collected), so this test runs it.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "worked-examples.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(text: str) -> list[tuple[int, str]]:
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def test_every_code_block_in_worked_examples_runs_and_prints_what_it_shows():
    text = DOC.read_text(encoding="utf-8")
    blocks = python_blocks(text)
    assert len(blocks) >= 6
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    globs: dict = {}
    for line, source in blocks:
        test = parser.get_doctest(source, globs, f"{DOC.name}:{line}", str(DOC), line)
        assert test.examples, f"the block at line {line} has no >>> examples, so nothing of it is checked"
        runner.run(test, out=report.append, clear_globs=False)
        globs = test.globs  # the next block continues the session
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(report)
    assert results.attempted >= 25


@pytest.mark.parametrize(
    "statement",
    [
        "0.00001 × 80 = 0.0008",  # where the text's arithmetic slips
        "**0.8008**, not 0.808",
        "z = **1.8008**, not 1.808",
        "σ(1.808) = **0.8591**, not 0.71",
        "σ(1.8008) = **0.8582**",
        "0.71 matches neither",
        "ŷ = f(z) = wᵀx + b, which drops f",
        "= 0.4 + 0.18 = 0.58",  # example (a), as the seed writes it
    ],
)
def test_worked_examples_page_states_the_findings(statement):
    assert statement in DOC.read_text(encoding="utf-8")
