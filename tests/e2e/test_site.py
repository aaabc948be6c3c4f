"""The documentation site builds with `mkdocs build --strict` (issue 7, STYLE point 10).

Strict mode turns every warning into a failure: a broken relative link, a missing anchor,
a page left out of the nav, or an API reference mkdocstrings cannot render.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def missing_tools() -> list[str]:
    """Return the documentation tools this interpreter cannot import."""
    missing = []
    for name in TOOLS:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # the parent package of a dotted name is missing
            found = False
        if not found:
            missing.append(name)
    return missing


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    missing = missing_tools()
    if missing:
        reason = f"the docs extra is not installed (missing {', '.join(missing)})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must build the site: pip install -e '.[docs]'")
        pytest.skip(f"{reason}: pip install -e '.[docs]'")

    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )

    assert build.returncode == 0, build.stdout + build.stderr
    reference = (site / "reference" / "index.html").read_text(encoding="utf-8")
    assert "Carteira.import_dataset" in reference
    changelog = (site / "changelog" / "index.html").read_text(encoding="utf-8")
    assert "Keep a Changelog" in changelog
