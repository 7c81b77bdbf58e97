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
Three modules: this one, the public side; core/json_plans.py, the per-model plans (generated
readers and writers); core/json_values.py, the values by type and `DocumentError`.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self

from hotpapers.core.json_plans import FIELD_RULE, FieldRule, plan_of
from hotpapers.core.json_values import DocumentError, iso_time, parse_time

__all__ = ["DocumentError", "JsonModel", "iso_time", "json_field", "parse_time"]


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
    rule = FieldRule(name, omit_none, sort_keys, inline or encode is not None, encode, decode, keys, leave_out)
    return {FIELD_RULE: rule}


class JsonModel:
    """Mix into a dataclass: `to_dict` and `from_dict` by its fields' types (see the module's doc).

    `JSON_KEYS`, when set, is the written key order; a key in it that no field writes is a
    property's value, written only (e.g. `primary_category`): the model's own, or else an inlined
    model's.
    """

    JSON_KEYS: ClassVar[tuple[str, ...] | None] = None

    def to_dict(self) -> dict[str, Any]:
        return plan_of(type(self)).write(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        plan = plan_of(cls)
        return typing.cast(Self, plan.read(data))
