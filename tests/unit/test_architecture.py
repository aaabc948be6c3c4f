"""The layers import only what they may: the core stays pure (STYLE 1, issue 2)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import carteira

PACKAGE = Path(carteira.__file__).parent

# What each layer may import from carteira itself; anything else from carteira is a breach.
ALLOWED = {
    "domain": {"carteira.domain"},
    "policies": {"carteira.domain", "carteira.policies"},
    "ports": {"carteira.domain", "carteira.ports"},
    # The SQL adapter stores nested value objects in the converter's JSON forms.
    "adapters": {
        "carteira.domain",
        "carteira.ports",
        "carteira.adapters",
        "carteira.serialization",
    },
}
# The use cases reach storage only through the ports: the composition root that builds
# default adapters (carteira.app) and the relay runner live above them (issue 17).
ALLOWED["services"] = {
    "carteira.domain",
    "carteira.policies",
    "carteira.ports",
    "carteira.services",
    "carteira.spreadsheets",
}
# Deprecated doors kept where hosts imported the moved names, opened only on use.
MOVED = {
    "services/app.py": {"carteira._moved"},
    "services/relay.py": {"carteira._moved"},
    "domain/dataset.py": {"carteira._moved"},
    "domain/cells.py": {"carteira._moved"},
    "services/context.py": {"carteira._moved"},
}
# The file formats of imports and exports: data sets, cells, CSV and XLSX (WA-8).
ALLOWED["spreadsheets"] = {"carteira.domain", "carteira.spreadsheets"}
# The outer rooms: what only the command line, the demo and the composition root import.
OUTER = ("carteira.cli", "carteira.demo", "carteira.app", "carteira.relay", "carteira.aio")
# Standard library and the two runtime dependencies are all the core may use.
THIRD_PARTY_IN_CORE = {"attrs"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_beneath_it(layer: str) -> None:
    breaches = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if name.startswith("carteira")
        and not any(name == a or name.startswith(a + ".") for a in ALLOWED[layer])
        and name not in MOVED.get(str(path.relative_to(PACKAGE)), set())
    }
    assert set() == breaches


@pytest.mark.parametrize(
    "layer", ["domain", "policies", "ports", "adapters", "services", "spreadsheets"]
)
def test_no_inner_room_imports_the_command_line_the_demo_or_the_composition_root(
    layer: str,
) -> None:
    """The cli, the demo, `carteira.app`, the relay and aio sit outside: nothing inside needs
    them."""
    breaches = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if any(name == o or name.startswith(o + ".") for o in OUTER)
        and name not in MOVED.get(str(path.relative_to(PACKAGE)), set())
    }
    assert set() == breaches


def test_the_command_line_is_imported_by_nothing_but_itself_and_the_entry_points() -> None:
    """The cli is the outermost room (issue 17): only it and the ``__main__`` modules import it."""
    entry_points = {"__main__.py", "demo/__main__.py"}
    breaches = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not str(path.relative_to(PACKAGE)).startswith("cli/")
        and str(path.relative_to(PACKAGE)) not in entry_points
        for name in _imports(path)
        if name == "carteira.cli" or name.startswith("carteira.cli.")
    }
    assert set() == breaches


@pytest.mark.parametrize("layer", ["domain", "policies"])
def test_the_core_uses_only_the_standard_library_and_attrs(layer: str) -> None:
    stdlib = {
        "__future__",
        "collections",
        "datetime",
        "enum",
        "math",
        "typing",
        "types",
        "unicodedata",
    }
    foreign = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(layer)
        if str(path.relative_to(PACKAGE)) not in MOVED  # a door warns: it imports warnings
        for name in _imports(path)
        if not name.startswith("carteira")
        and name.split(".")[0] not in stdlib | THIRD_PARTY_IN_CORE
    }
    assert set() == foreign


def test_nothing_is_built_when_the_package_is_imported() -> None:
    """Importing carteira opens no store and reads no clock: wiring is by constructor."""
    source = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    assert calls == []


def test_mb1_the_effective_portfolio_is_stated_once() -> None:
    """MB-1 lives in ``domain.ownership.effective_portfolio``; everything else asks a
    ``Customer``. Fails on a second "own portfolio, else the organization's" in the code."""
    again = re.compile(r"\.portfolio if \w+\.portfolio is not None else|\w\.portfolio or ")
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if again.search(line)
    ]
    assert found == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Each carteira module and the carteira modules it imports, anywhere in its text."""
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    whole = f"{node.module}.{alias.name}"
                    found.add(whole if whole in paths else node.module)
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def test_no_import_cycle_among_carteira_modules() -> None:
    """No carteira module reaches itself through imports, deferred ones included (issue 17).

    A submodule importing its own package is not counted: Python runs the package first.
    """
    graph = _import_graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                walk(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert cycles == []


# A refusal for a domain rule is decided by an aggregate (domain/) or a policy (policies/):
# a service only loads (NotFound), stores (Conflict on a taken id) and reads its input (ER-2).
RULE_REFUSALS = re.compile(r"\b(RuleViolation|PermissionDenied)\(")
NAMED_REFUSAL = re.compile(r"\brefusals\.(\w+)\(")


def _rule_refusal_names() -> set[str]:
    """The named constructors of domain.refusals that build a rule's refusal."""
    from carteira.domain import refusals  # noqa: PLC0415
    from carteira.domain.errors import PermissionDenied, RuleViolation  # noqa: PLC0415

    return {
        name
        for name in dir(refusals)
        if isinstance(getattr(refusals, name), refusals.Refusal)
        and issubclass(getattr(refusals, name).built, RuleViolation | PermissionDenied)
    }


def test_services_raise_no_refusal_for_a_rule_an_aggregate_or_policy_owns() -> None:
    """services/ builds no ``RuleViolation`` or ``PermissionDenied``, by hand or by name: the
    domain or a policy decides (issue 17)."""
    owned = _rule_refusal_names()
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in _modules("services")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if not line.lstrip().startswith(("#", '"', "["))
        and (
            RULE_REFUSALS.search(line) or any(name in owned for name in NAMED_REFUSAL.findall(line))
        )
    ]
    assert owned  # the constructors are found: the guard guards something
    assert found == []


TEST_KINDS = {"unit", "service", "storage", "e2e", "security"}


def test_every_test_module_lives_in_the_folder_of_its_kind() -> None:
    """tests/ is split by kind (issue 17): unit, service, storage, e2e and security.

    Only shared helpers (conftest, databases, oracle, terminal, relay_worker) stay at its top.
    """
    tests = Path(__file__).resolve().parents[1]
    misplaced = sorted(
        str(path.relative_to(tests))
        for path in tests.rglob("test_*.py")
        if path.relative_to(tests).parts[0] not in TEST_KINDS
    )
    assert misplaced == []
