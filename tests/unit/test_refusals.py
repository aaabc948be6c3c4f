"""Every refusal has one named constructor in ``carteira.domain.refusals`` (ER-1, issue 17).

Each constructor declares its code, class and rule once; it builds exactly those, and the
table of docs/errors.md is generated from the same declarations (``tools/errors_page.py``),
so these tests fail when the page is stale or a raise site builds its code by hand.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import re
import sys
import typing
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from types import ModuleType, UnionType

import pytest

from carteira.domain import refusals
from carteira.domain.errors import CarteiraError, StorageError
from carteira.domain.permissions import Permission


def _root() -> Path:
    """The repository's root, wherever in tests/ this file stands."""
    return next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())


ROOT = _root()
SOURCE = ROOT / "src" / "carteira"
# Where an error code may be written as a literal: the declarations, and the classes'
# defaults in the error tree.
DECLARED = {"domain/refusals.py", "domain/errors.py"}
# Literal codes left for now, by the file and the reason; a test fails once one goes, so
# that the entry goes too.
PENDING: dict[str, str] = {}
CODE_LITERAL = re.compile(r"""\bcode=f?["']""")
RULE_ID = re.compile(r"[A-Z]{2}-\d+")


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("errors_page", ROOT / "tools" / "errors_page.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("errors_page", module)
    spec.loader.exec_module(module)
    return module


gen = load_generator()

CONSTRUCTORS = [e for e in refusals.registered() if isinstance(e, refusals.Refusal)]
LISTED = [e for e in refusals.registered() if not isinstance(e, refusals.Refusal)]


def _sample(name: str, hint: object) -> object:
    """Return an argument of type ``hint``: a string is the parameter's own name."""
    origin = typing.get_origin(hint)
    if isinstance(hint, UnionType) or origin is typing.Union:
        return _sample(name, next(a for a in typing.get_args(hint) if a is not type(None)))
    if hint is Permission:
        return Permission.VIEW_ALL
    if origin in (Collection, frozenset) and typing.get_args(hint) == (Permission,):
        return frozenset({Permission.VIEW_ALL, Permission.MANAGE_MANAGERS})
    if origin in (Mapping, dict):
        return {"first": "First", "second": "Second"}
    if origin in (Sequence, list, tuple):
        return ["first", "second"]
    samples: dict[object, object] = {str: name, int: 3, bool: True, object: name}
    return samples[hint]


def _calls(
    entry: refusals.Refusal[..., CarteiraError],
) -> list[tuple[str | None, dict[str, object]]]:
    """Return, for each rule the constructor is declared under, arguments to build it."""
    hints = typing.get_type_hints(entry.said)
    arguments = {n: _sample(n, h) for n, h in hints.items() if n not in {"return", "rule"}}
    if not entry.takes_rule:
        return [(entry.rule, arguments)]
    rules = [r for row in entry.rows if row.rule for r in row.rule.split(", ")]
    return [(rule, {**arguments, "rule": rule}) for rule in rules]


@pytest.mark.parametrize("entry", CONSTRUCTORS, ids=lambda e: e.__name__)
def test_a_constructor_builds_its_declared_class_code_and_rule(
    entry: refusals.Refusal[..., CarteiraError],
) -> None:
    for rule, arguments in _calls(entry):
        error = entry(**arguments)
        fields = {field: str(arguments[field]) for field in re.findall(r"\{(\w+)\}", entry.code)}
        assert type(error) is entry.built
        assert (error.code, error.rule) == (entry.code.format_map(fields), rule)
        assert error.message
        assert str(error) == (f"{error.message} [{rule}]" if rule else error.message)


@pytest.mark.parametrize("entry", CONSTRUCTORS, ids=lambda e: e.__name__)
def test_a_constructor_says_when_it_is_raised_under_well_formed_rules(
    entry: refusals.Refusal[..., CarteiraError],
) -> None:
    assert entry.__doc__
    assert "Raised when " in entry.__doc__
    assert entry.rows
    for row in entry.rows:
        assert row.when.strip()
        assert row.rule is None or all(RULE_ID.fullmatch(r) for r in row.rule.split(", "))
    assert entry.takes_rule == ("rule" in typing.get_type_hints(entry.said))


def test_the_constructors_keep_the_message_details_and_rule_they_replaced() -> None:
    error = refusals.illegal_transition("t1", "new", "done", ["triage"])
    assert (type(error).__name__, error.code, error.rule) == (
        "RuleViolation",
        "illegal_transition",
        "TK-2",
    )
    assert error.message == "ticket 't1' cannot move from 'new' to 'done'"
    assert dict(error.details) == {
        "ticket": "t1",
        "from": "new",
        "to": "done",
        "allowed": ["triage"],
    }
    taken = refusals.unique_key_taken("portfolio", "rio", "name", "sp")
    assert (taken.code, taken.rule, dict(taken.details)) == (
        "portfolio_name_taken",
        None,
        {"index": "name", "holder": "sp"},
    )
    tenant = refusals.tenant_not_found("acme", "x.db")
    assert (tenant.kind, tenant.record_id, tenant.code) == ("tenant", "acme", "tenant_not_found")
    name = refusals.name_too_long("$.name", 130, 128)
    assert [(e.path, e.message) for e in name.errors] == [
        ("$.name", "has 130 characters, at most 128")
    ]


@pytest.mark.parametrize("entry", LISTED, ids=lambda e: e.code)
def test_a_listed_code_is_what_its_class_builds(entry: refusals.Listed) -> None:
    """Codes built by their class: the class exists where hosts import it, with that code."""
    if entry is refusals.READ_ONLY:
        error = StorageError.read_only()
        assert (error.code, error.rule) == (entry.code, entry.rows[0].rule)
        return
    if isinstance(entry.error, str):
        cls = getattr(importlib.import_module("carteira.spreadsheets"), entry.error)
    else:
        cls = entry.error
    if cls.default_code != entry.code:  # given to SpreadsheetError by name: cannot_write...
        assert cls.__name__ == "SpreadsheetError"
    assert all(row.when.strip() for row in entry.rows)


def test_the_rows_carry_codes_in_snake_case() -> None:
    for entry in refusals.registered():
        assert re.fullmatch(r"[a-z_{}]+", entry.code), entry


def test_no_error_code_is_written_by_hand_outside_the_declarations() -> None:
    """Raise sites call a constructor of ``carteira.domain.refusals``: no ``code="..."``."""
    found: dict[str, list[int]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        name = path.relative_to(SOURCE).as_posix()
        if name in DECLARED:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        hits = [n for n, line in enumerate(lines, 1) if CODE_LITERAL.search(line)]
        if hits:
            found[name] = hits
    assert sorted(found.keys() - PENDING.keys()) == []
    done = sorted(PENDING.keys() - found.keys())
    assert done == [], f"{', '.join(done)} now build no code by hand: take them out of PENDING"


def test_the_committed_errors_page_is_what_the_generator_makes_now() -> None:
    committed = gen.PAGE.read_text(encoding="utf-8")
    fresh = gen.generate()
    if committed != fresh:
        diff = difflib.unified_diff(
            committed.splitlines(), fresh.splitlines(), "docs/errors.md", "generated", lineterm=""
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(f"docs/errors.md is stale; regenerate it: {gen.REGENERATE}\n{shown}")


def test_the_generator_writes_only_between_its_markers() -> None:
    page = f"# Errors\n\nbefore\n\n{gen.BEGIN}\n| old |\n{gen.END}\n\nafter\n"
    fresh = gen.generate(page)
    assert fresh.startswith(f"# Errors\n\nbefore\n\n{gen.BEGIN}\n| code | class | rule |")
    assert fresh.endswith(f"|\n{gen.END}\n\nafter\n")
    assert "| old |" not in fresh
    assert "| `<kind>_exists` | `Conflict` | — |" in fresh
    with pytest.raises(ValueError, match="markers"):
        gen.generate("# Errors\n\nno table here\n")


def test_a_row_shows_docstring_code_as_markdown() -> None:
    assert gen.markdown('the ``details["allowed"]`` list.') == 'the `details["allowed"]` list'
    assert gen.shown_code("{kind}_{index}_taken") == "<kind>_<index>_taken"
