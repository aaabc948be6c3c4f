"""One root error and a shallow tree of refusals, each with a stable code (ER-1).

Every refusal carteira raises is a [`CarteiraError`][carteira.CarteiraError]. Callers branch on the
class (``except NotFound``) or on ``error.code``, a string that never changes between
releases; ``error.rule`` names the SPEC rule that refused, and ``str(error)`` is a
sentence naming the object and the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import ClassVar

__all__ = [
    "CarteiraError",
    "ConcurrencyError",
    "Conflict",
    "FieldError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "RuleViolation",
    "StorageError",
]


class CarteiraError(Exception):
    """Root of every error carteira raises (ER-1).

    ``code`` is stable and machine-readable, ``rule`` the SPEC rule ID (or ``None``),
    and ``details`` structured facts about the refusal (ids, names, limits).
    """

    default_code: ClassVar[str] = "carteira_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        rule: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.rule = rule
        self.details: Mapping[str, object] = MappingProxyType(dict(details or {}))

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}]" if self.rule else self.message


class NotFound(CarteiraError):
    """The named record does not exist in the principal's tenant (TN-1).

    A record of another tenant raises exactly this, with the same message, so nothing
    reveals that it exists elsewhere.
    """

    default_code = "not_found"

    def __init__(self, kind: str, record_id: str) -> None:
        # Only a string is shown: a host's deeply nested list must not turn a refusal
        # into a RecursionError, nor a huge object into a huge message.
        shown = repr(record_id) if isinstance(record_id, str) else f"<{type(record_id).__name__}>"
        super().__init__(
            f"{kind} {shown} does not exist",
            rule="TN-1",
            details={"kind": kind, "id": record_id},
        )
        self.kind = kind
        self.record_id = record_id


class PermissionDenied(CarteiraError):
    """The acting principal lacks a permission or may not see the object (PM-2)."""

    default_code = "permission_denied"


class Conflict(CarteiraError):
    """The change collides with an existing record (a taken name, an existing id)."""

    default_code = "conflict"


class RuleViolation(CarteiraError):
    """The change would break a domain rule; ``code`` says which refusal it is."""

    default_code = "rule_violated"


class ConcurrencyError(CarteiraError):
    """A write was based on a stale version of an aggregate (ST-3); safe to retry."""

    default_code = "stale_version"


class StorageError(CarteiraError):
    """The storage backend failed; the unit of work applied nothing (ST-1)."""

    default_code = "storage_failed"

    @classmethod
    def read_only(cls) -> StorageError:
        """Return the refusal of a write attempted in a read-only unit of work (ST-6)."""
        return cls(
            "a query runs in a read-only unit of work and cannot write; nothing was written",
            code="read_only",
            rule="ST-6",
        )


class FieldError:
    """One bad field of an input: where it is (``$.managers[0]``) and what is wrong."""

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __repr__(self) -> str:
        return f"FieldError({self.path!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldError) and (self.path, self.message) == (
            other.path,
            other.message,
        )

    def __hash__(self) -> int:
        return hash((self.path, self.message))


class InvalidInput(CarteiraError):
    """Input that cannot become a domain object; lists every bad field (ER-2)."""

    default_code = "invalid_input"

    def __init__(
        self,
        subject: str,
        errors: Sequence[FieldError],
        *,
        rule: str | None = "ER-2",
        code: str | None = None,
    ) -> None:
        listed = "; ".join(f"{e.message} @ {e.path}" for e in errors)
        super().__init__(
            f"invalid {subject}: {listed}",
            code=code,
            rule=rule,
            details={"errors": tuple((e.path, e.message) for e in errors)},
        )
        self.errors: tuple[FieldError, ...] = tuple(errors)
