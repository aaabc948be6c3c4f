"""What a project depending on carteira reads of the package itself (issue 16, item 5)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import carteira
from carteira._lazy import _exports

ROOT = Path(__file__).parents[2]


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


def test_importing_the_package_loads_none_of_its_modules() -> None:
    """``import carteira`` loads only the package and its lazy loader: no domain, no
    importlib.metadata; the first use of a name loads what holds it (issue 16, item 5)."""
    script = (
        "import sys, carteira\n"
        "print(sorted(m for m in sys.modules if m.startswith('carteira')))\n"
        "print('importlib.metadata' in sys.modules)\n"
        "carteira.Principal\n"
        "print('carteira.domain.principal' in sys.modules, 'carteira.app' in sys.modules)"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert found == ["['carteira', 'carteira._lazy']", "False", "True False"]


def test_every_public_name_is_the_object_its_module_defines() -> None:
    """Each name of ``__all__`` resolves, lazily, to the very object its module holds; the
    lazy table holds every one of them (and the deprecated names, tests/unit/test_namespaces.py)."""
    exports = _exports()
    assert set(carteira.__all__) <= set(exports)
    for name in carteira.__all__:
        module, attribute = exports[name]
        assert getattr(carteira, name) is getattr(importlib.import_module(module), attribute)
    assert set(carteira.__all__) <= set(dir(carteira))
    namespace: dict[str, object] = {}
    exec("from carteira import *", namespace)
    assert set(carteira.__all__) <= set(namespace)
