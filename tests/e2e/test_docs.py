"""Every ```python block of the README and of docs/*.md runs (STYLE point 10).

The blocks of one file run in order in one shared namespace, so a tutorial's steps build
on each other. There are no illustration-only Python blocks: use ```text or ```console.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

# A fence opens at the start of a line with three or more backticks and an info string;
# it closes at a line holding the same backticks alone.
FENCE = re.compile(
    r"^(?P<fence>`{3,})(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S
)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """Return the ```python blocks of a Markdown text with the line each body starts on."""
    blocks = []
    for match in FENCE.finditer(text):
        words = match["info"].strip().split()
        if words and words[0].lower() in {"python", "py"}:
            line = text.count("\n", 0, match.start("body")) + 1
            blocks.append((line, match["body"]))
    return blocks


def test_the_documents_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in DOCUMENTS}
    assert {"README.md", "docs/index.md", "docs/tutorial.md", "docs/errors.md"} <= names


def test_the_extractor_reads_fences_in_order() -> None:
    text = "a\n```python\nx = 1\n```\n```text\nnot code\n```\n````py\ny = x\n````\n"
    assert python_blocks(text) == [(3, "x = 1\n"), (9, "y = x\n")]


def test_the_readme_opens_with_the_two_commands() -> None:
    """The first thing after the title (and one short sentence) is `make demo` / `make test`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = FENCE.search(text)
    assert first is not None
    before = [line for line in text[: first.start()].splitlines() if line.strip()]
    assert before[0] == "# carteira"
    assert len(before) <= 2
    assert first["body"] == "make demo\nmake test\n"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_blocks_run(path: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs.{path.stem}"}
    for line, body in python_blocks(path.read_text(encoding="utf-8")):
        # Pad with newlines so a traceback points at the line in the Markdown file.
        code = compile("\n" * (line - 1) + body, str(path), "exec")
        exec(code, namespace)


def test_er1_every_error_code_raised_is_listed_in_the_errors_page() -> None:
    """ER-1: a stable code is a documented one: docs/errors.md names every code in src."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    codes = set(re.findall(r'code="([a-z_]+)"', source))
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert sorted(c for c in codes if f"`{c}`" not in page) == []
