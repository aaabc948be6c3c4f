"""What a project depending on carteira reads of the package itself (issue 16, item 5)."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import carteira

ROOT = Path(__file__).parent.parent


def test_version_is_the_installed_distributions_and_the_projects() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert carteira.__version__ == version("carteira") == declared["project"]["version"]


def test_an_unknown_name_of_the_package_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        carteira.nothing_here  # noqa: B018


def test_the_lowest_versions_ci_installs_are_the_declared_floors() -> None:
    """`make lowest` installs .ci/lowest.txt: each pin is the floor pyproject.toml declares."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = [*declared["dependencies"]]
    for extra in ("testing", "sql", "postgres", "xlsx"):
        specs += declared["optional-dependencies"][extra]
    floors = {}
    for spec in specs:
        if ">=" in spec:
            name, floor = spec.split(">=")
            floors[name.split("[")[0].strip().lower()] = floor.split(",")[0].strip()
    pins = {}
    for line in (ROOT / ".ci" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, pin = line.split("==")
            pins[name.strip().lower()] = pin.strip()
    assert {name: pins.get(name) for name in floors} == floors
