"""Serialization at the edge: a private cattrs converter for every entity and event (ER-2).

[`make_converter`][carteira.make_converter] returns a new converter each call (never cattrs' global
one). It turns entities, value objects and events into JSON-ready dicts and back; events carry a
``"type"`` tag naming their class, and a portal ticket's extra-field values a tag naming their kind
(see `_unstructure_value`). Structuring bad input raises one [`InvalidInput`][carteira.InvalidInput]
listing every bad field with its path (``$.managers[0]``), never a bare ``KeyError`` or
``TypeError``.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
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
from carteira.domain.identifiers import NOT_STORABLE, storable
from carteira.domain.names import clean_name
from carteira.domain.ownership import SubjectKind, Way
from carteira.domain.permissions import Permission, Profile, Role
from carteira.domain.portal import MoveKind, PortalFilter
from carteira.domain.portfolio import Portfolio
from carteira.domain.principal import PrincipalKind
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import ChoiceMode, RoutingMode, TicketStatus
from carteira.domain.workflow import FieldAccess, FieldKind, FieldValue, Responsible

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
    Responsible,
    FieldKind,
    FieldAccess,
    MoveKind,
    PortalFilter,
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
    converter.register_unstructure_hook(date, date.isoformat)
    # Sets of ids become sorted lists, so that every unstructured form is JSON and stable.
    converter.register_unstructure_hook_func(
        lambda t: t in (frozenset[str], frozenset[str] | None),
        lambda ids: None if ids is None else sorted(ids),
    )
    # A workflow's (source, target) transitions: a sorted list of two-item lists.
    converter.register_unstructure_hook_func(
        lambda t: t == frozenset[tuple[str, str]],
        lambda pairs: [list(pair) for pair in sorted(pairs)],
    )
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook(date, _structure_date)
    converter.register_structure_hook_factory(_is_collection, _collection_hook)
    converter.register_unstructure_hook_func(_is_field_values, _unstructure_values)
    converter.register_structure_hook_func(_is_field_values, _structure_values)
    converter.register_unstructure_hook_factory(_is_mapping, _mapping_unstructure_hook)
    converter.register_structure_hook_factory(_is_mapping, _mapping_structure_hook)
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
            Portfolio, converter, name=override(struct_hook=lambda v, _: clean_name(v, path="$"))
        ),
    )

    def cap(value: object, _: object) -> int:
        if type(value) is not int or value < 1:
            raise ValueError("must be a whole number >= 1")
        return value

    converter.register_structure_hook(
        TenantSettings,
        make_dict_structure_fn(
            TenantSettings,
            converter,
            max_account_managers=override(struct_hook=cap),
            attachment_max_bytes=override(struct_hook=cap),
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

    def text(value: object, _: object) -> str:
        # Text no store keeps is refused here as in commands and imports (ER-3).
        if type(value) is not str:
            raise TypeError("expected a string")
        if not storable(value):
            raise ValueError(NOT_STORABLE)
        return value

    converter.register_structure_hook(str, text)
    strict(int, "a whole number")
    strict(bool, "true or false")
    strict(float, "a number")


def _is_collection(cl: Any) -> bool:
    return get_origin(cl) in (tuple, frozenset, list)


def _collection_hook(cl: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    origin = get_origin(cl)
    args = get_args(cl)
    # tuple[str, str] has a fixed length, one type per item; tuple[str, ...] does not.
    fixed = origin is tuple and not (len(args) == 2 and args[1] is Ellipsis)
    elements = args if fixed else args[:1]
    hooks = [(element, converter.get_structure_hook(element)) for element in elements]

    def hook(value: object, _: object) -> Any:
        if not isinstance(value, list | tuple):
            raise TypeError("expected a list")
        if fixed and len(value) != len(hooks):
            raise ValueError(f"expected a list of {len(hooks)} items")
        items, errors = [], []
        for index, item in enumerate(value):
            element, element_hook = hooks[index if fixed else 0]
            try:
                items.append(element_hook(item, element))
            except Exception as error:
                errors.append(_at(error, index, element))
        if errors:
            raise IterableValidationError(f"While structuring {cl!r}", errors, cl)
        return origin(items)

    return hook


def _at(error: Exception, index: int | str, element: Any) -> Exception:
    note = IterableValidationNote(f"Structuring @ index {index!r}", index, element)
    error.__notes__ = [*getattr(error, "__notes__", []), note]
    return error


def _is_mapping(cl: Any) -> bool:
    args = get_args(cl)
    return get_origin(cl) in (Mapping, dict) and args[:1] == (str,) and not _is_field_values(cl)


def _mapping_unstructure_hook(cl: Any, converter: cattrs.Converter) -> Callable[[Any], Any]:
    element = get_args(cl)[1]
    element_hook = converter.get_unstructure_hook(element)

    # Sorted by key, so that equal mappings give the same JSON whatever their order.
    def hook(value: Mapping[str, Any]) -> dict[str, Any]:
        return {key: element_hook(value[key]) for key in sorted(value)}

    return hook


def _mapping_structure_hook(cl: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    element = get_args(cl)[1]
    element_hook = converter.get_structure_hook(element)
    return lambda value, _: _structure_mapping(value, cl, lambda item: element_hook(item, element))


def _structure_mapping(value: object, cl: Any, structure: Callable[[Any], Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    items, errors = {}, []
    for key, item in value.items():
        try:
            if type(key) is not str:
                raise TypeError("expected a string key")
            items[key] = structure(item)
        except Exception as error:
            errors.append(_at(error, key, cl))
    if errors:
        raise IterableValidationError(f"While structuring {cl!r}", errors, cl)
    return items


def _is_field_values(cl: Any) -> bool:
    return get_origin(cl) in (Mapping, dict) and get_args(cl) == (str, FieldValue)


# A portal ticket's extra-field values (TK-3) are kept apart by kind, which JSON alone
# would blur (a date is a string there; 1, 1.0 and true are all numbers to some readers):
# each value is an object with one key naming its kind:
#     {"text": "x"}  {"integer": 12}  {"float": 1.5}  {"boolean": true}
#     {"date": "2026-12-01"}
# A choice is text. A float keeps its tag even when a JSON stack writes 2.0 as 2.
_VALUE_TAGS: tuple[str, ...] = ("text", "integer", "float", "boolean", "date")


def _unstructure_values(values: Mapping[str, FieldValue]) -> dict[str, dict[str, Any]]:
    return {key: _unstructure_value(values[key]) for key in sorted(values)}


def _unstructure_value(value: FieldValue) -> dict[str, Any]:
    # bool before int, and no datetime: a bool is an int and a datetime a date.
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, bool):
        return {"boolean": value}
    if isinstance(value, int):
        return {"integer": value}
    if isinstance(value, float) and math.isfinite(value):
        return {"float": value}
    if isinstance(value, date) and not isinstance(value, datetime):
        return {"date": value.isoformat()}
    raise TypeError(f"not an extra-field value: {value!r}")


def _structure_values(value: object, cl: Any) -> dict[str, FieldValue]:
    return _structure_mapping(value, cl, _structure_value)


def _structure_value(value: object) -> FieldValue:
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _VALUE_TAGS:
        raise ValueError(f"expected an object with one key of {', '.join(_VALUE_TAGS)}")
    ((tag, content),) = value.items()
    try:
        return _VALUE_STRUCTURERS[tag](content)
    except (TypeError, ValueError) as error:
        raise ClassValidationError(
            "While structuring a value", [_noted(error, tag)], dict
        ) from None


def _structure_text(value: object) -> str:
    if type(value) is not str:
        raise TypeError("expected a string")
    return value


def _structure_integer(value: object) -> int:
    if type(value) is not int:
        raise TypeError("expected a whole number")
    return value


def _structure_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError("expected a finite number")
    return float(value)


def _structure_boolean(value: object) -> bool:
    if type(value) is not bool:
        raise TypeError("expected true or false")
    return value


_VALUE_STRUCTURERS: dict[str, Callable[[object], FieldValue]] = {
    "text": _structure_text,
    "integer": _structure_integer,
    "float": _structure_float,
    "boolean": _structure_boolean,
    "date": lambda value: _structure_date(value, date),
}


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


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _structure_date(value: object, _: object) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise TypeError("expected a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"no such date: {value}") from None


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
        # A domain check's paths are relative to the value it checked ("$.approve_to").
        return [FieldError(path + e.path.removeprefix("$"), e.message) for e in error.errors]
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
