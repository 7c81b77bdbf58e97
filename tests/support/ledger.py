"""The reliability ledger: each reliability test records what it proved, as one row of a table.

`docs/reliability.md` is generated from these rows (`scripts/reliability_report.py`), so the
document shows what the suites actually ran, not what someone remembered. A test records its
row only after its assertions passed: a failing check fails `make test` and never reaches the
document.

Rows go to `test-output/reliability/<table>.jsonl` (one JSON object per line, appended); the
session start (tests/reliability/conftest.py) clears the folder so a run's document describes
that run only.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LEDGER_DIR = Path(os.environ.get("HOTPAPERS_RELIABILITY_DIR", ROOT / "test-output" / "reliability"))

# The tables of docs/reliability.md, in the document's order, with a sentence on what each proves.
TABLES: dict[str, str] = {
    "upstream_faults": "Upstream faults, injected by a misbehaving local server in front of each source.",
    "aws_faults": "AWS faults, injected by a proxy or wrapper in front of the moto endpoint.",
    "crash_trials": "Crash consistency: runs killed at seeded random points, then re-run, compared with a clean run.",
    "bad_events": "Malformed events sent to every handler: a clear error, nothing written.",
    "bad_api_input": "The API under fuzzing and property tests.",
    "hostile_text": "Hostile text through the whole pipeline, opened in headless Chromium.",
    "template_security": "Security properties of template.yaml, checked by parsing it.",
    "secrets": "Secrets kept out of logs.",
    "load": "Load on the local API server from a second process on loopback.",
    "findings": "Findings: what the suites found, and what was done.",
}

_lock = threading.Lock()


def record(table: str, **row: Any) -> None:
    """Append one row to `table` (a key of TABLES). Values must be JSON-serialisable."""
    if table not in TABLES:
        raise KeyError(f"unknown reliability table {table!r}; add it to TABLES")
    LEDGER_DIR.mkdir(parents=True, exist_ok=True)
    line = json.dumps(row, ensure_ascii=False, sort_keys=False, default=str)
    with _lock, (LEDGER_DIR / f"{table}.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def rows(table: str) -> list[dict[str, Any]]:
    path = LEDGER_DIR / f"{table}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def clear() -> None:
    if LEDGER_DIR.exists():
        for path in LEDGER_DIR.glob("*.jsonl"):
            path.unlink()
