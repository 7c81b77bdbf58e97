"""`make audit` where pip-audit's service is out of reach: the fallback still finds what PyPI lists.

scripts/audit.py runs against a fake PyPI on loopback that, like the real one seen from this
machine, answers the per-project JSON but not the per-version JSON pip-audit needs. A pinned
latest release with an advisory must fail the audit; a pin that is not the latest release must be
reported as NOT AUDITED (and fail under AUDIT_STRICT=1); a clean lock passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support import ledger

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
ADVISORY = {"id": "GHSA-fake-0001", "aliases": ["CVE-2099-0001"], "fixed_in": ["2.0.1"], "withdrawn": None}
PROJECTS: dict[str, dict[str, Any]] = {
    "cleanlib": {"info": {"version": "1.0.0"}, "vulnerabilities": []},
    "vulnlib": {"info": {"version": "2.0.0"}, "vulnerabilities": [ADVISORY]},
    "oldlib": {"info": {"version": "3.1.0"}, "vulnerabilities": []},
}


@pytest.fixture(scope="module")
def fake_pypi() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            parts = self.path.strip("/").split("/")  # pypi/<name>/json or pypi/<name>/<version>/json
            document = PROJECTS.get(parts[1]) if len(parts) == 3 and parts[0] == "pypi" else None
            body = json.dumps(document).encode() if document else b'{"message": "Not Found"}'
            self.send_response(200 if document else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def audit(fake_pypi: str, tmp_path: Path, pins: list[str], strict: bool = False) -> subprocess.CompletedProcess[str]:
    lock = tmp_path / "requirements.txt"
    lock.write_text("".join(f"{pin} \\\n    --hash=sha256:{'0' * 64}\n" for pin in pins), encoding="utf-8")
    env = {**os.environ, "HOTPAPERS_AUDIT_PYPI_URL": fake_pypi, "AUDIT_STRICT": "1" if strict else "0"}
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "audit.py"), str(lock)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_fallback_audit_fails_on_an_advisory_and_reports_what_it_cannot_audit(
    fake_pypi: str, tmp_path: Path
) -> None:
    clean = audit(fake_pypi, tmp_path, ["cleanlib==1.0.0"])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "not reachable" in clean.stdout and "1 of 1 pins audited, 0 known vulnerabilities" in clean.stdout

    vulnerable = audit(fake_pypi, tmp_path, ["cleanlib==1.0.0", "vulnlib==2.0.0"])
    assert vulnerable.returncode == 1, vulnerable.stdout
    assert "VULNERABLE vulnlib==2.0.0: GHSA-fake-0001 (fixed in 2.0.1)" in vulnerable.stdout

    old = audit(fake_pypi, tmp_path, ["cleanlib==1.0.0", "oldlib==3.0.0"])
    assert old.returncode == 0 and "NOT AUDITED oldlib==3.0.0 (latest is 3.1.0" in old.stdout, old.stdout
    strict = audit(fake_pypi, tmp_path, ["cleanlib==1.0.0", "oldlib==3.0.0"], strict=True)
    assert strict.returncode == 1, strict.stdout

    missing = audit(fake_pypi, tmp_path, ["nosuchlib==1.0"], strict=True)
    assert missing.returncode == 1 and "NOT AUDITED nosuchlib==1.0 (PyPI answered 404)" in missing.stdout
    ledger.record(
        "template_security",
        check="make audit's fallback (PyPI per-project JSON) against a fake PyPI",
        resources=5,
        result="pass",
        detail="clean lock passes; a pinned latest release with an advisory fails; a pin that is not the latest "
        "is reported NOT AUDITED (fails with AUDIT_STRICT=1); an unknown package too",
    )
