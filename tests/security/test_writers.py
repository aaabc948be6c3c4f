"""Writers that do not trip each other (issue 14, row 1; ST-3, EV-1).

The campaign's reproducer: two PostgreSQL processes registering distinct customers in
one tenant failed 10-25 % of their commands after three attempts. Here four threads
write at once with a single attempt each (no retry to hide a conflict): every command
succeeds on every store, and the event log holds each one once, densely numbered.
"""

from __future__ import annotations

import threading
from typing import Any

from carteira import Carteira, ManualClock, Principal

TENANT = "acme"
WRITERS = 4
EACH = 15


def test_st3_row1_four_writers_in_one_tenant_never_fail_each_other(store: Any) -> None:
    """ST-3, EV-1: single attempts, distinct customers, all committed, positions dense."""
    system = Principal.system(TENANT)
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(me: int) -> None:
        app = Carteira(store.unit_of_work, clock=ManualClock(), attempts=1)
        start.wait()
        for n in range(EACH):
            try:
                app.register_customer(system, f"w{me}-{n}", f"Writer {me} #{n}")
            except BaseException as error:  # what this test is about
                failures.append(error)

    threads = [threading.Thread(target=writer, args=(me,)) for me in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    app = Carteira(store.unit_of_work, clock=ManualClock())
    events = list(app.read_events(system, limit=500))
    assert [p for p, _ in events] == list(range(1, WRITERS * EACH + 1))
    with store.unit_of_work(TENANT) as uow:
        assert uow.customers.count() == WRITERS * EACH
