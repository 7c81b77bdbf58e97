"""How each JSON model class is written and read: its plan, built once from its fields and cached.

A plan holds one writer per key and one reader per field, and compiles them into two generated
functions (`write`, `read`): the publisher writes and reads tens of thousands of papers, and a
loop over per-key closures cost twice the hand-written `to_dict`s the plans replaced. The public
side (`JsonModel`, `json_field`) is core/json_codec.py; the values by type, core/json_values.py.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from typing import Any

from hotpapers.core.json_values import (
    DocumentError,
    Encode,
    exact_type_of,
    identity,
    optional_of,
    value_decoder,
    value_encoder,
)

__all__ = ["FIELD_RULE", "FieldRule", "ModelPlan", "plan_of"]

FIELD_RULE = "json"  # the dataclass field metadata key of its `FieldRule`
_MISSING: Any = dataclasses.MISSING


@dataclasses.dataclass(frozen=True)
class FieldRule:
    """One field's rules (`json_field`): key name, None left out, sorted keys, inlining, leaving keys out."""

    name: str | None = None
    omit_none: bool = False
    sort_keys: bool = False
    inline: bool = False
    encode: Callable[[Any], dict[str, Any]] | None = None
    decode: Callable[[Mapping[str, Any]], Any] | None = None
    keys: tuple[str, ...] = ()
    leave_out: tuple[str, ...] = ()


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
    inlined: ModelPlan | None = None  # an inlined model's plan: its fields are read in the parent's generated code


@dataclasses.dataclass
class ModelPlan:
    """A model's writers (one a key, in written order) and readers (one a field), and the two
    functions generated from them."""

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
            continue
        read = f"{decode}(data[{reader.key!r}])"
        exact = exact_type_of(reader.decode)
        if exact is not None:
            # A str or int is taken as it is, without calling its decoder: most of a document's values.
            exact_name = f"exact_{len(namespace)}"
            namespace[exact_name] = exact
            read = f"(value if type(value := data[{reader.key!r}]) is {exact_name} else {decode}(value))"
        if reader.default is None:
            arguments.append(f"{reader.field}={read}")
        else:
            default = f"default_{len(namespace)}"
            namespace[default] = reader.default
            arguments.append(f"{reader.field}={read} if {reader.key!r} in data else {default}()")
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


_PLANS: dict[type, ModelPlan] = {}


def plan_of(model: type) -> ModelPlan:
    """The model's plan, built on first use: introspection is done once per class, not per object."""
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = _built_plan(model)
    return plan


def _model_writer(model: type) -> Callable[[Any], Any]:
    return plan_of(model).write


def _model_reader(model: type) -> Callable[[Any], Any]:
    return plan_of(model).read


def _built_plan(model: type) -> ModelPlan:
    hints = typing.get_type_hints(model)
    writers: list[_Writer] = []
    readers: list[_Reader] = []
    for spec in dataclasses.fields(model):
        rule: FieldRule = spec.metadata.get(FIELD_RULE, FieldRule())
        hint = hints[spec.name]
        if rule.inline:
            writers.extend(_inline_writers(spec.name, hint, rule))
            inlined = None if rule.decode is not None else plan_of(hint)
            readers.append(_Reader(spec.name, None, _inline_reader(spec.name, hint, rule), inlined=inlined))
            continue
        key = rule.name or spec.name
        encode = value_encoder(hint, _model_writer, rule.sort_keys)
        writers.append(_Writer(key, (spec.name,), encode, encode is identity, rule.omit_none))
        readers.append(_Reader(spec.name, key, value_decoder(hint, _model_reader), _default_of(spec, hint)))
    order: tuple[str, ...] | None = getattr(model, "JSON_KEYS", None)
    if order is not None:
        written = {writer.key: writer for writer in writers}
        unknown = [key for key in written if key not in order]
        if unknown:
            raise TypeError(f"{model.__name__}.JSON_KEYS lacks {unknown}")
        # A key no field writes is a property's value (e.g. primary_category): written as it is.
        writers = [written.get(key) or _Writer(key, _property_path(model, key)) for key in order]
    return ModelPlan(model, writers, readers)


def _property_path(model: type, key: str) -> tuple[str, ...]:
    """Where a written-only key's value is: the model's property, or else an inlined model's."""
    if hasattr(model, key):
        return (key,)
    for spec in dataclasses.fields(model):
        rule: FieldRule = spec.metadata.get(FIELD_RULE, FieldRule())
        hint = typing.get_type_hints(model)[spec.name]
        if rule.inline and rule.encode is None and hasattr(hint, key):
            return (spec.name, key)
    raise TypeError(f"{model.__name__}.JSON_KEYS names {key!r}, which nothing writes")


def _inline_writers(name: str, hint: Any, rule: FieldRule) -> list[_Writer]:
    if rule.encode is not None:
        return [_Writer(key, (name,), rule.encode, identity=False, pick=True) for key in rule.keys]
    nested = plan_of(hint).writers
    unknown = set(rule.leave_out) - {writer.key for writer in nested}
    if unknown:
        raise TypeError(f"{name}: leave_out names keys {hint.__name__} does not write: {sorted(unknown)}")
    return [
        dataclasses.replace(writer, path=(name, *writer.path)) for writer in nested if writer.key not in rule.leave_out
    ]


def _inline_reader(name: str, hint: Any, rule: FieldRule) -> Callable[[Mapping[str, Any]], Any]:
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
    return plan_of(hint).read


def _default_of(spec: dataclasses.Field[Any], hint: Any) -> Callable[[], Any] | None:
    if spec.default is not _MISSING:
        value = spec.default
        return lambda: value
    if spec.default_factory is not _MISSING:
        return typing.cast(Callable[[], Any], spec.default_factory)
    if optional_of(hint) is not None:
        return lambda: None
    return None
