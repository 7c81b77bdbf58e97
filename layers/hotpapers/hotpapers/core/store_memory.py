"""The store in memory: the same `Store`, its table a dict, for fast tests (no DynamoDB, no network).

Only the requests change: every typed read and write, the item codec (store_collected_items.py,
store_published_items.py) and the key order are the DynamoDB store's own, so what a test sees here is
what the table would hold.
Values pass through the DynamoDB JSON encoding on the way in and out, as they do over the wire
(numbers come back as Decimal, None attributes are dropped), and items are copies: changing a
returned item changes nothing stored. tests/integration/test_store_contract.py runs the same checks
against this store and the moto one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from hotpapers.core.clock import Clock, FakeClock
from hotpapers.core.store import Store

_SORT_KEYS = {None: "SK", "GSI1": "GSI1SK", "GSI2": "GSI2SK"}
_PARTITION_KEYS = {None: "PK", "GSI1": "GSI1PK", "GSI2": "GSI2PK"}


class MemoryBodies:
    """Large digest bodies kept in a dict: `DigestBodies`' interface without S3."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.requests = 0

    def put(self, key: str, body: bytes) -> None:
        self.requests += 1
        self.objects[key] = bytes(body)

    def get(self, key: str) -> bytes:
        self.requests += 1
        return self.objects[key]


class MemoryStore(Store):
    """A `Store` whose table is a dict of DynamoDB-JSON items keyed by (PK, SK)."""

    def __init__(
        self, clock: Clock | None = None, bodies: MemoryBodies | None = None, table_name: str = "memory"
    ) -> None:
        super().__init__(table_name, None, clock or FakeClock(), bodies=bodies)  # type: ignore[arg-type]
        self._items: dict[tuple[str, str], dict[str, Any]] = {}

    # ---- the requests Store makes, answered from the dict

    def _flush(self, requests: list[dict[str, Any]]) -> None:
        self.stats.requests += 1
        for request in requests:
            item = request["PutRequest"]["Item"]
            self._items[(item["PK"]["S"], item["SK"]["S"])] = item
        self.stats.items += len(requests)

    def _put_item(self, item: dict[str, Any]) -> None:
        self.stats.requests += 1
        stored = self._to_dynamo(item)
        self._items[(stored["PK"]["S"], stored["SK"]["S"])] = stored
        self.stats.items += 1

    def _get_items(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        self.read_requests += 1
        return [self._from_dynamo(self._items[key]) for key in dict.fromkeys(keys) if key in self._items]

    def _get_item(self, pk: str, sk: str) -> dict[str, Any] | None:
        self.read_requests += 1
        item = self._items.get((pk, sk))
        return self._from_dynamo(item) if item else None

    def _query(
        self,
        partition_key: str,
        value: str,
        index: str | None = None,
        sort_prefix: str | None = None,
        newest_first: bool = False,
    ) -> Iterator[dict[str, Any]]:
        self.read_requests += 1
        condition = ("begins_with", sort_prefix) if sort_prefix else None
        yield from self._matching(partition_key, value, index, condition, newest_first)

    def _query_page(
        self,
        partition_key: str,
        value: str,
        index: str | None,
        sort_condition: tuple[str, str] | None,
        newest_first: bool,
        limit: int,
        after_sort_key: str | None,
    ) -> list[dict[str, Any]]:
        self.read_requests += 1
        items = self._matching(partition_key, value, index, sort_condition, newest_first)
        if after_sort_key is not None:
            sort_key = _SORT_KEYS[index]
            items = [
                item
                for item in items
                if (item[sort_key] < after_sort_key if newest_first else item[sort_key] > after_sort_key)
            ]
        return items[:limit]

    def _matching(
        self,
        partition_key: str,
        value: str,
        index: str | None,
        condition: tuple[str, str] | None,
        newest_first: bool,
    ) -> list[dict[str, Any]]:
        """The items of one partition of the table or an index, in DynamoDB's order (by sort key, as UTF-8)."""
        if partition_key != _PARTITION_KEYS[index]:
            raise ValueError(f"{partition_key} is not the partition key of {index or 'the table'}")
        sort_key = _SORT_KEYS[index]
        found = []
        for item in self._items.values():
            if item.get(partition_key, {}).get("S") != value or sort_key not in item:
                continue  # an index holds only the items with its keys (a sparse index)
            sort_value = item[sort_key]["S"]
            if condition:
                operator, operand = condition
                if (operator == "<" and not sort_value < operand) or (
                    operator == "begins_with" and not sort_value.startswith(operand)
                ):
                    continue
            found.append(item)
        # Python orders str by code point, which is UTF-8's byte order: DynamoDB's order for S keys.
        found.sort(key=lambda item: (item[sort_key]["S"], item["PK"]["S"], item["SK"]["S"]), reverse=newest_first)
        return [self._from_dynamo(item) for item in found]

    # ---- for tests

    def item_count(self) -> int:
        """How many items the table holds."""
        return len(self._items)

    def dynamo_items(self) -> list[dict[str, Any]]:
        """Every item as the table holds it (DynamoDB JSON, copies), to load another table with what this store
        wrote: bench/servers.py puts a five-year archive straight into moto's backend this way."""
        return [{name: dict(value) for name, value in item.items()} for item in self._items.values()]
