"""`make audit`: known vulnerabilities in the locked runtime dependencies (the layer's requirements.txt).

It runs `pip-audit --strict --require-hashes -r <lock>` when pip-audit's vulnerability service is
reachable: PyPI's per-version JSON API (pypi.org/pypi/<name>/<version>/json), which pip-audit's
default `--vulnerability-service pypi` reads. Some build machines reach PyPI only partly (the
package index and the per-project JSON, not the per-version JSON, nor OSV): there pip-audit can
audit nothing, so this falls back to PyPI's per-project JSON (pypi.org/pypi/<name>/json), whose
`vulnerabilities` are those of the project's LATEST release. A pin that is the latest release is
audited that way; one that is not is listed as NOT AUDITED (re-lock with `make lock`, or run
`make audit` where pip-audit can reach its service).

Exit status: 1 when a vulnerability is found (either way) or pip-audit fails; 0 otherwise. Pins
that could not be audited are printed, and fail the run too when AUDIT_STRICT=1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LOCK = ROOT / "layers" / "hotpapers" / "requirements.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)
TIMEOUT = 20


def pypi() -> str:
    """PyPI's base URL (HOTPAPERS_AUDIT_PYPI_URL lets the tests point this at a local fake)."""
    return os.environ.get("HOTPAPERS_AUDIT_PYPI_URL", "https://pypi.org").rstrip("/")


def fetch_json(url: str) -> tuple[int, dict | None]:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "hotpapers-audit"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (urllib.error.URLError, TimeoutError, OSError):
        return 0, None


def pins(lock: Path) -> list[tuple[str, str]]:
    return PIN.findall(lock.read_text(encoding="utf-8"))


def pip_audit_service_reachable(sample: tuple[str, str]) -> bool:
    status, _ = fetch_json(f"{pypi()}/pypi/{sample[0]}/{sample[1]}/json")
    return status == 200


def run_pip_audit(lock: Path) -> int:
    command = [
        sys.executable, "-m", "pip_audit", "--strict", "--require-hashes", "--disable-pip",
        "--progress-spinner", "off", "-r", str(lock),
    ]  # fmt: skip
    print("audit: " + " ".join(command[2:]), flush=True)
    return subprocess.call(command)


def latest_release_audit(lock: Path) -> tuple[list[str], list[str], int]:
    """(vulnerabilities found, pins not audited, pins audited) from PyPI's per-project JSON."""
    found: list[str] = []
    unaudited: list[str] = []
    audited = 0
    for name, version in pins(lock):
        status, document = fetch_json(f"{pypi()}/pypi/{name}/json")
        if status != 200 or document is None:
            unaudited.append(f"{name}=={version} (PyPI answered {status or 'nothing'})")
            continue
        latest = document["info"]["version"]
        if latest != version:
            unaudited.append(f"{name}=={version} (latest is {latest}; only the latest release's advisories are listed)")
            continue
        audited += 1
        for vulnerability in document.get("vulnerabilities") or []:
            if vulnerability.get("withdrawn"):
                continue
            fixed = ", ".join(vulnerability.get("fixed_in") or []) or "no fixed version"
            found.append(f"{name}=={version}: {vulnerability.get('id')} (fixed in {fixed})")
    return found, unaudited, audited


def main(argv: list[str]) -> int:
    locks = [Path(arg) for arg in argv] or [DEFAULT_LOCK]
    status = 0
    for lock in locks:
        pinned = pins(lock)
        if not pinned:
            print(f"audit: {lock} pins nothing (expected name==version lines)", file=sys.stderr)
            return 1
        if pip_audit_service_reachable(pinned[0]):
            status |= 1 if run_pip_audit(lock) else 0
            continue
        print(
            f"audit: pip-audit's vulnerability service (PyPI's per-version JSON API) is not reachable from this "
            f"machine; auditing {lock.relative_to(ROOT) if lock.is_relative_to(ROOT) else lock} against PyPI's "
            "per-project JSON (advisories of each project's latest release) instead",
            flush=True,
        )
        found, unaudited, audited = latest_release_audit(lock)
        print(f"audit: {audited} of {len(pinned)} pins audited, {len(found)} known vulnerabilities")
        for line in found:
            print(f"  VULNERABLE {line}")
        for line in unaudited:
            print(f"  NOT AUDITED {line}")
        if found:
            status = 1
        elif unaudited and os.environ.get("AUDIT_STRICT") == "1":
            print("audit: AUDIT_STRICT=1 and some pins could not be audited", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
