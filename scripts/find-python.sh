#!/bin/sh
# Prints the absolute path of a Python 3.13 interpreter: the Lambda runtime of template.yaml
# (python3.13), so the virtual environment, the tests and `sam build` run on the deployed
# interpreter. Used by the Makefile and scripts/check-template.sh.
#
# Tries, in order: `python3.13` on PATH, then pyenv's 3.13.x installs (pyenv's bare
# `python3.13` shim fails unless PYENV_VERSION selects that version, so the installs are tried
# by path), then the usual system locations. The first that really runs 3.13 wins.
# Exits 1, saying what to install, when there is none.
set -u
WANT=3.13

works() {
    "$1" -c "import sys; sys.exit(sys.version_info[:2] != (${WANT%.*}, ${WANT#*.}))" >/dev/null 2>&1
}

pyenv_root="$(pyenv root 2>/dev/null || true)"
[ -n "$pyenv_root" ] || pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"

# Newest 3.13.x first.
pyenv_installs="$(ls -d "$pyenv_root"/versions/$WANT*/bin/python$WANT 2>/dev/null | sort -r -V)"

for candidate in "python$WANT" $pyenv_installs "/usr/local/bin/python$WANT" "/usr/bin/python$WANT"; do
    if works "$candidate"; then
        # sys.executable: the real interpreter, not a shim, so its folder can go first on PATH.
        exec "$candidate" -c 'import sys; print(sys.executable)'
    fi
done

echo "Python $WANT not found (the Lambda runtime is python$WANT): install it, e.g." \
    "'apt-get install python$WANT' or 'pyenv install $WANT', or pass PYTHON=/path/to/python$WANT" >&2
exit 1
