"""The public import paths are frozen: rooms with doors (issue 17, STYLE 1 and 6).

carteira's top level holds what a newcomer needs; the rest lives in public namespaces
(`carteira.events`, `carteira.policies`, `carteira.ports`, `carteira.spreadsheets`,
`carteira.testing`). A name may join a namespace; none leaves one without a deprecated
door where hosts import it today. The names that left the top level still import from
`carteira`, the very same object, with a `DeprecationWarning` naming their new home.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import carteira
from carteira._lazy import _exports

ROOT = Path(__file__).resolve().parents[2]

# What each public module promises today. Adding a name is fine; removing one breaks
# hosts and adapter authors, so it needs a deprecated door and a changelog entry.
FROZEN: dict[str, set[str]] = {
    "carteira": {
        "ALL_PERMISSIONS",
        "UNCHANGED",
        "Absence",
        "Attachment",
        "Carteira",
        "CarteiraError",
        "ChoiceMode",
        "ConcurrencyError",
        "Conflict",
        "Customer",
        "CustomerPortal",
        "CustomerView",
        "Department",
        "EveryoneOnline",
        "ExtraField",
        "FieldAccess",
        "FieldError",
        "FieldKind",
        "FieldValue",
        "FileSystemAttachmentStore",
        "ImportReport",
        "InMemoryAttachmentStore",
        "InMemoryPresence",
        "InMemoryStore",
        "InvalidInput",
        "Journey",
        "Manager",
        "ManualClock",
        "Message",
        "MoveKind",
        "NotFound",
        "Organization",
        "Ownership",
        "Page",
        "Permission",
        "PermissionDenied",
        "PortalFilter",
        "PortalTicket",
        "Portfolio",
        "PortfolioSummary",
        "Principal",
        "PrincipalKind",
        "Profile",
        "Relay",
        "Responsible",
        "Result",
        "Role",
        "RoutingMode",
        "RuleViolation",
        "Stage",
        "StageMove",
        "StorageError",
        "Subject",
        "SubjectKind",
        "SystemClock",
        "TenantSettings",
        "Ticket",
        "TicketStatus",
        "TicketType",
        "Unchanged",
        "Way",
        "adapter_names",
        "make_converter",
        "open_store",
    },
    "carteira.events": {
        "AbsenceCancelled",
        "AbsenceScheduled",
        "AttachmentAdded",
        "CustomerRegistered",
        "CustomerUpdated",
        "DefaultPortfolioChanged",
        "DepartmentSaved",
        "Event",
        "LeaveMode",
        "LeaveReason",
        "ManagerLeft",
        "ManagerRegistered",
        "ManagerRemoved",
        "ManagerUpdated",
        "MembershipChanged",
        "MessagePosted",
        "OrganizationRegistered",
        "OrganizationUpdated",
        "PortfolioCreated",
        "PortfolioDeleted",
        "PortfolioEdited",
        "SettingsChanged",
        "TicketAssigned",
        "TicketCancelled",
        "TicketClosed",
        "TicketDeleted",
        "TicketFieldsChanged",
        "TicketMoved",
        "TicketOpened",
        "TicketReplied",
        "TicketTypeSaved",
    },
    "carteira.policies": {
        "Candidate",
        "Clause",
        "Eligibility",
        "EligibilityPolicy",
        "Exclusion",
        "Outcome",
        "ProfileEligibility",
        "Reason",
        "RoutingDecision",
        "RoutingInput",
        "Scope",
        "Step",
        "TieBreak",
        "Viewer",
        "Visibility",
        "customer_visibility",
        "fewest_open_then_longest_idle",
        "organization_visibility",
        "queues_of",
        "route",
        "scope_of",
        "ticket_visibility",
    },
    "carteira.ports": {
        "MAX_NAME_LENGTH",
        "AttachmentStore",
        "Claim",
        "Clock",
        "CustomerReader",
        "CustomerRepository",
        "DepartmentReader",
        "DepartmentRepository",
        "EventLog",
        "EventLogReader",
        "ManagerReader",
        "ManagerRepository",
        "OrganizationReader",
        "OrganizationRepository",
        "Outbox",
        "OwnershipHistory",
        "OwnershipHistoryReader",
        "PortfolioReader",
        "PortfolioRepository",
        "Presence",
        "ReadUnitOfWork",
        "ReadUnitOfWorkFactory",
        "RoutingReader",
        "SettingsReader",
        "SettingsRepository",
        "Store",
        "TicketReader",
        "TicketRepository",
        "TicketTypeReader",
        "TicketTypeRepository",
        "UnitOfWork",
        "UnitOfWorkFactory",
        "VisibilityCheck",
        "VisibilityReader",
        "name_key",
        "search_matches",
        "search_terms",
        "search_words",
        "stored_new",
        "stored_over",
    },
    "carteira.spreadsheets": {
        "CsvFormat",
        "DataSet",
        "FileRows",
        "ImportRefused",
        "ReadLimits",
        "RowProblem",
        "SourceRow",
        "SpreadsheetError",
        "Table",
        "TableKind",
        "TableLayout",
        "read_csv",
        "read_dataset",
        "write_dataset",
    },
    "carteira.spreadsheets.dataset": {
        "COLUMNS",
        "LIST_SEPARATOR",
        "PROBLEM_COLUMN",
        "REQUIRED",
        "CsvFormat",
        "DataSet",
        "ImportRefused",
        "RowProblem",
        "SourceRow",
        "Table",
        "TableKind",
        "TableLayout",
    },
    "carteira.spreadsheets.cells": {
        "CellError",
        "format_flag",
        "format_list",
        "format_roles",
        "parse_flag",
        "parse_list",
        "parse_profile",
        "parse_roles",
    },
    # The contract suite's paths, as docs/storage-adapters.md shows them (STYLE 6).
    "carteira.testing.contract": {
        "CONTRACTS",
        "CustomerRepositoryContract",
        "DepartmentRepositoryContract",
        "EventLogContract",
        "ManagerRepositoryContract",
        "OrganizationRepositoryContract",
        "OutboxContract",
        "OwnershipHistoryContract",
        "PortfolioRepositoryContract",
        "RoutingContract",
        "SettingsRepositoryContract",
        "StorageContract",
        "Store",
        "TicketRepositoryContract",
        "TicketTypeRepositoryContract",
        "UnitOfWorkContract",
        "VisibilityContract",
    },
    "carteira.testing.agreement": {"AgreementMachine"},
    "carteira.testing.strategies": {
        "absences",
        "attachments",
        "customers",
        "departments",
        "events",
        "extra_fields",
        "field_values",
        "identifiers",
        "instants",
        "journeys",
        "managers",
        "messages",
        "organizations",
        "ownerships",
        "portfolio_names",
        "portfolios",
        "principals",
        "roles",
        "stage_moves",
        "stages",
        "tenant_settings",
        "tenants",
        "ticket_types",
        "tickets",
    },
}

# The names that left the top level (issue 17) and their homes. A door is removed only
# with a changelog entry under "Removed".
MOVED: dict[str, str] = {
    **dict.fromkeys(FROZEN["carteira.events"], "carteira.events"),
    **dict.fromkeys(FROZEN["carteira.policies"], "carteira.policies"),
    **dict.fromkeys(
        [
            "AttachmentStore",
            "Claim",
            "MAX_NAME_LENGTH",
            "Outbox",
            "Presence",
            "name_key",
            "search_matches",
            "search_terms",
            "search_words",
        ],
        "carteira.ports",
    ),
    **dict.fromkeys(
        ["DataSet", "ImportRefused", "RowProblem", "SourceRow", "Table", "TableKind"],
        "carteira.spreadsheets",
    ),
}

# Deprecated modules: every name they held still reads from them, warned.
MOVED_MODULES = {
    "carteira.domain.dataset": "carteira.spreadsheets.dataset",
    "carteira.domain.cells": "carteira.spreadsheets.cells",
}


@pytest.mark.parametrize("module", sorted(FROZEN))
def test_every_frozen_name_is_in_its_namespace_and_resolves_without_a_warning(
    module: str,
) -> None:
    namespace = importlib.import_module(module)
    assert sorted(FROZEN[module] - set(namespace.__all__)) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in namespace.__all__:
            getattr(namespace, name)
        exec(f"from {module} import *", {})


def test_the_top_level_fits_on_one_screen() -> None:
    """What a newcomer reads first: the facade, stores, errors, entities, results."""
    assert len(carteira.__all__) <= 64  # a name joins the top level by a decision


def test_the_events_namespace_holds_every_event_class() -> None:
    """`carteira.events` re-exports each class deriving from `Event`, and the two enums."""
    from carteira.domain import events as defined  # noqa: PLC0415

    classes = {
        name
        for name, value in vars(defined).items()
        if inspect.isclass(value) and issubclass(value, defined.Event)
    }
    public = importlib.import_module("carteira.events")
    assert classes | {"LeaveMode", "LeaveReason"} == set(public.__all__)
    assert set(defined.__all__) == set(public.__all__)
    for name in public.__all__:
        assert getattr(public, name) is getattr(defined, name)


def test_the_ports_namespace_holds_every_port_protocol() -> None:
    """Each ``typing.Protocol`` of a module under `carteira.ports` is exported by the package."""
    ports = importlib.import_module("carteira.ports")
    defined = set()
    for info in pkgutil.iter_modules(ports.__path__):
        module = importlib.import_module(f"carteira.ports.{info.name}")
        defined |= {
            name
            for name, value in vars(module).items()
            if inspect.isclass(value)
            and value.__module__ == module.__name__
            and getattr(value, "_is_protocol", False)
        }
    assert "Store" in defined
    assert sorted(defined - set(ports.__all__)) == []


@pytest.mark.parametrize("name", sorted(MOVED))
def test_a_name_that_left_the_top_level_still_imports_warning_where_it_went(name: str) -> None:
    home = MOVED[name]
    assert name not in carteira.__all__
    assert name in importlib.import_module(home).__all__
    assert _exports()[name] == (home, name)
    with pytest.warns(DeprecationWarning, match=rf"carteira\.{name} .*import {name} from {home}"):
        value = getattr(carteira, name)
    assert value is getattr(importlib.import_module(home), name)
    with pytest.warns(DeprecationWarning, match=home):  # warned each time, never cached
        exec(f"from carteira import {name}", {})
    assert name not in dir(carteira)


def test_the_deprecated_names_are_all_and_only_the_moved_ones() -> None:
    """The lazy table is ``__all__`` plus the doors; each door opens on its namespace."""
    doors = {name: home for name, (home, _) in _exports().items() if name not in carteira.__all__}
    assert doors == MOVED


def test_a_star_import_of_the_package_does_not_warn() -> None:
    found = subprocess.run(
        [sys.executable, "-W", "error", "-c", "from carteira import *; print(len(dir()))"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (found.returncode, found.stderr) == (0, "")


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_a_moved_module_still_answers_each_name_with_a_warning(old: str) -> None:
    new = importlib.import_module(MOVED_MODULES[old])
    shim = importlib.import_module(old)
    assert set(shim.__all__) == set(new.__all__)
    for name in shim.__all__:
        with pytest.warns(DeprecationWarning, match=rf"{old}\.{name} is deprecated: import"):
            assert getattr(shim, name) is getattr(new, name)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        shim.nothing_here  # noqa: B018


def test_the_testing_package_imports_none_of_its_modules() -> None:
    """`carteira.testing.strategies` needs Hypothesis only: the package loads no pytest."""
    script = (
        "import sys, carteira.testing.strategies\n"
        "print('pytest' in sys.modules, 'carteira.testing.contract' in sys.modules)"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == ["False", "False"]


def test_a_namespace_loads_only_what_it_names() -> None:
    """A service speaking of a `DataSet` loads no file reader; the namespaces load no
    service, adapter or command line."""
    script = (
        "import sys\n"
        "import carteira.events, carteira.policies, carteira.ports, carteira.spreadsheets\n"
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('carteira.')}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('carteira.spreadsheets.')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert found == [
        "['_lazy', 'domain', 'events', 'policies', 'ports', 'spreadsheets']",
        "['carteira.spreadsheets.dataset']",
    ]


def test_the_reference_documents_every_namespace() -> None:
    page = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    for module in (
        "carteira",
        "carteira.events",
        "carteira.policies",
        "carteira.ports",
        "carteira.spreadsheets",
        "carteira.testing",
        "carteira.testing.contract",
    ):
        assert re.search(rf"^::: {re.escape(module)}$", page, re.M), module


# --- nothing of ours opens a door -----------------------------------------------------------

FENCE = re.compile(r"^(`{3,})(?:python|py)\b[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)


def _ours(top: Path, pattern: str) -> list[Path]:
    """The files below ``top`` matching ``pattern``, leaving out hidden folders: the
    examples' own virtual environments (``examples/*/.venv``) hold other people's code."""
    return sorted(
        path
        for path in top.rglob(pattern)
        if not any(part.startswith(".") for part in path.relative_to(top).parts)
    )


def _sources() -> list[tuple[str, str]]:
    """Every Python source of the project, and each Python block of its Markdown."""
    found = []
    for top in ("src", "tests", "examples", "benchmarks", "tools"):
        for path in _ours(ROOT / top, "*.py"):
            found.append((path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")))
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    pages += _ours(ROOT / "examples", "*.md")
    for page in pages:
        for number, match in enumerate(FENCE.finditer(page.read_text(encoding="utf-8"))):
            found.append((f"{page.relative_to(ROOT).as_posix()} block {number}", match[2]))
    return found


def _deprecated_uses(source: str) -> set[str]:
    deprecated = {f"carteira.{name}" for name in MOVED}
    tree = ast.parse(source)
    # ``carteira.route(...)`` on a variable named carteira (a facade) is no package.
    package = any(
        isinstance(node, ast.Import)
        and any(a.name == "carteira" and not a.asname for a in node.names)
        for node in ast.walk(tree)
    ) and not any(
        isinstance(node, ast.Name) and node.id == "carteira" and isinstance(node.ctx, ast.Store)
        for node in ast.walk(tree)
    )
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "carteira":
            found |= {f"carteira.{a.name}" for a in node.names} & deprecated
        elif isinstance(node, ast.ImportFrom) and node.module in MOVED_MODULES:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names} & set(MOVED_MODULES)
        elif (
            package
            and isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "carteira"
        ):
            found |= {f"carteira.{node.attr}"} & deprecated
    return found


def test_nothing_of_ours_imports_a_moved_name_from_its_old_place() -> None:
    """The code, tests, docs and examples import each name from its home (issue 17); only
    this module and the doors themselves speak of the old places."""
    doors = {
        "src/carteira/__init__.py",
        "src/carteira/domain/dataset.py",
        "src/carteira/domain/cells.py",
        "tests/unit/test_namespaces.py",
    }
    found = {
        where: sorted(uses)
        for where, source in _sources()
        if where not in doors and (uses := _deprecated_uses(source))
    }
    assert found == {}
