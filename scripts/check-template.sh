#!/usr/bin/env bash
# Checks template.yaml offline-ish (PyPI is the only network it needs):
#   cfn-lint, `sam validate --lint`, `sam build` (no container), then that the
#   built layer and functions hold what the handlers import.
#
# The SAM CLI lives in its own virtualenv, .venv-sam/, because its pins clash
# with the app's. It is created on first run (a couple of minutes).
# Needs: python3 with venv, and python3.11 on PATH (sam build runs the
# runtime's interpreter to build the layer's wheels).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
SAM_VENV="$ROOT/.venv-sam"

export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export SAM_CLI_TELEMETRY=0

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'check-template: FAILED: %s\n' "$*" >&2; exit 1; }

if ! command -v python3.11 >/dev/null 2>&1; then
    fail "python3.11 is not on PATH; sam build needs it for the python3.11 runtime"
fi

# Test for the executables, not the directory: an interrupted install leaves
# a venv without them, and this re-runs the install.
if [[ ! -x "$SAM_VENV/bin/sam" || ! -x "$SAM_VENV/bin/cfn-lint" ]]; then
    step "creating $SAM_VENV with aws-sam-cli and cfn-lint"
    [[ -x "$SAM_VENV/bin/python" ]] || "$PYTHON" -m venv "$SAM_VENV"
    "$SAM_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$SAM_VENV/bin/python" -m pip install --quiet --disable-pip-version-check aws-sam-cli cfn-lint
fi
SAM="$SAM_VENV/bin/sam"

if [[ -x "$ROOT/.venv/bin/cfn-lint" ]]; then
    CFN_LINT="$ROOT/.venv/bin/cfn-lint"
else
    CFN_LINT="$SAM_VENV/bin/cfn-lint"
fi

step "cfn-lint template.yaml ($("$CFN_LINT" --version))"
# cfn-lint exits non-zero on any error, warning or informational finding.
"$CFN_LINT" template.yaml

step "sam validate --lint ($("$SAM" --version))"
"$SAM" validate --lint

step "sam build"
"$SAM" build

step "checking build artifacts"
for path in \
    .aws-sam/build/HotpapersLayer/python/hotpapers/__init__.py \
    .aws-sam/build/HotpapersLayer/python/boto3/__init__.py \
    .aws-sam/build/CollectFunction/app.py \
    .aws-sam/build/PublishFunction/app.py \
    .aws-sam/build/ApiFunction/app.py; do
    [[ -f "$path" ]] || fail "$path is missing after sam build"
    printf '    found %s\n' "$path"
done

step "checking the layer holds exactly the lock (layers/hotpapers/requirements.txt)"
"$PYTHON" - <<'PY' || fail "the built layer does not match layers/hotpapers/requirements.txt"
import re, sys
from pathlib import Path

norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
lock = dict(
    (norm(n), v) for n, v in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", Path("layers/hotpapers/requirements.txt").read_text(), re.M)
)
built = {}
for info in Path(".aws-sam/build/HotpapersLayer/python").glob("*.dist-info"):
    name, version = info.name[: -len(".dist-info")].rsplit("-", 1)
    built[norm(name)] = version
if built != lock:
    print(f"    lock only: {sorted(set(lock.items()) - set(built.items()))}", file=sys.stderr)
    print(f"    layer only: {sorted(set(built.items()) - set(lock.items()))}", file=sys.stderr)
    sys.exit(1)
print(f"    {len(built)} packages, each at its locked version")
PY

printf '\ncheck-template: OK (cfn-lint clean, sam validate --lint valid, sam build succeeded, layer, CollectFunction, PublishFunction and ApiFunction artifacts present, layer == lock)\n'
