"""Importing managers, portfolios and memberships from a spreadsheet's rows (WA-8).

One pass reads every row of a [`DataSet`][carteira.DataSet] in one unit of
work, in this order: managers, portfolios, the managers' default portfolios, then the
memberships (organizations first, then customers, checked and written as sets: ST-5).
Each row either applies or becomes a [`RowProblem`][carteira.RowProblem]
naming its line, column and reason. A pass that found problems raises
[`ImportRefused`][carteira.ImportRefused], so its unit of work keeps nothing;
the facade then refuses the import (all or nothing) or, when partial, runs a new pass
without the bad rows ([`import_dataset`][carteira.Carteira.import_dataset]).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TypeVar

import attrs

from carteira.domain import refusals
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.identifiers import check_id
from carteira.domain.names import name_key
from carteira.domain.permissions import Permission, Profile
from carteira.domain.portfolio import Journey, Portfolio
from carteira.domain.principal import Principal
from carteira.services import managers, portfolios
from carteira.services.context import Context
from carteira.services.import_memberships import import_memberships
from carteira.services.import_rows import Problems, Progress, RowKey, require_full_view, text
from carteira.services.results import UNCHANGED, Result
from carteira.services.runner import Runner
from carteira.spreadsheets.cells import (
    CellError,
    parse_flag,
    parse_list,
    parse_profile,
    parse_roles,
)
from carteira.spreadsheets.dataset import (
    PROBLEM_COLUMN,
    DataSet,
    ImportRefused,
    RowProblem,
    SourceRow,
    Table,
    TableKind,
)

__all__ = ["ImportReport", "import_pass", "rejected_rows", "run_import"]

T = TypeVar("T")

_NO_CHOICE = managers.Leave()


@attrs.frozen
class ImportReport:
    """What an import did (WA-8).

    ``applied`` good rows changed something, ``unchanged`` ones found everything as they say
    (importing a file twice applies nothing the second time); ``problems`` are the bad rows a
    partial import left out, and [`bad_rows`][carteira.ImportReport.bad_rows] gives them back as
    tables that can be fixed and imported again. ``events`` counts the events the import
    recorded: they are the last ones in the event log once it returns, and the import's
    ``Result.events`` is empty, since an import of a million rows makes millions (EV-1).
    """

    applied: int
    unchanged: int
    problems: tuple[RowProblem, ...] = ()
    rejected: DataSet = attrs.field(factory=DataSet)
    events: int = 0

    def bad_rows(self) -> DataSet:
        """Return the rows left out, as read, each with a ``problem`` column saying why."""
        return self.rejected


def run_import(
    run: Runner,
    principal: Principal,
    dataset: DataSet,
    *,
    partial: bool,
    new_id: Callable[[], str],
    progress: Progress | None,
) -> Result[ImportReport]:
    """Import ``dataset``: all rows or none, or, when ``partial``, the good ones (WA-8).

    Every pass runs in one unit of work. All or nothing: the first pass reports every
    bad row and keeps nothing. Partial: the bad rows of a pass are left out and a new
    pass runs without them (a row may have depended on a bad one), until one applies.
    The events go to the event log as the pass goes, so the result holds none; the
    report counts them.
    """
    problems: list[RowProblem] = []
    excluded: frozenset[RowKey] = frozenset()
    while True:
        body = functools.partial(
            _checked_pass,
            dataset=dataset,
            partial=partial,
            excluded=excluded,
            earlier=tuple(problems),
            new_id=new_id,
            progress=progress,
        )
        try:
            result = run.command(principal, body)
        except ImportRefused as refused:
            problems.extend(refused.problems)
            if not partial:
                raise ImportRefused(tuple(problems)) from None
            excluded |= {(p.source, p.line) for p in refused.problems}
            continue
        return result


def _checked_pass(
    context: Context,
    dataset: object,
    partial: object,
    excluded: frozenset[RowKey],
    earlier: tuple[RowProblem, ...],
    new_id: Callable[[], str],
    progress: Progress | None,
) -> ImportReport:
    """Refuse malformed arguments (ER-2), once the principal is admitted; then a pass.

    The rows ``earlier`` passes left out are read back before the unit of work commits,
    so that a streamed file that changed meanwhile (``file_changed``) keeps nothing.
    """
    errors: list[FieldError] = []
    if not isinstance(partial, bool):
        errors.append(FieldError("$.partial", "must be true or false"))
    if not isinstance(dataset, DataSet):
        errors.append(FieldError("$.dataset", "must be a DataSet"))
    if errors or not isinstance(dataset, DataSet):
        raise InvalidInput("import", errors, rule="WA-8")
    report = import_pass(context, dataset, excluded, new_id, progress)
    return attrs.evolve(report, problems=earlier, rejected=rejected_rows(dataset, earlier))


def import_pass(
    context: Context,
    dataset: DataSet,
    excluded: frozenset[RowKey],
    new_id: Callable[[], str],
    progress: Progress | None,
) -> ImportReport:
    """Apply every row of ``dataset`` not in ``excluded``, or refuse with every problem found.

    Raises [`ImportRefused`][carteira.ImportRefused] listing the problems of this pass; the caller's
    unit of work then keeps nothing (WA-8, PM-2).
    """
    _require(context, dataset)
    problems = Problems(excluded)
    applied: set[RowKey] = set()
    manager_rows = _rows(dataset, TableKind.MANAGERS, problems)
    portfolio_rows = _rows(dataset, TableKind.PORTFOLIOS, problems)
    for table, row in manager_rows:
        if problems.attempt(context, table, row, lambda t, r: _manager_row(context, t, r)):
            applied.add((table.source, row.line))
    for table, row in portfolio_rows:
        if problems.attempt(
            context, table, row, lambda t, r: _portfolio_row(context, t, r, new_id)
        ):
            applied.add((table.source, row.line))
    for table, row in manager_rows:
        if not problems.refused(table, row) and problems.attempt(
            context, table, row, lambda t, r: _default_row(context, t, r)
        ):
            applied.add((table.source, row.line))
    count = len(applied)
    memberships = dataset.table(TableKind.MEMBERSHIPS)
    if memberships is not None:
        count += import_memberships(context, memberships, problems, progress)
    if problems.found:
        order = {t.source: i for i, t in enumerate(dataset.tables)}
        found = sorted(problems.found, key=lambda p: (order.get(p.source, 0), p.line))
        raise ImportRefused(tuple(found))
    total = sum(len(t.rows) for t in _importable(dataset))
    context.flush()
    return ImportReport(
        applied=count, unchanged=total - len(excluded) - count, events=context.flushed
    )


def rejected_rows(dataset: DataSet, problems: Iterable[RowProblem]) -> DataSet:
    """Return the rows named by ``problems``, as read, with a ``problem`` column (WA-8).

    Each table keeps the layout of the file it was read from (header words, a CSV's delimiter
    and encoding), so that its error file is written as the input was (issue 15).
    """
    reasons: dict[RowKey, list[str]] = {}
    for problem in problems:
        reasons.setdefault((problem.source, problem.line), []).append(
            f"{problem.column + ': ' if problem.column else ''}{problem.reason} ({problem.code})"
        )
    tables = []
    named = {source for source, _ in reasons}
    for table in (t for t in dataset.tables if t.source in named):  # a streamed table is read
        rows = tuple(
            SourceRow(row.line, {**row.values, PROBLEM_COLUMN: "; ".join(why)})
            for row in table.rows
            if (why := reasons.get((table.source, row.line)))
        )
        if rows:
            columns = (*(c for c in table.columns if c != PROBLEM_COLUMN), PROBLEM_COLUMN)
            tables.append(Table(table.kind, table.source, columns, rows, table.layout))
    # Problems of a whole file (line 0 or the header) name no row to give back.
    return DataSet(tuple(tables))


def _importable(dataset: DataSet) -> list[Table]:
    return [t for t in dataset.tables if t.kind is not TableKind.HISTORY]


def _require(context: Context, dataset: DataSet) -> None:
    """Refuse an actor who cannot see and change everything the import names (PM-2, VS-3)."""
    require_full_view(context, "import")
    needs = {
        TableKind.MANAGERS: (Permission.MANAGE_MANAGERS, "MG-1"),
        TableKind.PORTFOLIOS: (Permission.MANAGE_PORTFOLIOS, "PF-6"),
        TableKind.MEMBERSHIPS: (Permission.SET_PORTFOLIO, "WA-8"),
    }
    for table in _importable(dataset):
        permission, rule = needs[table.kind]
        context.actor.require(permission, f"import {table.kind.value}", rule)


def _rows(dataset: DataSet, kind: TableKind, problems: Problems) -> list[tuple[Table, SourceRow]]:
    """Return the rows of ``kind`` still in play; refuse a second row for one record."""
    table = dataset.table(kind)
    if table is None:
        return []
    key_column = "id" if kind is TableKind.MANAGERS else "name"
    first: dict[str, int] = {}
    rows = []
    for row in table.rows:
        if problems.refused(table, row):
            continue
        key = text(row, key_column)
        if kind is TableKind.PORTFOLIOS:
            key = text(row, "id") or name_key(key)
        if key and key in first:
            problems.add(
                table,
                row,
                RowProblem(
                    table.source,
                    row.line,
                    key_column,
                    refusals.duplicate_row.code,
                    f"{key!r} was already given on line {first[key]}",
                ),
            )
            continue
        first.setdefault(key, row.line)
        rows.append((table, row))
    return rows


def _manager_row(context: Context, table: Table, row: SourceRow) -> None:
    """Register or update one manager (MG-1); leaving with neither choice may be refused (MG-3)."""
    manager_id = check_id("manager", text(row, "id"), path="id")
    name = text(row, "name") or None
    profile = _cell(row, "profile", parse_profile) if text(row, "profile") else None
    roles = _cell(row, "roles", parse_roles) if "roles" in table.columns else None
    active = _cell(row, "active", parse_flag) if text(row, "active") else None
    current = context.uow.managers.get(manager_id)
    if current is None:
        managers.register_manager(
            context,
            manager_id,
            name or manager_id,
            profile or Profile.AGENT,
            roles or (),
            True if active is None else active,
        )
        return
    managers.update_manager(
        context,
        manager_id,
        UNCHANGED if name is None else name,
        UNCHANGED if profile is None else profile,
        UNCHANGED if roles is None else roles,
        _NO_CHOICE,
    )
    if active is False and current.active:
        managers.deactivate_manager(context, manager_id, _NO_CHOICE)
    elif active is True and not current.active:
        managers.reactivate_manager(context, manager_id)


def _default_row(context: Context, table: Table, row: SourceRow) -> None:
    """Mark a manager's default portfolio, by name (MG-2)."""
    if "default_portfolio" not in table.columns:
        return
    manager_id = text(row, "id")
    named = text(row, "default_portfolio")
    target = None if not named else _portfolio_named(context, named, "default_portfolio").id
    if context.manager(manager_id).default_portfolio != target:
        portfolios.set_default_portfolio(context, manager_id, target)


def _portfolio_row(
    context: Context, table: Table, row: SourceRow, new_id: Callable[[], str]
) -> None:
    """Create or edit one portfolio, found by id or else by name (PF-1..PF-4, MG-1)."""
    portfolio_id = text(row, "id") or None
    name = text(row, "name")
    if portfolio_id is not None:
        check_id("portfolio", portfolio_id, path="id")
        current = context.uow.portfolios.get(portfolio_id)
    else:
        current = context.uow.portfolios.by_key(name_key(name)) if name else None
    columns = table.columns
    description = (text(row, "description") or None) if "description" in columns else UNCHANGED
    journey = _journey(row) if "journey" in columns else UNCHANGED
    listed = parse_list(text(row, "managers")) if "managers" in columns else UNCHANGED
    if current is None:
        portfolios.create_portfolio(
            context,
            portfolio_id or new_id(),
            name,
            None if description is UNCHANGED else description,
            None if journey is UNCHANGED else journey,
            () if listed is UNCHANGED else listed,
        )
        return
    portfolios.edit_portfolio(context, current.id, name or UNCHANGED, description, journey, listed)


def _journey(row: SourceRow) -> Journey | None:
    journey_id = text(row, "journey")
    if not journey_id:
        return None
    return Journey(
        check_id("journey", journey_id, path="journey"), text(row, "journey_name") or journey_id
    )


def _portfolio_named(context: Context, name: str, column: str) -> Portfolio:
    found = context.uow.portfolios.by_key(name_key(name))
    if found is None:
        raise InvalidInput(
            "portfolio",
            [FieldError(column, f"no portfolio is called {name!r}")],
            rule="WA-8",
        )
    return found


def _cell(row: SourceRow, column: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(text(row, column))
    except CellError as error:
        raise InvalidInput("cell", [FieldError(column, error.reason)], rule="WA-8") from error
