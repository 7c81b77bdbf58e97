"""One way the JSON documents' models become dicts and back: dataclass fields read by their types.

A model subclasses `JsonModel` and gets `to_dict` (JSON-safe, keys in field order or in its
`JSON_KEYS`) and `from_dict` (checked: a missing or mistyped key raises `DocumentError`, a
`ValueError` naming the key's path, never a silent default). The types it knows: str, int, float,
bool, `X | None`, tuples and lists, `dict[str, X]`, dates and times (ISO 8601; times in UTC with a
`Z`), enums, nested models and `Any` (passed as is). Per-field rules go in `json_field(...)`
metadata: another key name, leaving the key out when it is None, sorting a dict's keys, or
inlining a nested value's keys into the parent (with its own encode/decode where the nested type
is not a model, e.g. a calendar period).

A missing key takes the field's default; a field typed `X | None` without a default reads a missing
key as None (older stored documents lack keys added later). Unknown keys are ignored on read, so a
document carrying more (a period paper's `days`, a computed `primary_category`) still reads.

The per-class plan is built once and cached: the publisher writes tens of thousands of papers.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Self

__all__ = ["DocumentError", "JsonModel", "iso_time", "json_field", "parse_time"]

Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]
_MISSING: Any = dataclasses.MISSING


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


def json_field(
    *,
    name: str | None = None,
    omit_none: bool = False,
    sort_keys: bool = False,
    inline: bool = False,
    encode: Callable[[Any], dict[str, Any]] | None = None,
    decode: Callable[[Mapping[str, Any]], Any] | None = None,
    keys: tuple[str, ...] = (),
    leave_out: tuple[str, ...] = (),
) -> dict[str, Any]:
    """`dataclasses.field(metadata=json_field(...))`: how one field is written and read.

    `inline` puts a nested model's keys into the parent's dict; with `encode`/`decode` the field is
    written as `keys`, taken from what `encode` returns, and read by `decode` from the parent's dict.
    `leave_out` names an inlined model's keys the parent never writes (it reads them if present).
    """
    rule = _FieldRule(name, omit_none, sort_keys, inline or encode is not None, encode, decode, keys, leave_out)
    return {"json": rule}


@dataclasses.dataclass(frozen=True)
class _FieldRule:
    name: str | None = None
    omit_none: bool = False
    sort_keys: bool = False
    inline: bool = False
    encode: Callable[[Any], dict[str, Any]] | None = None
    decode: Callable[[Mapping[str, Any]], Any] | None = None
    keys: tuple[str, ...] = ()
    leave_out: tuple[str, ...] = ()


class JsonModel:
    """Mix into a dataclass: `to_dict` and `from_dict` by its fields' types (see the module's doc).

    `JSON_KEYS`, when set, is the written key order; a key in it that no field writes is a
    property's value, written only (e.g. `primary_category`): the model's own, or else an inlined
    model's.
    """

    JSON_KEYS: ClassVar[tuple[str, ...] | None] = None

    def to_dict(self) -> dict[str, Any]:
        return _plan(type(self)).write(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        plan = _plan(cls)
        return typing.cast(Self, plan.read(data))


# ---------------------------------------------------------------- the per-class plan


@dataclasses.dataclass(frozen=True)
class _Writer:
    """How one key is written: the value at `path` from the object, encoded, maybe picked or left out."""

    key: str
    path: tuple[str, ...]  # attribute names from the object down (inlined models add steps)
    encode: Encode = lambda value: value
    identity: bool = True  # encode is a no-op: the generated code skips the call
    omit_none: bool = False
    pick: bool = False  # encode returns a dict holding several keys: write its `key`


@dataclasses.dataclass(frozen=True)
class _Reader:
    """How one field is read: `decode` of the value at `key`, or `default()` when it is missing.

    An inlined field has no key: `decode` reads it from the parent's whole mapping.
    """

    field: str
    key: str | None
    decode: Callable[[Any], Any]
    default: Callable[[], Any] | None = None
    inlined: _Plan | None = None  # an inlined model's plan: its fields are read in the parent's generated code


@dataclasses.dataclass
class _Plan:
    model: type
    writers: list[_Writer]
    readers: list[_Reader]
    write: Callable[[Any], dict[str, Any]] = dataclasses.field(init=False)
    read: Callable[[Any], Any] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.write = _compiled_writer(self.model.__name__, self.writers)
        self.read = _compiled_reader(self.model, self.readers, self.checked_read)

    def checked_read(self, data: Any) -> Any:
        """Field by field, so a malformed document fails with the path of what is wrong."""
        if not isinstance(data, Mapping):
            raise DocumentError(f"expected an object, got {type(data).__name__}")
        values = {}
        for reader in self.readers:
            if reader.key is None:
                values[reader.field] = reader.decode(data)
            elif reader.key not in data:
                if reader.default is None:
                    raise DocumentError("missing", reader.key)
                values[reader.field] = reader.default()
            else:
                try:
                    values[reader.field] = reader.decode(data[reader.key])
                except DocumentError as error:
                    raise error.within(reader.key) from None
        return self.model(**values)


def _compiled_reader(model: type, readers: list[_Reader], checked: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One generated function per model that reads every field in one call of the constructor.

    Any failure falls back to `checked`, which reads again field by field and raises the error
    with its path: the fast way costs nothing extra for the documents that are well formed.
    """
    namespace: dict[str, Any] = {"checked": checked}
    lines = [
        "def read(data):",
        "    try:",
        f"        return {_constructor_source(model, readers, namespace)}",
        "    except Exception:",
        "        pass",
        "    return checked(data)",
    ]
    # Built from the model's own field names (identifiers) and repr'd keys, never from input.
    exec(compile("\n".join(lines), f"<json reader of {model.__name__}>", "exec"), namespace)  # nosec B102
    return typing.cast(Callable[[Any], Any], namespace["read"])


def _constructor_source(model: type, readers: list[_Reader], namespace: dict[str, Any]) -> str:
    """`model(field=decode(data[key]), …)`; an inlined model's constructor is nested in place, not
    called through its own reader: a summary's paper costs no extra call (DigestSummary.from_dict)."""
    name = f"model_{len(namespace)}"
    namespace[name] = model
    arguments = []
    for reader in readers:
        if reader.inlined is not None:
            nested = reader.inlined
            arguments.append(f"{reader.field}={_constructor_source(nested.model, nested.readers, namespace)}")
            continue
        decode = f"decode_{len(namespace)}"
        namespace[decode] = reader.decode
        if reader.key is None:
            arguments.append(f"{reader.field}={decode}(data)")
        elif reader.default is None:
            arguments.append(f"{reader.field}={decode}(data[{reader.key!r}])")
        else:
            default = f"default_{len(namespace)}"
            namespace[default] = reader.default
            arguments.append(
                f"{reader.field}={decode}(data[{reader.key!r}]) if {reader.key!r} in data else {default}()"
            )
    return f"{name}({', '.join(arguments)})"


def _compiled_writer(name: str, writers: list[_Writer]) -> Callable[[Any], dict[str, Any]]:
    """One generated function per model that writes every key in turn.

    Generated rather than looped over per-key closures: the publisher writes tens of thousands
    of papers, and the loop cost twice the hand-written `to_dict`s it replaced.
    """
    namespace: dict[str, Any] = {}
    lines = ["def write(value):", "    document = {}"]
    for index, writer in enumerate(writers):
        source = ".".join(("value", *writer.path))
        if not writer.identity:
            namespace[f"encode_{index}"] = writer.encode
        encoded = "item" if writer.omit_none else source
        if not writer.identity:
            encoded = f"encode_{index}({encoded})"
        if writer.pick:
            encoded = f"{encoded}[{writer.key!r}]"
        if writer.omit_none:
            lines += [
                f"    item = {source}",
                "    if item is not None:",
                f"        document[{writer.key!r}] = {encoded}",
            ]
        else:
            lines.append(f"    document[{writer.key!r}] = {encoded}")
    lines.append("    return document")
    # The source is built from the model's own field names (identifiers) and repr'd keys, never from input.
    exec(compile("\n".join(lines), f"<json writer of {name}>", "exec"), namespace)  # nosec B102
    return typing.cast(Callable[[Any], dict[str, Any]], namespace["write"])


_PLANS: dict[type, _Plan] = {}


def _plan(model: type) -> _Plan:
    """The model's plan, built on first use: introspection is done once per class, not per object."""
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = _built_plan(model)
    return plan


def _built_plan(model: type) -> _Plan:
    hints = typing.get_type_hints(model)
    writers: list[_Writer] = []
    readers: list[_Reader] = []
    for spec in dataclasses.fields(model):
        rule: _FieldRule = spec.metadata.get("json", _FieldRule())
        hint = hints[spec.name]
        if rule.inline:
            writers.extend(_inline_writers(spec.name, hint, rule))
            inlined = None if rule.decode is not None else _plan(hint)
            readers.append(_Reader(spec.name, None, _inline_reader(spec.name, hint, rule), inlined=inlined))
            continue
        key = rule.name or spec.name
        encode = _encoder(hint, rule.sort_keys)
        writers.append(_Writer(key, (spec.name,), encode, encode is _identity, rule.omit_none))
        readers.append(_Reader(spec.name, key, _decoder(hint), _default_of(spec, hint)))
    order: tuple[str, ...] | None = getattr(model, "JSON_KEYS", None)
    if order is not None:
        written = {writer.key: writer for writer in writers}
        unknown = [key for key in written if key not in order]
        if unknown:
            raise TypeError(f"{model.__name__}.JSON_KEYS lacks {unknown}")
        # A key no field writes is a property's value (e.g. primary_category): written as it is.
        writers = [written.get(key) or _Writer(key, _property_path(model, key)) for key in order]
    return _Plan(model, writers, readers)


def _property_path(model: type, key: str) -> tuple[str, ...]:
    """Where a written-only key's value is: the model's property, or else an inlined model's."""
    if hasattr(model, key):
        return (key,)
    for spec in dataclasses.fields(model):
        rule: _FieldRule = spec.metadata.get("json", _FieldRule())
        hint = typing.get_type_hints(model)[spec.name]
        if rule.inline and rule.encode is None and hasattr(hint, key):
            return (spec.name, key)
    raise TypeError(f"{model.__name__}.JSON_KEYS names {key!r}, which nothing writes")


def _inline_writers(name: str, hint: Any, rule: _FieldRule) -> list[_Writer]:
    if rule.encode is not None:
        return [_Writer(key, (name,), rule.encode, identity=False, pick=True) for key in rule.keys]
    nested = _plan(hint).writers
    unknown = set(rule.leave_out) - {writer.key for writer in nested}
    if unknown:
        raise TypeError(f"{name}: leave_out names keys {hint.__name__} does not write: {sorted(unknown)}")
    return [
        dataclasses.replace(writer, path=(name, *writer.path)) for writer in nested if writer.key not in rule.leave_out
    ]


def _inline_reader(name: str, hint: Any, rule: _FieldRule) -> Callable[[Mapping[str, Any]], Any]:
    if rule.decode is not None:
        decode = rule.decode

        def read(data: Mapping[str, Any]) -> Any:
            try:
                return decode(data)
            except DocumentError as error:
                raise error.within(name) from None
            except (KeyError, TypeError, ValueError) as error:
                raise DocumentError(f"{type(error).__name__}: {error}", name) from error

        return read
    return _plan(hint).read


def _default_of(spec: dataclasses.Field[Any], hint: Any) -> Callable[[], Any] | None:
    if spec.default is not _MISSING:
        value = spec.default
        return lambda: value
    if spec.default_factory is not _MISSING:
        return typing.cast(Callable[[], Any], spec.default_factory)
    if _optional_of(hint) is not None:
        return lambda: None
    return None


def _optional_of(hint: Any) -> Any | None:
    """X for `X | None`, else None."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0]
    return None


# ---------------------------------------------------------------- encoders and decoders by type


def _identity(value: Any) -> Any:
    return value


def _encoder(hint: Any, sort_keys: bool = False) -> Encode:
    inner = _optional_of(hint)
    if inner is not None:
        encode_inner = _encoder(inner, sort_keys)
        return lambda value: None if value is None else encode_inner(value)
    origin = typing.get_origin(hint)
    if origin in (tuple, list):
        encode_item = _encoder(typing.get_args(hint)[0])
        if encode_item is _identity:
            return list
        return lambda value: [encode_item(item) for item in value]
    if origin is dict:
        encode_value = _encoder(typing.get_args(hint)[1])
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
        nested = _plan(hint)
        return nested.write
    return _identity


def _decoder(hint: Any) -> Decode:
    inner = _optional_of(hint)
    if inner is not None:
        decode_inner = _decoder(inner)
        return lambda value: None if value is None else decode_inner(value)
    origin = typing.get_origin(hint)
    if origin in (tuple, list):
        decode_item = _decoder(typing.get_args(hint)[0])
        return _sequence_decoder(tuple if origin is tuple else list, decode_item)
    if origin is dict:
        decode_value = _decoder(typing.get_args(hint)[1])
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
        return _plan(hint).read
    if hint is Any:
        return _identity
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
