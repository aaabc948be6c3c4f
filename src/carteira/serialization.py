"""Serialization at the edge: a private cattrs converter for every entity and event (ER-2).

:func:`make_converter` returns a new converter each call (never cattrs' global one).
It turns entities, value objects and events into JSON-ready dicts and back; events
carry a ``"type"`` tag naming their class. Structuring bad input raises one
:class:`~carteira.InvalidInput` listing every bad field with its path
(``$.managers[0]``), never a bare ``KeyError`` or ``TypeError``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import Any, get_args, get_origin

import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from carteira.domain.errors import CarteiraError, FieldError, InvalidInput
from carteira.domain.events import EVENT_TYPES, Event, LeaveMode, LeaveReason
from carteira.domain.names import clean_name
from carteira.domain.ownership import SubjectKind, Way
from carteira.domain.permissions import Permission, Profile, Role
from carteira.domain.portfolio import Portfolio
from carteira.domain.principal import PrincipalKind
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import ChoiceMode, RoutingMode, TicketStatus

__all__ = ["make_converter"]

_ENUMS: tuple[type[enum.Enum], ...] = (
    ChoiceMode,
    RoutingMode,
    TicketStatus,
    LeaveMode,
    LeaveReason,
    Permission,
    PrincipalKind,
    Profile,
    SubjectKind,
    Way,
)
_EVENTS_BY_TAG = {cls.__name__: cls for cls in EVENT_TYPES}


class _Converter(cattrs.Converter):
    """A cattrs converter whose ``structure`` raises carteira's own error (ER-2)."""

    def structure(self, obj: Any, cl: Any) -> Any:
        try:
            return super().structure(obj, cl)
        except InvalidInput:
            raise
        except Exception as error:
            raise InvalidInput(_subject(cl), _field_errors(error, "$")) from error


def make_converter() -> cattrs.Converter:
    """Return a new converter for every carteira entity, value object and event (ER-2)."""
    converter = _Converter(forbid_extra_keys=True)
    _strict_scalars(converter)
    for kind in _ENUMS:
        converter.register_unstructure_hook(kind, lambda member: member.value)
        converter.register_structure_hook(kind, _structure_enum)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    # Sets of ids become sorted lists, so that every unstructured form is JSON and stable.
    converter.register_unstructure_hook_func(
        lambda t: t in (frozenset[str], frozenset[str] | None),
        lambda ids: None if ids is None else sorted(ids),
    )
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook_factory(_is_collection, _collection_hook)
    converter.register_unstructure_hook_func(
        lambda t: t == frozenset[Permission], lambda ps: sorted(p.value for p in ps)
    )
    converter.register_unstructure_hook_func(
        lambda t: t == frozenset[Role],
        lambda roles: [converter.unstructure(r, Role) for r in sorted(roles, key=_role_key)],
    )
    _checked_fields(converter)
    _tagged_events(converter)
    return converter


def _checked_fields(converter: cattrs.Converter) -> None:
    # Value rules enforced in __init__ would only run once every type is right; checking
    # them as field hooks reports them beside the type errors, each at its own path.
    converter.register_structure_hook(
        Portfolio,
        make_dict_structure_fn(
            Portfolio, converter, name=override(struct_hook=lambda v, _: clean_name(v))
        ),
    )

    def cap(value: object, _: object) -> int:
        if type(value) is not int or value < 1:
            raise ValueError("must be a whole number >= 1")
        return value

    converter.register_structure_hook(
        TenantSettings,
        make_dict_structure_fn(
            TenantSettings, converter, max_account_managers=override(struct_hook=cap)
        ),
    )


def _tagged_events(converter: cattrs.Converter) -> None:
    plain = {cls: make_dict_unstructure_fn(cls, converter) for cls in EVENT_TYPES}

    def unstructure(event: Event) -> dict[str, Any]:
        data: dict[str, Any] = {"type": type(event).__name__}
        data.update(plain[type(event)](event))
        return data

    def structure(value: object, _: object) -> Event:
        if not isinstance(value, dict):
            raise TypeError("expected an object with a 'type'")
        tag = value.get("type")
        cls = _EVENTS_BY_TAG.get(tag) if isinstance(tag, str) else None
        if cls is None:
            error = ValueError(f"unknown event type {tag!r}")
            raise ClassValidationError("While structuring Event", [_noted(error, "type")], Event)
        fields = {k: v for k, v in value.items() if k != "type"}
        event: Event = structurers[cls](fields, cls)
        return event

    structurers = {cls: make_dict_structure_fn(cls, converter) for cls in EVENT_TYPES}
    for cls in (Event, *EVENT_TYPES):
        converter.register_unstructure_hook(cls, unstructure)
        converter.register_structure_hook(cls, structure)


def _noted(error: Exception, name: str) -> Exception:
    error.__notes__ = [AttributeValidationNote(f"Structuring @ attribute {name}", name, str)]
    return error


def _strict_scalars(converter: cattrs.Converter) -> None:
    def strict(kind: type[Any], name: str) -> None:
        def hook(value: object, _: object) -> object:
            if type(value) is not kind and not (kind is float and type(value) is int):
                raise TypeError(f"expected {name}")
            return value

        converter.register_structure_hook(kind, hook)

    strict(str, "a string")
    strict(int, "a whole number")
    strict(bool, "true or false")
    strict(float, "a number")


def _is_collection(cl: Any) -> bool:
    return get_origin(cl) in (tuple, frozenset, list)


def _collection_hook(cl: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    origin = get_origin(cl)
    element = get_args(cl)[0]
    element_hook = converter.get_structure_hook(element)

    def hook(value: object, _: object) -> Any:
        if not isinstance(value, list | tuple):
            raise TypeError("expected a list")
        items, errors = [], []
        for index, item in enumerate(value):
            try:
                items.append(element_hook(item, element))
            except Exception as error:
                note = IterableValidationNote(f"Structuring @ index {index}", index, element)
                error.__notes__ = [*getattr(error, "__notes__", []), note]
                errors.append(error)
        if errors:
            raise IterableValidationError(f"While structuring {cl!r}", errors, cl)
        return origin(items)

    return hook


def _structure_enum(value: object, cl: type[enum.Enum]) -> enum.Enum:
    choices = [member.value for member in cl]
    if type(value) is not str or value not in choices:
        raise ValueError(f"expected one of {', '.join(map(str, choices))}")
    return cl(value)


def _structure_datetime(value: object, _: object) -> datetime:
    if not isinstance(value, str):
        raise TypeError("expected an ISO 8601 date-time string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("expected a date-time with a timezone offset")
    return parsed


def _role_key(role: Role) -> tuple[str, list[str]]:
    return role.name, sorted(p.value for p in role.permissions)


def _subject(cl: Any) -> str:
    return getattr(cl, "__name__", None) or str(cl)


def _field_errors(error: BaseException, path: str) -> list[FieldError]:
    if isinstance(error, ClassValidationError):
        with_notes, without = error.group_exceptions()
        found = [
            e for inner, note in with_notes for e in _field_errors(inner, f"{path}.{note.name}")
        ]
        return found + [e for inner in without for e in _field_errors(inner, path)]
    if isinstance(error, IterableValidationError):
        indexed, unindexed = error.group_exceptions()
        found = [
            e for inner, note in indexed for e in _field_errors(inner, f"{path}[{note.index!r}]")
        ]
        return found + [e for inner in unindexed for e in _field_errors(inner, path)]
    if isinstance(error, InvalidInput):
        return [FieldError(path + e.path.removeprefix("$.name"), e.message) for e in error.errors]
    return [FieldError(path, _describe(error))]


def _describe(error: BaseException) -> str:
    if isinstance(error, ForbiddenExtraKeysError):
        return f"unknown field(s): {', '.join(sorted(error.extra_fields))}"
    if isinstance(error, KeyError):
        return "required field missing"
    if isinstance(error, CarteiraError):
        return error.message
    if isinstance(error, TypeError | ValueError) and str(error):
        return str(error)
    return "invalid value"
