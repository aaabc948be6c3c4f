"""Generate docs/rules.md: every SPEC rule, its statement, and links to the tests naming it.

Run it from anywhere after changing SPEC.md or a test:

    .venv/bin/python tools/rules_page.py

``tests/e2e/test_rules_page.py`` fails while the committed page differs from what this
produces, and while a SPEC rule has no test.

A test *names* a rule as SPEC.md asks ("a test name, a docstring or a comment") and as
``../shared/hooks/before-stop`` counts it: the rule ID occurs as a whole word (``RT-7``, as
``grep -w`` matches it) in the test's docstring, in a comment inside it, in its decorators
(``pytest.param(..., id="RT-7 ...")``) or in the name of the class that defines it; or the
test's name spells it compactly as one of its underscore-separated words
(``test_rt7_rt2_offline_owners`` names RT-7 and RT-2). An ID in the test's code (an expected
message, say) does not count, nor does a class or module docstring: it lists what the whole
class or file covers, not what each test proves. The checklist counts an ID anywhere in a
test file; ``tests/e2e/test_rules_page.py`` checks that every rule it finds this way is named by a
test here too. Tests are the ``test*`` functions and methods of ``tests/`` and
``src/carteira/testing/`` (the contract suite), plus the ``@rule``, ``@invariant`` and
``@initialize`` steps of Hypothesis state machines.

The test sources are shown on the site by ``tools/mkdocs_hooks.py``, which adds one page per
module (``tests/service/test_routing.py`` becomes ``tests/test_routing.md``); a link lands on the
line of the test's ``def``.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "SPEC.md"
PAGE = ROOT / "docs" / "rules.md"
TEST_ROOTS = ("tests", "src/carteira/testing")
REGENERATE = ".venv/bin/python tools/rules_page.py"

RULE_LINE = re.compile(r"^- \*\*(?P<id>[A-Z]{2}-\d+)\*\* (?P<text>.*)$")
INVARIANT_LINE = re.compile(r"^(?P<n>\d+)\. (?P<text>.*)$")
# As `grep -w` sees a word: letters, digits and the underscore.
NAMED_ID = re.compile(r"(?<!\w)([A-Z]{2}-\d+)(?!\w)")
COMPACT_ID = re.compile(r"^([a-z]{2})(\d+)$")
STEP_DECORATORS = frozenset({"rule", "invariant", "initialize"})
# Rules the SPEC gained with an issue still open, by the number of the issue that builds
# them: tests/e2e/test_rules_page.py accepts that no test names these yet, and fails once one
# does and the entry stays. Kept out of tests/ so that no test file mentions them untested.
PLANNED: dict[str, int] = {}
# The line anchors pymdownx.highlight writes for the one code block of a source page.
LINE_ANCHOR = "__codelineno-0-{line}"


@dataclass
class Rule:
    """One rule of SPEC.md."""

    id: str
    text: str


@dataclass
class Section:
    """One `##` section of SPEC.md with its rules (or, for the invariants, its items)."""

    title: str
    rules: list[Rule] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Test:
    """One test function, method or state-machine step."""

    path: str  # relative to the repository root, POSIX
    qualname: str
    line: int
    names: frozenset[str]

    @property
    def page(self) -> str:
        """Return the docs-relative URI of the generated page showing this test's module."""
        return source_page(self.path)


def source_page(path: str) -> str:
    """Return the docs-relative URI of the page that shows the source file at *path*."""
    return path.removesuffix(".py") + ".md"


def read_spec(path: Path | None = None) -> list[Section]:
    """Return the sections of SPEC.md (or *path*) that hold rules or the numbered invariants."""
    path = path or SPEC
    sections: list[Section] = []
    current: Section | None = None
    last: Rule | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        if line.startswith("## "):
            current = Section(line[3:].strip())
            sections.append(current)
            last = None
        elif current is None:
            continue
        elif match := RULE_LINE.match(line):
            last = Rule(match["id"], match["text"].strip())
            current.rules.append(last)
        elif match := INVARIANT_LINE.match(line):
            current.items.append(match["text"].strip())
            last = None
        elif last is not None and line.startswith("  ") and line.strip():
            last.text += " " + line.strip()  # a rule wrapped over several lines
        else:
            last = None
    return [s for s in sections if s.rules or (s.items and "nvariant" in s.title)]


def rule_ids(sections: list[Section]) -> list[str]:
    """Return every rule ID of the sections, in SPEC order."""
    return [rule.id for section in sections for rule in section.rules]


def source_files(root: Path = ROOT) -> list[Path]:
    """Return the Python files of the test roots, sorted."""
    return sorted(p for top in TEST_ROOTS for p in (root / top).rglob("*.py"))


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def _is_test(node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> bool:
    if node.name.startswith("test"):
        return True
    return in_class and any(_decorator_name(d) in STEP_DECORATORS for d in node.decorator_list)


def _functions(
    body: list[ast.stmt], prefix: str, context: str
) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str, str]]:
    """Yield each test with its qualified name and the names of its enclosing classes."""
    for node in body:
        if isinstance(node, ast.ClassDef):
            yield from _functions(node.body, f"{prefix}{node.name}.", f"{context}{node.name}\n")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_test(
            node, bool(prefix)
        ):
            yield node, prefix + node.name, context


def named_ids(text: str, name: str) -> set[str]:
    """Return the rule IDs a test's text names as words, and its name names compactly."""
    found = set(NAMED_ID.findall(text))
    for word in name.lower().split("_"):
        if match := COMPACT_ID.match(word):
            found.add(f"{match[1].upper()}-{match[2]}")
    return found


def find_tests(root: Path = ROOT) -> list[Test]:
    """Return every test of the test roots with the rule IDs it names (not yet filtered)."""
    tests = []
    for path in source_files(root):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        comments = _comments(source)
        relative = path.relative_to(root).as_posix()
        for node, qualname, context in _functions(ast.parse(source).body, "", ""):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            last = node.end_lineno or node.lineno
            text = [
                context,
                *lines[first - 1 : node.lineno - 1],  # the decorators
                ast.get_docstring(node) or "",
                *(comments.get(line, "") for line in range(first, last + 1)),
            ]
            names = named_ids("\n".join(text), node.name)
            tests.append(Test(relative, qualname, node.lineno, frozenset(names)))
    return tests


def _comments(source: str) -> dict[int, str]:
    """Return the comment on each line of a Python source that has one."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.start[0]: t.string for t in tokens if t.type == tokenize.COMMENT}


def tests_by_rule(ids: list[str], tests: list[Test]) -> dict[str, list[Test]]:
    """Return, for each rule ID, the tests naming it, in file and line order."""
    found: dict[str, list[Test]] = {rule: [] for rule in ids}
    for test in sorted(tests, key=lambda t: (t.path, t.line)):
        for rule in test.names:
            if rule in found:
                found[rule].append(test)
    return found


def _anchor(rule: str) -> str:
    return rule.lower()


def _link(test: Test, from_docs: str = "") -> str:
    return f"[`{test.qualname}`]({from_docs}{test.page}#{LINE_ANCHOR.format(line=test.line)})"


def _tests_markdown(tests: list[Test]) -> list[str]:
    if not tests:
        return ["No test names this rule yet."]
    out = []
    by_module: dict[str, list[Test]] = {}
    for test in tests:
        by_module.setdefault(test.path, []).append(test)
    for path, module_tests in by_module.items():
        links = ", ".join(_link(t) for t in module_tests)
        out.append(f"- `{path}`: {links}")
    return out


def _rule_refs(text: str, known: set[str]) -> str:
    """Link the rule IDs an invariant mentions to their entries on the page."""
    return NAMED_ID.sub(
        lambda m: f"[{m[1]}](#{_anchor(m[1])})" if m[1] in known else m[1],
        text,
    )


def render(sections: list[Section], tests: list[Test]) -> str:
    """Return the Markdown of docs/rules.md."""
    ids = rule_ids(sections)
    found = tests_by_rule(ids, tests)
    linked = {t for group in found.values() for t in group}
    out = [
        "# Rules and their tests",
        "",
        "<!-- Generated by tools/rules_page.py from ../shared/SPEC.md and the tests: do not",
        f"     edit by hand. Regenerate with `{REGENERATE}`. -->",
        "",
        f"Every rule of the specification, grouped as the specification groups them, with the "
        f"tests that prove it: {len(ids)} rules, {len(linked)} tests. A test proves a rule when "
        "it names the rule's ID in its name (`test_rt7_...`), its docstring, a comment in it, "
        "a parametrize id or its class name. Each link opens the test's source at its `def` line.",
        "",
    ]
    known = set(ids)
    for section in sections:
        out += [f"## {section.title}", ""]
        for rule in section.rules:
            count = len(found[rule.id])
            out += [
                f"### {rule.id} {{#{_anchor(rule.id)}}}",
                "",
                rule.text,
                "",
                f"**Tests ({count})**" if count else "**Tests**",
                "",
                *_tests_markdown(found[rule.id]),
                "",
            ]
        if section.items:
            out += [
                "These hold after every command; the stateful and property-based tests check "
                "them after each step.",
                "",
            ]
            out += [f"{n}. {_rule_refs(item, known)}" for n, item in enumerate(section.items, 1)]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def untested(sections: list[Section], tests: list[Test]) -> list[str]:
    """Return the rule IDs no test names."""
    found = tests_by_rule(rule_ids(sections), tests)
    return [rule for rule, group in found.items() if not group]


def generate(spec: Path | None = None, root: Path = ROOT) -> str:
    """Return the Markdown of docs/rules.md for the SPEC and tests as they are now."""
    return render(read_spec(spec), find_tests(root))


def main() -> int:
    """Write docs/rules.md; report the rules no test names."""
    sections = read_spec()
    tests = find_tests()
    PAGE.write_text(render(sections, tests), encoding="utf-8")
    missing = untested(sections, tests)
    print(f"wrote {PAGE.relative_to(ROOT)}: {len(rule_ids(sections))} rules")
    if missing:
        print("no test names:", " ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
