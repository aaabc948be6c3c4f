"""WA-8: importing managers, portfolios and memberships from a spreadsheet's rows.

The rows are built here as a :class:`DataSet`; reading CSV and XLSX files into one is
:mod:`carteira.spreadsheets`'s job (``test_spreadsheets.py``), and the command line's
(``test_cli.py``).
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterator, Mapping, Sequence
from itertools import count
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira import (
    Carteira,
    CarteiraError,
    ImportReport,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    Ownership,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    Subject,
    Way,
)
from carteira.domain.permissions import Permission
from carteira.events import CustomerRegistered, Event, MembershipChanged
from carteira.services import import_memberships
from carteira.spreadsheets import (
    DataSet,
    ImportRefused,
    SourceRow,
    SpreadsheetError,
    Table,
    TableKind,
    read_dataset,
    write_dataset,
)

TENANT = "acme"


def table(kind: TableKind, header: str, *rows: str, source: str = "") -> Table:
    """A table from ``,``-separated lines (no quoting here), the first data row on line 2."""
    columns = tuple(header.split(","))
    return Table(
        kind,
        source or f"{kind.value}.csv",
        columns,
        tuple(
            SourceRow(line, dict(zip(columns, row.split(","), strict=True)))
            for line, row in enumerate(rows, start=2)
        ),
    )


def memberships(*rows: str, header: str = "customer,customer_name,portfolio,managers") -> DataSet:
    return DataSet((table(TableKind.MEMBERSHIPS, header, *rows),))


@pytest.fixture
def world(app: Carteira, system: Principal) -> dict[str, str]:
    """Sul (ana, bia), Norte (cid), Vazia (no manager); dan is inactive; up to 3 each."""
    app.update_settings(system, max_account_managers=3)
    for manager_id in ("ana", "bia", "cid", "dan"):
        app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    sul = app.create_portfolio(system, "Sul", managers=["ana", "bia"]).value.id
    norte = app.create_portfolio(system, "Norte", managers=["cid", "dan"]).value.id
    vazia = app.create_portfolio(system, "Vazia").value.id
    app.deactivate_manager(system, "dan", keep=True)
    return {"sul": sul, "norte": norte, "vazia": vazia}


def logged(app: Carteira, system: Principal, report: ImportReport) -> list[Event]:
    """The events an import recorded: the last ``report.events`` of the log (EV-1)."""
    events = [event for _, event in app.read_events(system, limit=500)]
    return events[len(events) - report.events :]


def owner(app: Carteira, system: Principal, customer_id: str) -> Ownership:
    return app.customer(system, customer_id).ownership


def test_wa8_rows_register_and_place_customers_recording_the_way(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    result = app.import_dataset(
        system, memberships("c1,Cliente Um,Sul,ana|bia", "c2,Cliente Dois,norte,", "c3,,,")
    )
    assert (result.value.applied, result.value.unchanged) == (3, 0)
    assert owner(app, system, "c1") == Ownership(world["sul"], ("ana", "bia"))
    assert owner(app, system, "c2") == Ownership(world["norte"])
    assert owner(app, system, "c3") == Ownership()
    assert app.customer(system, "c3").customer.name == "c3"
    assert result.events == ()
    events = logged(app, system, result.value)
    registered = [e for e in events if isinstance(e, CustomerRegistered)]
    assert [e.customer_id for e in registered] == ["c1", "c2", "c3"]
    changes = [e for e in events if isinstance(e, MembershipChanged)]
    assert {(e.subject_id, e.way) for e in changes} == {("c1", Way.IMPORT), ("c2", Way.IMPORT)}
    history = app.owner_history(system, "c1")
    assert [(h.way, h.after) for h in history] == [
        (Way.IMPORT, Ownership(world["sul"], ("ana", "bia")))
    ]


def test_wa8_importing_the_same_rows_twice_changes_nothing_the_second_time(
    app: Carteira, system: Principal, world: dict[str, str], store: InMemoryStore
) -> None:
    rows = memberships("c1,Um,Sul,ana", "c2,Dois,Norte,cid")
    app.import_dataset(system, rows)
    before = store.snapshot()
    again = app.import_dataset(system, rows)
    assert (again.value.applied, again.value.unchanged, again.value.events) == (0, 2, 0)
    assert again.events == ()
    assert store.snapshot() == before


def test_wa8_a_column_left_out_keeps_its_field_and_an_empty_cell_clears_it(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.import_dataset(system, memberships("c1,Um,Sul,ana|bia"))
    app.import_dataset(system, memberships("c1,Sul", header="customer,portfolio"))
    assert owner(app, system, "c1") == Ownership(world["sul"], ("ana", "bia"))
    app.import_dataset(system, memberships("c1,", header="customer,managers"))
    assert owner(app, system, "c1") == Ownership(world["sul"])
    app.import_dataset(system, memberships("c1,", header="customer,portfolio"))
    assert owner(app, system, "c1") == Ownership()


def test_wa8_moving_portfolio_without_a_managers_column_keeps_only_those_who_manage_it(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.edit_portfolio(system, world["norte"], managers=["cid", "ana"])
    app.import_dataset(system, memberships("c1,Um,Sul,ana|bia"))
    app.import_dataset(system, memberships("c1,Norte", header="customer,portfolio"))
    assert owner(app, system, "c1") == Ownership(world["norte"], ("ana",))


def test_wa8_ten_broken_rows_of_different_kinds_are_all_reported_and_nothing_changes(
    app: Carteira, system: Principal, world: dict[str, str], store: InMemoryStore
) -> None:
    """Every bad row is reported with its line, column and reason; all or nothing."""
    app.update_settings(system, max_account_managers=2)
    before = store.snapshot()
    rows = memberships(
        "good1,Bom,Sul,ana",  # line 2
        "bad1,Mau,Sul,zoe",  # 3: unknown manager
        "bad2,Mau,Norte,dan",  # 4: inactive manager
        "bad3,Mau,Sul,cid",  # 5: manager outside the portfolio
        "bad4,Mau,Atlântida,",  # 6: unknown portfolio
        "bad5,Mau,Vazia,",  # 7: portfolio without manager
        "good1,Bom,Sul,bia",  # 8: duplicate row
        f"{'x' * 256},Mau,,",  # 9: id too long
        "bad7,Mau,Sul,ana|bia|ana2",  # 10: too many account managers
        " bad8,Mau,,",  # 11: id with surrounding space
        "bad9,Mau,Norte,ana",  # 12: outside again, other portfolio
        "good2,Bom,Norte,cid",  # 13
    )
    with pytest.raises(ImportRefused) as refused:
        app.import_dataset(system, rows)
    found = {(p.line, p.column, p.code) for p in refused.value.problems}
    assert found == {
        (3, "managers", "unknown_manager"),
        (4, "managers", "manager_inactive"),
        (5, "managers", "manager_outside_portfolio"),
        (6, "portfolio", "unknown_portfolio"),
        (7, "portfolio", "portfolio_unavailable"),
        (8, None, "duplicate_row"),
        (9, "customer", "invalid_input"),
        (10, "managers", "too_many_account_managers"),
        (11, "customer", "invalid_input"),
        (12, "managers", "manager_outside_portfolio"),
    }
    assert refused.value.code == "import_refused"
    assert refused.value.rule == "WA-8"
    assert all(p.source == "memberships.csv" and p.reason for p in refused.value.problems)
    assert store.snapshot() == before


def test_wa8_a_partial_import_applies_the_good_rows_and_gives_back_the_bad_ones(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    rows = memberships("c1,Um,Sul,ana", "c2,Dois,Sul,zoe", "c3,Três,Vazia,", "c4,Quatro,Norte,")
    report = app.import_dataset(system, rows, partial=True).value
    assert (report.applied, report.unchanged) == (2, 0)
    assert {(p.line, p.code) for p in report.problems} == {
        (3, "unknown_manager"),
        (4, "portfolio_unavailable"),
    }
    assert owner(app, system, "c1") == Ownership(world["sul"], ("ana",))
    assert owner(app, system, "c4") == Ownership(world["norte"])
    bad = report.bad_rows().table(TableKind.MEMBERSHIPS)
    assert bad is not None
    assert [r.line for r in bad.rows] == [3, 4]
    assert bad.columns[-1] == "problem"
    assert "zoe" in bad.rows[0].values["problem"]
    # Fixed, the error file imports, and only its rows change.
    fixed = DataSet(
        (
            Table(
                bad.kind,
                bad.source,
                bad.columns,
                tuple(
                    SourceRow(r.line, {**r.values, "managers": "bia", "portfolio": "Sul"})
                    for r in bad.rows
                ),
            ),
        )
    )
    again = app.import_dataset(system, fixed).value
    assert again.applied == 2
    assert owner(app, system, "c2") == Ownership(world["sul"], ("bia",))


def test_wa8_a_partial_import_leaves_out_rows_that_needed_a_bad_row(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    """A portfolio refused on its row is unknown to the memberships that name it."""
    dataset = DataSet(
        (
            table(TableKind.PORTFOLIOS, "name,managers", "Leste,zoe", "Oeste,ana"),
            table(TableKind.MEMBERSHIPS, "customer,portfolio", "c1,Leste", "c2,Oeste"),
        )
    )
    report = app.import_dataset(system, dataset, partial=True).value
    assert {(p.source, p.line, p.code) for p in report.problems} == {
        ("portfolios.csv", 2, "unknown_manager"),
        ("memberships.csv", 2, "unknown_portfolio"),
    }
    assert "Oeste" in [p.portfolio.name for p in app.list_portfolios(system)]
    assert owner(app, system, "c2").portfolio is not None


def test_wa8_organization_rows_place_organizations_and_their_customers_follow(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.register_organization(system, "acme-co", "ACME")
    app.register_customer(system, "c1", "Um", organization="acme-co")
    header = "customer,organization,organization_name,portfolio,managers"
    result = app.import_dataset(
        system,
        memberships(
            ",acme-co,ACME,Sul,",
            ",novo,Nova Org,Norte,",
            ",solta,Sem Carteira,,",
            "c2,novo,,,cid",
            header=header,
        ),
    )
    assert owner(app, system, "c1") == Ownership(world["sul"], (), inherited=True)
    assert owner(app, system, "c2") == Ownership(world["norte"], ("cid",), inherited=True)
    organization = app.customer(system, "c2").customer.organization
    assert organization == "novo"
    events = logged(app, system, result.value)
    ways = {(e.subject_id, e.way) for e in events if isinstance(e, MembershipChanged)}
    assert ("c1", Way.ORGANIZATION_CHANGED) in ways
    assert ("acme-co", Way.IMPORT) in ways
    assert "solta" not in {subject for subject, _ in ways}  # registered, not placed


def test_wa8_an_organization_row_takes_no_managers(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    with pytest.raises(ImportRefused) as refused:
        app.import_dataset(
            system, memberships(",org,Sul,ana", header="customer,organization,portfolio,managers")
        )
    assert [(p.code, p.rule) for p in refused.value.problems] == [
        ("managers_on_organization", "MB-3")
    ]


def test_wa8_managers_and_portfolios_tables_create_and_edit_them(
    app: Carteira, system: Principal
) -> None:
    dataset = DataSet(
        (
            table(
                TableKind.MANAGERS,
                "id,name,profile,active,roles,default_portfolio",
                "ana,Ana,analista,sim,supervisor:view_all+set_portfolio,Sul",
                "bia,Bia,agent,yes,,",
                "chefe,Chefe,administrator,yes,administrator,",
            ),
            table(
                TableKind.PORTFOLIOS,
                "id,name,description,managers",
                "sul,Sul,Região sul,ana",
                ",Norte,,ana",
            ),
        )
    )
    report = app.import_dataset(system, dataset).value
    assert report.applied == 5
    portfolios = {p.portfolio.name: p for p in app.list_portfolios(system)}
    assert set(portfolios) == {"Sul", "Norte"}
    assert portfolios["Sul"].portfolio.id == "sul"
    assert portfolios["Sul"].portfolio.description == "Região sul"
    assert next(p.portfolio.id for p in app.portfolios_of_manager(system, "ana")) == "sul"
    admin = Principal.manager(TENANT, "chefe")
    assert app.export_dataset(admin).table(TableKind.MANAGERS) is not None
    assert app.import_dataset(system, dataset).value.applied == 0


def test_wa8_bad_cells_of_managers_and_portfolios_are_reported_by_column(
    app: Carteira, system: Principal
) -> None:
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    dataset = DataSet(
        (
            table(
                TableKind.MANAGERS,
                "id,profile,active,roles",
                "m1,chefe,yes,",
                "m2,agent,talvez,",
                "m3,agent,yes,boss",
                "m4,agent,yes,boss:fly",
                "m1,agent,yes,",
            ),
            table(
                TableKind.PORTFOLIOS,
                "name,managers",
                f"{'N' * 129},ana",
                "Agentes,m5",
                "Sul,ana",
                "SUL,ana",
            ),
        )
    )
    with pytest.raises(ImportRefused) as refused:
        app.import_dataset(system, dataset)
    assert {(p.source, p.line, p.column, p.code) for p in refused.value.problems} == {
        ("managers.csv", 2, "profile", "invalid_input"),
        ("managers.csv", 3, "active", "invalid_input"),
        ("managers.csv", 4, "roles", "invalid_input"),
        ("managers.csv", 5, "roles", "invalid_input"),
        ("managers.csv", 6, "id", "duplicate_row"),
        ("portfolios.csv", 2, "name", "name_too_long"),
        ("portfolios.csv", 3, "managers", "unknown_manager"),
        ("portfolios.csv", 5, "name", "duplicate_row"),
    }


def test_wa8_an_import_needs_to_see_everything_and_the_permissions_of_its_tables(
    app: Carteira, system: Principal, world: dict[str, str], store: InMemoryStore
) -> None:
    """PM-2: a refused import changes nothing."""
    app.register_manager(
        system, "setter", "Setter", roles=[Role("setter", {Permission.SET_PORTFOLIO})]
    )
    app.register_manager(
        system,
        "viewer",
        "Viewer",
        roles=[Role("viewer", {Permission.SET_PORTFOLIO, Permission.VIEW_ALL})],
    )
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as no_view:
        app.import_dataset(Principal.manager(TENANT, "setter"), memberships("c1,Um,Sul,ana"))
    assert no_view.value.code == "import_needs_view_all"
    portfolios = DataSet((table(TableKind.PORTFOLIOS, "name", "Leste"),))
    with pytest.raises(PermissionDenied):
        app.import_dataset(Principal.manager(TENANT, "viewer"), portfolios)
    assert store.snapshot() == before
    done = app.import_dataset(Principal.manager(TENANT, "viewer"), memberships("c1,Um,Sul,ana"))
    assert done.value.applied == 1


def test_wa8_export_then_import_into_an_empty_store_gives_the_same_world(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.register_organization(system, "org", "Org")
    app.set_organization_portfolio(system, "org", world["norte"])
    app.import_dataset(
        system,
        memberships(
            "c1,Um,,Sul,ana|bia",
            "c2,Dois,org,,cid",
            "c3,Três,org,Sul,",
            "c4,Quatro,,,",
            header="customer,customer_name,organization,portfolio,managers",
        ),
    )
    app.set_default_portfolio(system, "ana", world["sul"])
    exported = app.export_dataset(system)
    fresh = Carteira(InMemoryStore().unit_of_work, new_id=iter(["x"]).__next__)
    # Settings are the tenant's configuration, not part of the export.
    fresh.update_settings(system, max_account_managers=3)
    fresh.import_dataset(system, exported)
    assert _comparable(fresh.export_dataset(system)) == _comparable(exported)


def _comparable(dataset: DataSet) -> Mapping[TableKind, Sequence[Mapping[str, str]]]:
    return {
        t.kind: [dict(r.values) for r in t.rows]
        for t in dataset.tables
        if t.kind is not TableKind.HISTORY
    }


def test_wa8_bad_arguments_are_refused_as_invalid_input(app: Carteira, system: Principal) -> None:
    """ER-2: not a data set, or a truthy non-flag for partial."""
    with pytest.raises(InvalidInput):
        app.import_dataset(system, [], partial=False)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        app.import_dataset(system, DataSet(), partial="yes")  # type: ignore[arg-type]


# -- the round trip, property-tested ------------------------------------------------------

_MANAGERS = ("ana", "bia", "cid", "dan")
_ORGS = ("o1", "o2")


@st.composite
def worlds(draw: st.DrawFn) -> list[tuple[str, tuple[object, ...]]]:
    """Random commands building a world: most succeed, a refused one is skipped."""
    names = st.sampled_from(["Sul", "Norte", "Leste", "São Paulo", "Straße"])
    managers = st.lists(st.sampled_from(_MANAGERS), min_size=1, max_size=3, unique=True)
    portfolio = st.one_of(st.integers(0, 3), st.none())
    command = st.one_of(
        st.tuples(st.just("portfolio"), names, managers),
        st.tuples(st.just("org"), st.sampled_from(_ORGS), portfolio),
        st.tuples(
            st.just("customer"),
            st.sampled_from([f"c{i}" for i in range(8)]),
            st.one_of(st.none(), st.sampled_from(_ORGS)),
            portfolio,
            st.integers(0, 2),
        ),
        st.tuples(st.just("default"), st.integers(0, 3)),
        st.tuples(st.just("deactivate"), st.sampled_from(_MANAGERS)),
    )
    first = draw(st.tuples(st.just("portfolio"), names, managers))
    return [first, *draw(st.lists(command, max_size=40))]


def _build(commands: list[tuple[str, tuple[object, ...]]]) -> Carteira:
    app = Carteira(InMemoryStore().unit_of_work, new_id=(f"p{i}" for i in count()).__next__)
    host = Principal.system(TENANT)
    app.update_settings(host, max_account_managers=3)
    for manager_id in _MANAGERS:
        app.register_manager(host, manager_id, manager_id.title(), profile=Profile.ANALYST)
    for org in _ORGS:
        app.register_organization(host, org, org.upper())
    made: list[str] = []

    def pick(index: object) -> str | None:
        return made[index % len(made)] if isinstance(index, int) and made else None

    for kind, *args in commands:
        try:
            if kind == "portfolio":
                made.append(app.create_portfolio(host, args[0], managers=args[1]).value.id)
            elif kind == "org":
                app.set_organization_portfolio(host, args[0], pick(args[1]))
            elif kind == "customer":
                customer_id, org, index, how_many = args
                if not app.visible_among(host, Subject.CUSTOMER, [customer_id]):
                    app.register_customer(host, customer_id, customer_id.upper(), organization=org)
                target = pick(index)
                serving = _active_managers(app, target)
                app.set_customer_membership(
                    host, customer_id, portfolio=target, account_managers=serving[:how_many]
                )
            elif kind == "default":
                target = pick(args[0])
                for manager_id in _active_managers(app, target)[:1]:
                    app.set_default_portfolio(host, manager_id, target)
            else:
                app.deactivate_manager(host, args[0])
        except CarteiraError:
            continue
    return app


def _active_managers(app: Carteira, portfolio_id: str | None) -> list[str]:
    if portfolio_id is None:
        return []
    host = Principal.system(TENANT)
    listed = {p.portfolio.id: p.portfolio for p in app.list_portfolios(host)}
    return list(listed[portfolio_id].managers)  # a deactivated manager left them (MG-3)


@given(worlds())
def test_wa8_export_then_import_into_an_empty_store_round_trips(
    commands: list[tuple[str, tuple[object, ...]]],
) -> None:
    """Whatever the world, the import of its export exports the same tables again.

    Orphaned portfolios (MG-3 *keep*) cannot be rebuilt by an import (MB-2): the
    commands here never keep, so every portfolio holding customers has a manager.
    """
    app = _build(commands)
    host = Principal.system(TENANT)
    exported = app.export_dataset(host)
    fresh = Carteira(InMemoryStore().unit_of_work, new_id=(f"n{i}" for i in count()).__next__)
    fresh.update_settings(host, max_account_managers=3)
    fresh.import_dataset(host, exported)
    assert _comparable(fresh.export_dataset(host)) == _comparable(exported)
    assert fresh.import_dataset(host, exported).value.applied == 0


# -- from files ------------------------------------------------------------------------------


def test_wa8_a_latin1_csv_with_portuguese_headers_imports(
    app: Carteira, system: Principal, world: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "clientes.csv"
    path.write_bytes(
        "Cliente;Nome do cliente;Carteira;Gerente de sucesso\n"
        "c1;Padaria São João;Sul;ana\n"
        "c2;Açougue;Norte;cid\n".encode("latin-1")
    )
    report = app.import_dataset(system, read_dataset(path)).value
    assert report.applied == 2
    assert app.customer(system, "c1").customer.name == "Padaria São João"
    assert owner(app, system, "c2") == Ownership(world["norte"], ("cid",))


@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_wa8_an_export_written_to_files_reads_back_and_imports_into_an_empty_store(
    app: Carteira, system: Principal, world: dict[str, str], tmp_path: Path, suffix: str
) -> None:
    app.import_dataset(system, memberships("c1,Um,Sul,ana|bia", "c2,Dois,Norte,cid"))
    exported = app.export_dataset(system)
    target = tmp_path / f"export{suffix}"
    write_dataset(exported, target)
    fresh = Carteira(InMemoryStore().unit_of_work)
    fresh.update_settings(system, max_account_managers=3)
    fresh.import_dataset(system, read_dataset(target))
    assert _comparable(fresh.export_dataset(system)) == _comparable(exported)


# --- imports of any size (ER-2) ----------------------------------------------------------


@pytest.fixture(autouse=True, params=[2_000, 1], ids=["chunks-of-2000", "chunks-of-1"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every import test runs with rows taken in large chunks and one at a time (ER-2)."""
    size: int = request.param
    monkeypatch.setattr(import_memberships, "_CHUNK", size)
    return size


class _Watched(Collection[SourceRow]):
    """Rows made as they are read, counting how many are still held at most (ER-2)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.most = 0

    def __len__(self) -> int:
        return self.count

    def __contains__(self, row: object) -> bool:
        return any(row == mine for mine in self)

    def __iter__(self) -> Iterator[SourceRow]:
        alive: list[weakref.ref[SourceRow]] = []
        for n in range(self.count):
            row = SourceRow(n + 2, {"customer": f"c{n}", "customer_name": f"Cliente {n}"})
            alive = [ref for ref in alive if ref() is not None]
            alive.append(weakref.ref(row))
            self.most = max(self.most, len(alive))
            yield row


def test_er2_an_import_holds_one_chunk_of_rows_at_a_time(
    app: Carteira, system: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ER-2: an import's memory does not grow with its file: rows go a chunk at a time."""
    monkeypatch.setattr(import_memberships, "_CHUNK", 10)
    rows = _Watched(400)
    columns = ("customer", "customer_name")
    dataset = DataSet((Table(TableKind.MEMBERSHIPS, "clientes.csv", columns, rows),))
    report = app.import_dataset(system, dataset).value
    assert (report.applied, report.unchanged) == (400, 0)
    assert 10 <= rows.most <= 2 * 10
    assert app.customer(system, "c399").customer.name == "Cliente 399"


def test_er2_ev1_an_import_records_its_events_in_the_log_and_counts_them(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    """EV-1: the events of an import go to the log as it goes; the report counts them."""
    before = len(app.read_events(system, limit=500))
    result = app.import_dataset(system, memberships("c1,Um,Sul,ana", "c2,Dois,,", "c3,Tres,,"))
    assert result.events == ()
    # three registrations and one placement (c2 and c3 stay outside any portfolio)
    assert result.value.events == 4
    assert len(app.read_events(system, limit=500)) == before + 4


def test_wa8_er2_a_streamed_file_imports_as_the_same_rows_held(
    tmp_path: Path, system: Principal, clock: ManualClock, chunk: int
) -> None:
    """WA-8, ER-2: importing rows read from the file as they go changes what held rows do."""
    text = "cliente;nome;empresa;carteira\n" + "".join(
        f"c{n};Cliente {n};{'o' + str(n % 7) if n % 3 else ''};\n" for n in range(50)
    )
    path = tmp_path / "clientes.csv"
    path.write_text(text, encoding="utf-8")
    dumps = []
    for stream in (False, True):
        store = InMemoryStore()
        app = Carteira(store.unit_of_work, clock=clock)
        report = app.import_dataset(system, read_dataset(path, stream=stream)).value
        dumps.append((report, store.snapshot()))
    assert dumps[0] == dumps[1]
    assert dumps[0][0].applied == 50


def test_wa8_er2_a_streamed_file_changed_before_a_partial_import_commits_keeps_nothing(
    app: Carteira, system: Principal, world: dict[str, str], tmp_path: Path
) -> None:
    """WA-8, ER-2: the bad rows are read back before commit; a changed file keeps nothing."""
    path = tmp_path / "clientes.csv"
    path.write_text("cliente;nome;carteira\nc1;Um;Sul\nc2;Dois;Nada\n", encoding="utf-8")
    dataset = read_dataset(path, stream=True)
    ends: list[int] = []

    def progress(done: int, total: int) -> None:
        if done == total:
            ends.append(done)
        if len(ends) == 2:  # the end of the second pass, the one that applies
            with path.open("a", encoding="utf-8") as out:
                out.write("c3;Tres;Sul\n")

    with pytest.raises(SpreadsheetError) as caught:
        app.import_dataset(system, dataset, partial=True, progress=progress)
    assert caught.value.code == "file_changed"
    assert not app.can_view(system, Subject.CUSTOMER, "c1")


def test_er3_a_problem_names_a_column_the_file_has(
    app: Carteira, system: Principal, world: dict[str, str], tmp_path: Path
) -> None:
    """ER-3: a blank customer cell in a sheet with no organization column is the customer
    column's problem, not that of an ``organization`` column the sheet does not have."""
    path = workbook_path(tmp_path, [["cliente", "nome do cliente"], ["c1", "Um"], ["", "Dois"]])
    with pytest.raises(ImportRefused) as refused:
        app.import_dataset(system, read_dataset(path))
    (problem,) = refused.value.problems
    assert (problem.line, problem.column) == (3, "customer")
    assert "organization" not in problem.reason


def workbook_path(folder: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "clientes"
    for row in rows:
        sheet.append(row)
    path = folder / "clientes.xlsx"
    book.save(path)
    return path
