"""The agreement machine, with the in-memory adapter on both sides: a smoke run (ST-2, STYLE 7).

Both sides being the reference, any disagreement or broken invariant is a bug of the
machine itself (or of the services' determinism); adapters run the same machine against
the reference by overriding ``make_store`` exactly as below.
"""

from __future__ import annotations

from hypothesis import settings

from carteira import InMemoryStore
from carteira.testing.agreement import AgreementMachine


class MemoryAgreement(AgreementMachine):
    def make_store(self) -> InMemoryStore:
        return InMemoryStore()


TestMemoryAgreement = MemoryAgreement.TestCase
TestMemoryAgreement.settings = settings(
    settings.default, max_examples=100, stateful_step_count=25, deadline=None
)
