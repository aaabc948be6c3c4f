"""VS-2 written with pycasbin, the way users might write it instead of using carteira.

Two models, both loaded from the benchmark's :class:`~world.Floor` through a casbin
adapter (the way a database adapter loads policy lines at start-up), so they hold the
same facts as the library and the floor:

``rbac``
    The textbook "RBAC with resource roles" model. Managers get roles (``g``): the
    portfolios they manage, ``owner:<m>`` for their own accounts, ``assignee:<m>`` for
    tickets they serve, ``unassigned`` (VIEW_UNASSIGNED) and ``all`` (VIEW_ALL); a backup
    standing in for an absent manager (MG-5) is given the absent manager's portfolio and
    owner roles.
    Objects get groups (``g2``): a customer belongs to its effective portfolio's group
    (through its organization's when it has no portfolio of its own), to ``owned:<m>``
    for each account manager and to ``outside`` when VS-2 (c) applies; a ticket belongs
    to its customer and to ``assigned:<m>``. One policy line (``p``) per role grants its
    group. casbin evaluates the matcher once per policy line until one allows, so a
    check costs about as many evaluations as there are portfolios and managers.
``graph``
    The same facts as one graph: object groups point at the managers who may see them
    (a portfolio's group at its managers and at their backups, ``owned:<m>`` at *m*),
    so the matcher is one reachability question, ``g2(r.obj, r.sub)``, plus
    ``g(r.sub, "all")`` for VIEW_ALL, under a single policy line. This is what a user
    tuning casbin for this rule would end up with.

Listing (VS-3: every ticket a manager sees) has no casbin primitive; both models answer
it by walking their role graphs backwards from what the manager holds to the tickets,
as a user would with ``get_implicit_roles_for_user`` and the role manager's
``get_users``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import casbin
from casbin.model import Model
from casbin.persist.adapter import Adapter
from world import Floor

_SECTIONS = """
[request_definition]
r = sub, obj
[policy_definition]
p = sub, obj
[role_definition]
g = _, _
g2 = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
"""
"""What both models share: requests, one policy shape, two role graphs; only the matcher differs."""

RBAC_MODEL = _SECTIONS + 'm = g(r.sub, p.sub) && (g2(r.obj, p.obj) || p.obj == "*")\n'
GRAPH_MODEL = _SECTIONS + 'm = g2(r.obj, r.sub) || g(r.sub, "all")\n'


class _Lines(Adapter):  # type: ignore[misc]
    """A read-only adapter handing casbin prepared policy lines, like a database would."""

    def __init__(self, lines: dict[str, Iterable[list[str]]]) -> None:
        self.lines = lines

    def load_policy(self, model: Any) -> None:
        for key, rules in self.lines.items():
            model.model[key[0]][key].policy.extend(rules)


def _customer_groups(floor: Floor) -> Iterator[list[str]]:
    """Each customer into its effective portfolio's group and its owners' groups."""
    for customer, portfolio in floor.effective.items():
        if portfolio is not None:
            yield [customer, f"group:{portfolio}"]
        owners = floor.account_managers[customer]
        for owner in owners:
            yield [customer, f"owned:{owner}"]
        if portfolio is None and not owners:
            yield [customer, "outside"]


def _ticket_groups(floor: Floor) -> Iterator[list[str]]:
    for ticket, customer in floor.ticket_customer.items():
        yield [ticket, customer]
        assignee = floor.ticket_assignee[ticket]
        if assignee is not None:
            yield [ticket, f"assigned:{assignee}"]


def _stand_ins(floor: Floor) -> Iterator[tuple[str, str]]:
    """(backup, absent manager) for every manager standing in right now (MG-5)."""
    for manager, identities in floor.identities.items():
        for absent in identities[1:]:
            yield manager, absent


def rbac_lines(floor: Floor) -> dict[str, Iterable[list[str]]]:
    """Policy lines of the ``rbac`` model."""
    roles: list[list[str]] = []
    for manager, portfolios in floor.managed.items():
        roles.extend([manager, f"portfolio:{p}"] for p in sorted(portfolios))
    for manager in floor.active:
        roles.append([manager, f"owner:{manager}"])
        roles.append([manager, f"assignee:{manager}"])
        if floor.view_unassigned[manager]:
            roles.append([manager, "unassigned"])
        if floor.view_all[manager]:
            roles.append([manager, "all"])
    for backup, absent in _stand_ins(floor):
        # Not [backup, absent]: inheriting every role would also show the backup the
        # tickets the absent manager serves, which VS-2 does not.
        roles.extend([backup, f"portfolio:{p}"] for p in sorted(floor.managed.get(absent, ())))
        roles.append([backup, f"owner:{absent}"])
    policies = [[f"portfolio:{p}", f"group:{p}"] for p in floor.portfolio_managers]
    for manager in floor.active:
        policies.append([f"owner:{manager}", f"owned:{manager}"])
        policies.append([f"assignee:{manager}", f"assigned:{manager}"])
    policies += [["unassigned", "outside"], ["all", "*"]]
    objects = [*_customer_groups(floor), *_ticket_groups(floor)]
    return {"p": policies, "g": roles, "g2": objects}


def graph_lines(floor: Floor) -> dict[str, Iterable[list[str]]]:
    """Policy lines of the ``graph`` model."""
    edges = [*_customer_groups(floor), *_ticket_groups(floor)]
    for portfolio, managers in floor.portfolio_managers.items():
        edges.extend([f"group:{portfolio}", m] for m in sorted(managers))
    for manager in floor.active:
        edges.append([f"owned:{manager}", manager])
        edges.append([f"assigned:{manager}", manager])
        if floor.view_unassigned[manager]:
            edges.append(["outside", manager])
    for backup, absent in _stand_ins(floor):
        # The absent manager's portfolios and accounts, not the tickets he serves (VS-2).
        edges.extend([f"group:{p}", backup] for p in sorted(floor.managed.get(absent, ())))
        edges.append([f"owned:{absent}", backup])
    everything = [[m, "all"] for m in floor.active if floor.view_all[m]]
    return {"p": [["*", "*"]], "g": everything, "g2": edges}


def enforcer(model_text: str, lines: dict[str, Iterable[list[str]]]) -> casbin.Enforcer:
    """A casbin enforcer holding ``lines`` (roles are built once, at load)."""
    model = Model()
    model.load_model_from_text(model_text)
    return casbin.Enforcer(model, _Lines(lines))


def rbac(floor: Floor) -> casbin.Enforcer:
    """The ``rbac`` model over the floor's facts."""
    return enforcer(RBAC_MODEL, rbac_lines(floor))


def graph(floor: Floor) -> casbin.Enforcer:
    """The ``graph`` model over the floor's facts."""
    return enforcer(GRAPH_MODEL, graph_lines(floor))


def _below(rm: Any, names: Iterable[str]) -> set[str]:
    """Every node that reaches one of ``names`` in a role manager, by a backwards walk."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        for user in rm.get_users(name):
            if user not in seen:
                seen.add(user)
                todo.append(user)
    return seen


def _tickets(nodes: Iterable[str]) -> list[str]:
    return sorted(n for n in nodes if n.startswith("t"))


def rbac_listing(enforcer: casbin.Enforcer, manager: str) -> list[str]:
    """Every ticket ``manager`` sees in the ``rbac`` model, sorted by id."""
    roles = [manager, *enforcer.get_implicit_roles_for_user(manager)]
    groups = [p[1] for role in roles for p in enforcer.get_filtered_policy(0, role)]
    g2 = enforcer.get_model()["g"]["g2"].rm
    if "*" in groups:
        return _tickets(_below(g2, {line[1] for line in enforcer.get_named_grouping_policy("g2")}))
    return _tickets(_below(g2, groups))


def graph_listing(enforcer: casbin.Enforcer, manager: str) -> list[str]:
    """Every ticket ``manager`` sees in the ``graph`` model, sorted by id."""
    g2 = enforcer.get_model()["g"]["g2"].rm
    if enforcer.has_role_for_user(manager, "all"):
        return _tickets(_below(g2, {line[1] for line in enforcer.get_named_grouping_policy("g2")}))
    return _tickets(_below(g2, [manager]))
