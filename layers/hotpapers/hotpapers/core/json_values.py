"""JSON values by type: how a str, int, float, bool, `X | None`, tuple, list, `dict[str, X]`, date,
time or enum field becomes JSON and is read back, checked (a mistyped value raises `DocumentError`).

The building blocks of the per-model plans (core/json_plans.py). A nested model's own writer and
reader come from its plan: `value_encoder` and `value_decoder` take the function that gives them,
so this module knows types, not models.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "Decode",
    "DocumentError",
    "Encode",
    "ModelCodec",
    "exact_type_of",
    "identity",
    "iso_time",
    "optional_of",
    "parse_time",
    "value_decoder",
    "value_encoder",
]

Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]
# A nested model's writer or reader (its plan's), for a field typed with a dataclass.
ModelCodec = Callable[[type], Callable[[Any], Any]]


class DocumentError(ValueError):
    """A document that does not fit its model; `path` says where (`papers[3].top_posts[0].score`)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message, self.path = message, path

    def within(self, step: str | int) -> DocumentError:
        step_text = f"[{step}]" if isinstance(step, int) else step
        joined = (
            step_text if not self.path else f"{step_text}{self.path if self.path.startswith('[') else '.' + self.path}"
        )
        return DocumentError(self.message, joined)


def iso_time(moment: datetime) -> str:
    """A time as the JSON documents carry it: ISO 8601 in UTC with a `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def optional_of(hint: Any) -> Any | None:
    """X for `X | None`, else None."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0]
    return None


def identity(value: Any) -> Any:
    return value


def value_encoder(hint: Any, model_writer: ModelCodec, sort_keys: bool = False) -> Encode:
    inner = optional_of(hint)
    if inner is not None:
        encode_inner = value_encoder(inner, model_writer, sort_keys)
        return lambda value: None if value is None else encode_inner(value)
    origin = typing.get_origin(hint)
    if origin in (tuple, list):
        encode_item = value_encoder(typing.get_args(hint)[0], model_writer)
        if encode_item is identity:
            return list
        return lambda value: [encode_item(item) for item in value]
    if origin is dict:
        encode_value = value_encoder(typing.get_args(hint)[1], model_writer)
        if sort_keys:
            return lambda value: {key: encode_value(value[key]) for key in sorted(value)}
        return lambda value: {key: encode_value(item) for key, item in value.items()}
    if hint is float:
        return float
    if hint is datetime:
        return iso_time
    if hint is date:
        return date.isoformat
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return lambda value: value.value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return model_writer(hint)
    return identity


def value_decoder(hint: Any, model_reader: ModelCodec) -> Decode:
    inner = optional_of(hint)
    if inner is not None:
        decode_inner = value_decoder(inner, model_reader)
        return lambda value: None if value is None else decode_inner(value)
    origin = typing.get_origin(hint)
    if origin in (tuple, list):
        decode_item = value_decoder(typing.get_args(hint)[0], model_reader)
        return _sequence_decoder(tuple if origin is tuple else list, decode_item)
    if origin is dict:
        decode_value = value_decoder(typing.get_args(hint)[1], model_reader)
        return _mapping_decoder(decode_value)
    if hint is str:
        return _str
    if hint is bool:
        return _bool
    if hint is int:
        return _int
    if hint is float:
        return _float
    if hint is datetime:
        return _datetime
    if hint is date:
        return _date
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum_decoder(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return model_reader(hint)
    if hint is Any:
        return identity
    raise TypeError(f"no JSON decoder for {hint!r}")


_ONLY_STR = frozenset({str})


def _sequence_decoder(kind: Callable[[Iterable[Any]], Any], decode_item: Decode) -> Decode:
    def decode(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise DocumentError(f"expected a list, got {type(value).__name__}")
        if decode_item is _str and set(map(type, value)) <= _ONLY_STR:
            return kind(value)  # strings (authors, categories): checked in C, not a call per item
        try:
            return kind(map(decode_item, value))  # the common case, without a step per item
        except DocumentError:
            pass  # again item by item, to say which one
        items = []
        for index, item in enumerate(value):
            try:
                items.append(decode_item(item))
            except DocumentError as error:
                raise error.within(index) from None
        return kind(items)

    return decode


def _mapping_decoder(decode_value: Decode) -> Decode:
    def decode(value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise DocumentError(f"expected an object, got {type(value).__name__}")
        decoded = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise DocumentError(f"expected string keys, got {key!r}")
            try:
                decoded[key] = decode_value(item)
            except DocumentError as error:
                raise error.within(key) from None
        return decoded

    return decode


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise DocumentError(f"expected a string, got {type(value).__name__}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise DocumentError(f"expected true or false, got {type(value).__name__}")
    return value


def _int(value: Any) -> int:
    """An int; DynamoDB gives numbers as Decimal, so an integral Decimal (or float) counts too."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise DocumentError(f"expected an integer, got {value!r}"[:120])


def _float(value: Any) -> float:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    raise DocumentError(f"expected a number, got {value!r}"[:120])


def _datetime(value: Any) -> datetime:
    text = _str(value)
    try:
        return parse_time(text)
    except ValueError as error:
        raise DocumentError(f"expected an ISO 8601 time, got {value!r}"[:120]) from error


def _date(value: Any) -> date:
    text = _str(value)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise DocumentError(f"expected an ISO 8601 date, got {value!r}"[:120]) from error


def _enum_decoder(kind: type[enum.Enum]) -> Decode:
    def decode(value: Any) -> Any:
        try:
            return kind(value)
        except ValueError as error:
            raise DocumentError(f"expected one of {[member.value for member in kind]}, got {value!r}") from error

    return decode


def exact_type_of(decode: Decode) -> type | None:
    """The type a value of which `decode` returns unchanged (str, int), for the generated readers'
    shortcut; None for the other decoders. (A bool is no int here: `type(True) is int` is false.)"""
    return _EXACT_TYPES.get(decode)


_EXACT_TYPES: dict[Decode, type] = {_str: str, _int: int}
