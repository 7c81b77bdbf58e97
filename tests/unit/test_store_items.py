"""The store's own item shapes, checked where something outside the store depends on them.

The only tests that look inside the store's private codec (core/store_published_items.py): the
publisher's IAM role (template.yaml) may write exactly the history item's attributes, and the
history must stay readable by the paper's one Query. Everything else tests the store through its
typed reads and writes (tests/integration/test_store_contract.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from hotpapers.core.history import HistoryEntry
from hotpapers.core.store import HISTORY_ATTRIBUTES
from hotpapers.core.store_published_items import history_item

pytestmark = pytest.mark.unit

D1, D2 = date(2021, 5, 28), date(2021, 6, 1)


def test_the_history_item_lives_in_the_papers_partition() -> None:
    entries = [HistoryEntry(D1, 3, 1204), HistoryEntry(D2, 1, 2000)]
    item = history_item("hep-th/9901001", entries)
    assert item == {
        "PK": "PAPER#hep-th/9901001",
        "SK": "HISTORY",
        "entity": "history",
        "arxiv_id": "hep-th/9901001",
        "history": [
            {"date": "2021-05-28", "rank": 3, "score": 1204},
            {"date": "2021-06-01", "rank": 1, "score": 2000},
        ],
    }
    assert [HistoryEntry.from_dict(entry) for entry in item["history"]] == entries
    assert not any(key.startswith("GSI") for key in item)  # no index: only the paper's own Query reads it


def test_the_history_item_is_made_of_exactly_the_attributes_the_publishers_role_may_write() -> None:
    assert tuple(history_item("2105.14103", [HistoryEntry(D1, 1, 60)])) == HISTORY_ATTRIBUTES
    assert tuple(history_item("2105.14103", [])) == HISTORY_ATTRIBUTES  # an empty history keeps its list
