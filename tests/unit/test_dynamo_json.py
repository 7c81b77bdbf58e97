"""Our DynamoDB JSON codec agrees with boto3's TypeSerializer, and round-trips."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from hotpapers.core.dynamo_json import from_attr, to_attr

pytestmark = pytest.mark.unit

scalars = st.one_of(
    st.text(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.none(),
    st.binary(max_size=64),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=25,
)


@given(values)
def test_serialises_exactly_as_boto3_does(value):
    expected = TypeSerializer().serialize(value)
    assert to_attr(value) == expected


@given(values)
def test_round_trips(value):
    assert from_attr(to_attr(value)) == value


def test_sets_and_decimals():
    assert to_attr({"b", "a"}) == {"SS": ["a", "b"]}
    assert from_attr(to_attr(Decimal("1.25"))) == 1.25
    assert from_attr({"NS": ["1", "2"]}) == {1, 2}


def test_floats_and_unknown_types_are_refused():
    with pytest.raises(TypeError):
        to_attr(1.5)
    with pytest.raises(TypeError):
        to_attr(object())
