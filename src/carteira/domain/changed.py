"""What a deciding method returns: the new value and the events it produced (EV-1, issue 17)."""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

from carteira.domain.events import Event

__all__ = ["Changed"]

T = TypeVar("T")


class Changed(NamedTuple, Generic[T]):
    """An aggregate as a change left it, and the events the change produced (EV-1).

    ``events`` is empty when the change changed nothing: there is nothing to store. The
    caller stores ``value`` and then emits ``events``, in order.
    """

    value: T
    events: tuple[Event, ...] = ()
