"""docs/rules.md is what tools/rules_page.py makes of SPEC.md and the tests; every rule is tested.

The page is generated and committed; these tests fail when it is stale. The rule IDs below are
made up (QQ-n): a real one here would count as a test naming that rule.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rules_page", ROOT / "tools" / "rules_page.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("rules_page", module)
    spec.loader.exec_module(module)
    return module


gen = load_generator()
needs_spec = pytest.mark.skipif(
    not gen.SPEC.exists(), reason=f"the specification is not at {gen.SPEC}"
)


@needs_spec
def test_the_committed_page_is_what_the_generator_makes_now() -> None:
    committed = gen.PAGE.read_text(encoding="utf-8")
    fresh = gen.generate()
    if committed != fresh:
        diff = difflib.unified_diff(
            committed.splitlines(), fresh.splitlines(), "docs/rules.md", "generated", lineterm=""
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(f"docs/rules.md is stale; regenerate it: {gen.REGENERATE}\n{shown}")


@needs_spec
def test_every_rule_of_the_spec_has_a_test() -> None:
    sections = gen.read_spec()
    assert len(gen.rule_ids(sections)) > 50
    missing = set(gen.untested(sections, gen.find_tests()))
    unplanned = sorted(missing - gen.PLANNED.keys())
    assert not unplanned, f"no test names {', '.join(unplanned)}: name each in a test"
    tested = sorted(gen.PLANNED.keys() - missing)
    assert not tested, f"{', '.join(tested)} now named by a test: take them out of PLANNED"


@needs_spec
def test_a_rule_the_checklist_finds_in_the_test_sources_is_named_by_a_test() -> None:
    """The before-stop checklist counts an ID anywhere in a test file; the page agrees."""
    ids = gen.rule_ids(gen.read_spec())
    text = "\n".join(p.read_text(encoding="utf-8") for p in gen.source_files())
    in_files = {rule for rule in ids if re.search(rf"(?<!\w){re.escape(rule)}(?!\w)", text)}
    named = {rule for rule, tests in gen.tests_by_rule(ids, gen.find_tests()).items() if tests}
    assert in_files <= named


def test_the_page_has_no_python_blocks() -> None:
    """tests/e2e/test_docs.py runs every ```python block of docs/*.md; this page has none."""
    assert not re.search(r"^`{3,}\s*py", gen.PAGE.read_text(encoding="utf-8"), re.M)


def test_the_spec_is_read_with_wrapped_rules_and_invariants(tmp_path: Path) -> None:
    spec = tmp_path / "SPEC.md"
    spec.write_text(
        "# spec\n\n## Glossary\n| a | b |\n\n## QQ - things\n"
        "- **QQ-1** First line\n  and its continuation. [000]\n"
        "- **QQ-2** *(beyond)* Another.\n- an unnumbered remark\n\n"
        "## Invariants that hold\n1. Holds (QQ-2).\n2. Also holds.\n",
        encoding="utf-8",
    )
    sections = gen.read_spec(spec)
    assert [s.title for s in sections] == ["QQ - things", "Invariants that hold"]
    assert [(r.id, r.text) for r in sections[0].rules] == [
        ("QQ-1", "First line and its continuation. [000]"),
        ("QQ-2", "*(beyond)* Another."),
    ]
    assert sections[1].items == ["Holds (QQ-2).", "Also holds."]


def test_a_test_names_a_rule_as_a_word_or_as_a_word_of_its_name(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        '"""QQ-9 in a module docstring names no test."""\n'
        "import pytest\n\n"
        "def helper():\n    return 'QQ-8'\n\n"
        "def test_qq1_qq2_compact():\n    pass\n\n"
        "@pytest.mark.parametrize('x', [pytest.param(1, id='QQ-3 case')])\n"
        "def test_param(x):\n    # QQ-4, QQ-40, not xQQ-6\n    assert 'QQ-50' in 'code'\n\n"
        "class TestQQ7Things:\n"
        '    """QQ-5 for the whole class does not count for each method."""\n\n'
        "    def test_plain(self):\n        pass\n\n"
        "class Machine:\n    @rule()\n    def step(self):\n        'QQ-10 checked here'\n",
        encoding="utf-8",
    )
    found = {t.qualname: (t.line, set(t.names)) for t in gen.find_tests(tmp_path)}
    assert found == {
        "test_qq1_qq2_compact": (7, {"QQ-1", "QQ-2"}),
        "test_param": (11, {"QQ-3", "QQ-4", "QQ-40"}),
        "TestQQ7Things.test_plain": (18, set()),
        "Machine.step": (23, {"QQ-10"}),
    }
