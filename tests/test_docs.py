"""The documentation holds together: a short README, links that lead somewhere, each paragraph in
one place, and a generated reference (docs/CLI.md, docs/PROBLEMS.md) that matches the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
GENERATED = {"CLI.md", "PROBLEMS.md"}  # written by docs/make_reference.py


def documents() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def prose(text: str) -> str:
    """The text without its fenced code blocks (a ``# comment`` in a shell block is no heading,
    a ``[x](y)`` in a JSON example no link)."""
    return re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.S | re.M)


def without_code_spans(text: str) -> str:
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text lower-cased, punctuation dropped, spaces as -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.replace("`", "").replace("*", "")
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch in " -_").replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for match in re.finditer(r"^#{1,6} +(.+?) *#*$", prose(path.read_text(encoding="utf-8")), flags=re.M):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    text = without_code_spans(prose(path.read_text(encoding="utf-8")))
    return re.findall(r"\[[^\]]*\]\(([^)\s]+)(?: \"[^\"]*\")?\)", text)


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines: move detail into docs/"


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_somewhere(path: Path) -> None:
    """Every relative link points to an existing file, and its #anchor (into a Markdown file) to
    an existing heading."""
    broken = []
    for target in links(path):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no such heading in {linked.name}")
    assert not broken, broken


def test_every_document_is_reachable_from_the_readme() -> None:
    linked = {
        (README.parent / target.partition("#")[0]).resolve()
        for target in links(README)
        if target.partition("#")[0]
    }
    orphans = [p.name for p in DOCS.glob("*.md") if p.resolve() not in linked]
    assert not orphans, f"not linked from README.md: {orphans}"


def test_no_paragraph_is_written_twice() -> None:
    """Each fact has one home: a paragraph of prose appears in one document only."""
    homes: dict[str, list[str]] = {}
    for path in documents():
        if path.name in GENERATED:
            continue
        for block in prose(path.read_text(encoding="utf-8")).split("\n\n"):
            text = " ".join(block.split())
            if len(text) < 120 or text.startswith(("#", "|")):
                continue
            homes.setdefault(text, []).append(path.name)
    twice = {text[:80]: names for text, names in homes.items() if len(names) > 1}
    assert not twice, twice


def test_generated_reference_is_up_to_date() -> None:
    """docs/CLI.md and docs/PROBLEMS.md are what docs/make_reference.py makes from the code
    (after changing a help text or a problem: python docs/make_reference.py)."""
    done = subprocess.run(
        [sys.executable, str(DOCS / "make_reference.py"), "--check"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_reference_shows_every_command_in_both_languages() -> None:
    from ncctd_cli.cli import COMMANDS

    text = (DOCS / "CLI.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"### `ncctd {name} --help`" in text, name
        assert f"### `ncctd --lang en {name} --help`" in text, name
    assert "Hiện hướng dẫn này rồi thoát." in text and "Show this message and exit." in text
