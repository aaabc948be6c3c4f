"""Policies: pure decisions over explicit inputs, for rules that span aggregates. Public.

Each takes plain values and decides. Routing, visibility and eligibility return a
decision object saying why, which is what makes ``explain`` cheap and honest; the
membership rules (`carteira.policies.membership`: MB-2, MB-3, MG-2, MG-3, MG-6) and who may
act on a ticket (`carteira.policies.tickets`: TK, PM-3, RT-8) raise the refusal their rule
names, from `carteira.domain.refusals`. The services load what a policy needs and turn its
decision into changes. Hosts meet them when they read an explanation or replace a policy:

- routing (RT): [`route`][carteira.policies.route] and its
  [`RoutingDecision`][carteira.policies.RoutingDecision] (`Outcome`, `Step`, `Reason`,
  `Candidate`, `Exclusion`) over a [`RoutingInput`][carteira.policies.RoutingInput]; the
  tie-break, a `TieBreak`, defaults to `fewest_open_then_longest_idle`;
- visibility (VS): [`customer_visibility`][carteira.policies.customer_visibility],
  `organization_visibility` and `ticket_visibility` decide one record for a `Viewer`,
  returning a `Visibility` with its `Clause`; [`scope_of`][carteira.policies.scope_of]
  gives the `Scope` a store lists by; `queues_of` the departments whose queue a manager
  sees (VS-7);
- eligibility (MG-1): who may manage a portfolio, an `EligibilityPolicy` such as
  [`ProfileEligibility`][carteira.policies.ProfileEligibility], answering an `Eligibility`.

Import them from here; the modules beneath are the implementation and may move. Until
issue 17 these names were importable from `carteira` itself, which still answers with a
`DeprecationWarning`.
"""

from carteira.domain.ticket import queues_of
from carteira.policies.eligibility import Eligibility, EligibilityPolicy, ProfileEligibility
from carteira.policies.routing import (
    Candidate,
    Exclusion,
    Outcome,
    Reason,
    RoutingDecision,
    RoutingInput,
    Step,
    TieBreak,
    fewest_open_then_longest_idle,
    route,
)
from carteira.policies.visibility import (
    Clause,
    Scope,
    Viewer,
    Visibility,
    customer_visibility,
    organization_visibility,
    scope_of,
    ticket_visibility,
)

__all__ = [
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
]
