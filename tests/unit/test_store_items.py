"""The store's own item shapes, checked where something outside the store depends on them.

The only tests that look inside the store's private codec (core/store_collected_items.py,
core/store_published_items.py): the publisher's IAM role (template.yaml) may write exactly the
history item's attributes, the history must stay readable by the paper's one Query, and a mention
item carries a post's language and entities only when it has them (item size). Everything else tests
the store through its typed reads and writes (tests/integration/test_store_contract.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hotpapers.core.history import HistoryEntry
from hotpapers.core.models import Observation, Post, TextEntity
from hotpapers.core.store import HISTORY_ATTRIBUTES
from hotpapers.core.store_collected_items import mention_item
from hotpapers.core.store_published_items import history_item
from tests.support.doubles import post

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


def test_a_mention_item_carries_language_and_entities_only_when_the_post_has_them() -> None:
    arxiv_id, seen = "2105.00001", datetime(2021, 6, 2, 9, tzinfo=UTC)
    entity = TextEntity("url", 5, 28, url="https://t.co/abcdefghij", expanded_url=f"https://arxiv.org/abs/{arxiv_id}")
    rich = Post(**{**vars(post("1", D2, arxiv_id)), "lang": "ja", "entities": (entity,)})
    item = mention_item(Observation(rich, seen), arxiv_id, D2)
    assert item["lang"] == "ja" and item["entities"] == [entity.to_dict()]
    plain = mention_item(Observation(post("2", D2, arxiv_id), seen), arxiv_id, D2)
    assert "entities" not in plain and "lang" not in plain
