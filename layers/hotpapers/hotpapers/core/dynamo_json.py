"""Python values ⇄ DynamoDB's attribute-value JSON, for the low-level client.

boto3's TypeSerializer does the same, but importing anything from boto3 loads
the whole package (s3transfer included): ~70 ms of every cold start, which the
API's cold-start budget cannot afford (bench/README.md). The mapping is the
documented one: str → S, bool → BOOL, int/Decimal → N, bytes → B, None → NULL,
dict → M, list/tuple → L, set of str/numbers/bytes → SS/NS/BS. Floats are
refused, as boto3 refuses them: DynamoDB numbers are decimals.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any


def to_attr(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):  # before int: bool is an int
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, dict):
        return {"M": {str(key): to_attr(inner) for key, inner in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attr(inner) for inner in value]}
    if isinstance(value, set | frozenset) and value:
        if all(isinstance(inner, str) for inner in value):
            return {"SS": sorted(value)}
        if all(isinstance(inner, int | Decimal) and not isinstance(inner, bool) for inner in value):
            return {"NS": sorted(str(inner) for inner in value)}
        if all(isinstance(inner, bytes) for inner in value):
            return {"BS": sorted(value)}
    raise TypeError(f"cannot store {type(value).__name__} {value!r} in DynamoDB")


def from_attr(attr: dict[str, Any]) -> Any:
    """DynamoDB JSON → plain Python; numbers become int when whole, else float."""
    ((kind, value),) = attr.items()
    # Most common kinds first: a five-year rebuild reads ~6 million attribute values.
    if kind == "S":
        return value
    if kind == "N":
        return _number(value)
    if kind == "M":
        return {key: from_attr(inner) for key, inner in value.items()}
    if kind == "L":
        return [from_attr(inner) for inner in value]
    if kind == "BOOL":
        return value
    if kind == "NULL":
        return None
    if kind == "B":  # bytes from botocore's parser; base64 text when read raw (store_table.fast_query_parsing)
        return base64.b64decode(value) if isinstance(value, str) else value
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {_number(inner) for inner in value}
    if kind == "BS":
        return set(value)
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")


def _number(text: str) -> int | float:
    try:
        return int(text)  # whole numbers (nearly all: counts, scores) without a Decimal
    except ValueError:
        number = Decimal(text)
        return int(number) if number == number.to_integral_value() else float(number)
