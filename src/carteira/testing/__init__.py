"""What carteira ships for testing (``pip install 'carteira[testing]' pytest``). Public.

Four modules, each imported by its own path (this package imports none of them, so that
the strategies need no pytest); their import paths are frozen (STYLE 6, issue 17):

- `carteira.testing.contract`: the storage contract suite, one abstract pytest class per
  port (`PortfolioRepositoryContract`, `UnitOfWorkContract`... and `CONTRACTS`, every
  one of them) that an adapter's tests subclass, implementing ``make_store``
  (docs/storage-adapters.md);
- `carteira.testing.agreement`: `AgreementMachine`, a Hypothesis state machine that runs
  an adapter and the in-memory reference through the same commands and compares them;
- `carteira.testing.strategies`: Hypothesis strategies for every entity, value object and
  event, for a host's own property tests (needs Hypothesis only);
- `carteira.testing.invariants`: the SPEC invariants over what one tenant stores, as plain
  functions raising `AssertionError`.
"""
