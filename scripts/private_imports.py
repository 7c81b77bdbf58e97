"""List private names (`_x`) used across module boundaries: `from m import _x`, and `m._x` where `m` is an
imported module. A private name is its module's own business; another module that needs it needs a public
name (or the code belongs elsewhere).

    python scripts/private_imports.py [folders...]   # default: layers local bench tests scripts functions

Prints one line per use (file:line  module  name) and the count; exits 1 when there is any, so that
`make lint` (which runs it) keeps the count at 0.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DEFAULT_FOLDERS = ("layers", "local", "bench", "tests", "scripts", "functions")
# The project's own modules (a relative import is one too); sys._getframe and os._exit are the stdlib's API.
PROJECT_MODULES = ("hotpapers", "hotpapers_local", "tests", "bench", "scripts", ".")


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) of every private name this file takes from another module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str, str]] = []
    module_aliases: dict[str, str] = {}  # local name -> imported module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                if is_private(alias.name):
                    found.append((node.lineno, module, alias.name))
                else:
                    module_aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module_aliases[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            base = node.value
            if isinstance(base, ast.Name) and base.id in module_aliases:
                found.append((node.lineno, module_aliases[base.id], node.attr))
    return sorted(set(found))


def main(argv: list[str]) -> int:
    folders = argv or list(DEFAULT_FOLDERS)
    total = 0
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.py")):
            if any(part.startswith(".") for part in path.parts):
                continue
            for line, module, name in private_uses(path):
                if not module.startswith(PROJECT_MODULES):
                    continue
                print(f"{path}:{line}  {module}  {name}")
                total += 1
    print(f"{total} private name(s) used across modules")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
