"""The README's examples run as written."""

import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_doctest_blocks():
    doctests = [b for b in blocks() if b.lstrip().startswith(">>>")]
    assert doctests
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(doctests):
        runner.run(parser.get_doctest(block, {}, f"README[{i}]", str(README), 0))
    assert runner.summarize(verbose=False).failed == 0


def test_readme_script_blocks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scripts = [b for b in blocks() if not b.lstrip().startswith(">>>")]
    assert scripts
    for block in scripts:
        exec(compile(block, str(README), "exec"), {})
    out = capsys.readouterr().out
    assert "hidden1" in out and "accuracy" in out
    assert (tmp_path / "digits.nkm").exists() and (tmp_path / "run.ckpt").exists()


def test_every_test_file_the_guarantees_cite_exists_and_holds_tests():
    text = README.read_text()
    section = text[text.index("## What neuronkit guarantees"):]
    section = section[:section.index("\n## ", 1)]
    cited = sorted(set(re.findall(r"`(tests/test_\w+\.py)`", section)))
    assert len(cited) >= 7
    root = README.parent
    for name in cited:
        path = root / name
        assert path.is_file(), f"the README's guarantees cite {name}, which does not exist"
        assert re.search(r"^def test_", path.read_text(), flags=re.M), f"{name} holds no tests"
