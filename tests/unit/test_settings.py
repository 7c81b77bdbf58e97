"""Settings: one reader of the environment for the whole package, with every value checked there."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hotpapers.core.digest import RankingConfig
from hotpapers.core.settings import DEFAULT_SITE_URL, Settings, SettingsError

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "hotpapers" / "hotpapers"
SETTINGS_MODULE = PACKAGE / "core" / "settings.py"
ENVIRONMENT_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_reads(path: Path, root: Path = PACKAGE) -> list[str]:
    """`os.environ`, `os.getenv`... and `from os import environ` in one module, as 'file:line name'."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = path.relative_to(root)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT_NAMES:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append((node.lineno, f"{name}:{node.lineno} os.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [
                (node.lineno, f"{name}:{node.lineno} from os import {alias.name}")
                for alias in node.names
                if alias.name in ENVIRONMENT_NAMES
            ]
    return [text for _, text in sorted(found)]


def test_only_the_settings_module_reads_the_environment() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert SETTINGS_MODULE in modules and len(modules) > 50  # the scan sees the package
    assert environment_reads(SETTINGS_MODULE), "the scan must find settings.py's own read"
    others = [read for path in modules if path != SETTINGS_MODULE for read in environment_reads(path)]
    assert others == [], "read the environment through core/settings.py's Settings"


def test_the_scan_finds_every_spelling(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os\nfrom os import getenv\na = os.environ['A']\nb = os.getenv('B')\nc = os.path.join('x')\n",
        encoding="utf-8",
    )
    assert environment_reads(probe, tmp_path) == [
        "probe.py:2 from os import getenv",
        "probe.py:3 os.environ",
        "probe.py:4 os.getenv",
    ]


def test_the_defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.ranking() == RankingConfig()
    assert (settings.site_url, settings.x_widgets) == (DEFAULT_SITE_URL, False)


def test_reading_settings_reads_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mapping passed in is the only source: the process environment is not consulted."""
    monkeypatch.setenv("HOTPAPERS_MIN_SCORE", "7")
    monkeypatch.setenv("HOTPAPERS_SITE_URL", "https://elsewhere.example/")
    assert Settings.from_env({}).ranking().min_score == 50
    assert Settings.from_env({}).site_url == DEFAULT_SITE_URL
    assert Settings.from_env().ranking().min_score == 7


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HOTPAPERS_X_WIDGETS", "maybe", "HOTPAPERS_X_WIDGETS must be true or false"),
        ("HOTPAPERS_MIN_SCORE", "-1", "HOTPAPERS_MIN_SCORE must be a whole number"),
        ("HOTPAPERS_WEIGHTS", "x=1,x=2", "HOTPAPERS_WEIGHTS: x is given twice"),
        ("HOTPAPERS_X_MAX_POSTS", "5", "HOTPAPERS_X_MAX_POSTS must be 0"),
    ],
)
def test_a_bad_value_fails_when_the_settings_are_read(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})
