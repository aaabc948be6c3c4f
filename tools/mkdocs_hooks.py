"""MkDocs hooks: show the test sources that docs/rules.md links to.

Files outside ``docs/`` cannot be linked under ``mkdocs build --strict``, so this hook adds
one generated page per test module, at the module's path with ``.md`` for ``.py``
(``tests/service/test_routing.py`` becomes the page ``tests/test_routing.md``): a table of its tests
and the rules they name, then the whole source with numbered, linkable lines. The pages are
built from the sources as they are at build time and are not in the nav.

``docs/rules.md`` links to ``#__codelineno-0-<line>``, the anchors pymdownx.highlight writes
inside a code block (``anchor_linenums: true``). MkDocs collects a page's anchors before code
blocks become HTML, so :func:`on_page_content` adds the ids of the rendered source pages to
the anchors MkDocs validates links against: a link to a missing line still fails the build.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

# MkDocs puts this file's folder on sys.path while it imports the hook.
from rules_page import ROOT, Test, find_tests, source_page

RULE_HEADING = re.compile(r"^### (?P<id>[A-Z]{2}-\d+) \{#(?P<anchor>[a-z]{2}-\d+)\}$", re.M)
HTML_ID = re.compile(r"""\sid=["']([^"']+)["']""")
BACKTICKS = re.compile(r"`+")

_source_pages: set[str] = set()


def _rule_anchors(config: MkDocsConfig) -> dict[str, str]:
    """Return rule ID -> anchor, as docs/rules.md defines them (empty if it is missing)."""
    try:
        with open(posixpath.join(config.docs_dir, "rules.md"), encoding="utf-8") as page:
            text = page.read()
    except FileNotFoundError:
        return {}
    return {m["id"]: m["anchor"] for m in RULE_HEADING.finditer(text)}


def source_markdown(path: str, tests: list[Test], anchors: dict[str, str]) -> str:
    """Return the Markdown of the page showing the test module at *path*."""
    rules_page = posixpath.relpath("rules.md", posixpath.dirname(source_page(path)) or ".")
    source = (ROOT / path).read_text(encoding="utf-8")
    longest = max((len(run) for run in BACKTICKS.findall(source)), default=0)
    fence = "`" * max(3, longest + 1)
    out = [
        # Indexing whole sources for search would triple the build time; rules.md is indexed.
        "---",
        "search:",
        "  exclude: true",
        "---",
        "",
        f"# `{path}`",
        "",
        f"The source of `{path}`, generated when the site is built. "
        f"[Rules and their tests]({rules_page}) links here.",
        "",
        "| test | line | rules it names |",
        "|---|---|---|",
    ]
    for test in tests:
        named = ", ".join(
            f"[{rule}]({rules_page}#{anchors[rule]})"
            for rule in sorted(test.names & anchors.keys())
        )
        out.append(f"| [`{test.qualname}`](#__codelineno-0-{test.line}) | {test.line} | {named} |")
    out += ["", f'{fence}python linenums="1"', source.rstrip("\n"), fence, ""]
    return "\n".join(out)


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    """Add one page per test module."""
    anchors = _rule_anchors(config)
    modules: dict[str, list[Test]] = {}
    for test in find_tests():
        modules.setdefault(test.path, []).append(test)
    _source_pages.clear()
    for path, tests in modules.items():
        uri = source_page(path)
        _source_pages.add(uri)
        content = source_markdown(path, tests, anchors)
        files.append(
            File.generated(config, uri, content=content, inclusion=InclusionLevel.NOT_IN_NAV)
        )
    return files


def on_page_content(html: str, page: Page, **_: Any) -> str:
    """Let links land on the line anchors of a source page's code block."""
    if page.file.src_uri in _source_pages and page.present_anchor_ids is not None:
        page.present_anchor_ids.update(HTML_ID.findall(html))
    return html
