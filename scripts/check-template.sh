#!/usr/bin/env bash
# Checks template.yaml offline-ish (PyPI is the only network it needs):
#   cfn-lint, `sam validate --lint`, `sam build` (no container), then that the
#   built layer and functions hold what the handlers import.
#
# The SAM CLI lives in its own virtualenv, .venv-sam/, because its pins clash
# with the app's. It is created on first run (a couple of minutes).
# Needs: Python 3.13, the functions' runtime (python3.13): `sam build` runs the
# runtime's interpreter, found as `python3.13` on PATH, to build the layer's wheels.
# scripts/find-python.sh finds one (python3.13 on PATH, else pyenv's 3.13.x,
# whose bare shim fails unless PYENV_VERSION is set) and its folder goes first
# on PATH for sam build. PYTHON=/path/to/python3.13 overrides.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SAM_VENV="$ROOT/.venv-sam"

export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export SAM_CLI_TELEMETRY=0

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'check-template: FAILED: %s\n' "$*" >&2; exit 1; }

if [[ -z "${PYTHON:-}" ]]; then
    PYTHON="$(sh "$ROOT/scripts/find-python.sh")" || fail "sam build needs Python 3.13 for the python3.13 runtime"
fi
RUNTIME_VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
    || fail "$PYTHON does not run"
[[ "$RUNTIME_VERSION" == 3.13 ]] || fail "$PYTHON is Python $RUNTIME_VERSION; sam build needs 3.13 for the python3.13 runtime"
# sam build looks the runtime's interpreter up as `python3.13` on PATH: put this one's folder first,
# with a python3.13 in it (a venv's or pyenv's folder may only hold `python`).
PYTHON_BIN="$(mktemp -d)"
trap 'rm -rf "$PYTHON_BIN"' EXIT
ln -s "$("$PYTHON" -c 'import sys; print(sys.executable)')" "$PYTHON_BIN/python3.13"
export PATH="$PYTHON_BIN:$PATH"

# Test for the executables, not the directory: an interrupted install leaves
# a venv without them, and this re-runs the install.
if [[ ! -x "$SAM_VENV/bin/sam" || ! -x "$SAM_VENV/bin/cfn-lint" ]]; then
    step "creating $SAM_VENV with aws-sam-cli and cfn-lint (Python $RUNTIME_VERSION)"
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

step "cfn-lint --include-checks I template.yaml ($("$CFN_LINT" --version))"
# cfn-lint exits non-zero on any error, warning or informational finding; --include-checks I turns
# on the informational rules (I3011: explicit DeletionPolicy/UpdateReplacePolicy on stateful resources).
"$CFN_LINT" --include-checks I -- template.yaml

step "sam validate --lint ($("$SAM" --version))"
"$SAM" validate --lint

step "sam build (python3.13: $(command -v python3.13), $(python3.13 --version))"
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

step "checking the local stack is not in the layer (it ships with make demo and the tests only)"
for path in .aws-sam/build/*/python/hotpapers/local .aws-sam/build/*/python/hotpapers_local .aws-sam/build/*/python/moto; do
    if [[ -e "$path" ]]; then fail "$path is in the built layer: the local stack and moto must not ship to Lambda"; fi
done
printf '    no hotpapers/local, hotpapers_local or moto under .aws-sam/build/*/python\n'

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
