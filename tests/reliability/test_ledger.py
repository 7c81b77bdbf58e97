"""The ledger and the report generator themselves."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.support import ledger

pytestmark = pytest.mark.reliability


def test_rows_round_trip_and_unknown_tables_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(ledger, "LEDGER_DIR", tmp_path)
    ledger.record("load", requests=10, p99_ms=1.5, note="a | b")
    assert ledger.rows("load") == [{"requests": 10, "p99_ms": 1.5, "note": "a | b"}]
    with pytest.raises(KeyError):
        ledger.record("no-such-table", x=1)


def test_report_renders_each_table_and_escapes_cells(tmp_path, monkeypatch):
    monkeypatch.setattr(ledger, "LEDGER_DIR", tmp_path)
    ledger.record("load", requests=10, note="a | b")
    path = Path(__file__).resolve().parents[2] / "scripts" / "reliability_report.py"
    spec = importlib.util.spec_from_file_location("reliability_report", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.render()
    assert "| requests | note |" in text
    assert "| 10 | a \\| b |" in text
    assert "_No rows recorded in this run._" in text  # the other tables are empty here


def test_report_cells_show_markup_instead_of_rendering_it(tmp_path, monkeypatch):
    monkeypatch.setattr(ledger, "LEDGER_DIR", tmp_path)
    ledger.record("findings", finding="<script>alert(1)</script> in `<b>code</b>`")
    path = Path(__file__).resolve().parents[2] / "scripts" / "reliability_report.py"
    spec = importlib.util.spec_from_file_location("reliability_report", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.render()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; in `<b>code</b>`" in text
    assert "<script>" not in text
