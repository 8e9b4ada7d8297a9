"""Cross-references in the book: no page points a reader to a chapter that does not exist.

Issue 15 found the book sending readers to chapters that were not written ("the chapter on Services",
"a later chapter", a glossary whose chapter column named missing chapters). These checks read the
sources of every page in `_toc.yml`: numbered mentions ("chapter 7", "chapters 2-4") must name an
existing chapter, vague forward pointers must be numbered, every relative link to a page must
resolve, and the glossary's chapter column must name existing chapters.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_book import ROOT, _source, toc_files

CHAPTER_FILE = re.compile(r"^book/ch(\d+)-[a-z0-9-]+$")
MENTION = re.compile(r"\b[Cc]hapters? (\d+)(?:\s*(?:[-–]|and|or|to)\s*(\d+))?")
VAGUE = re.compile(r"\b(?:a|the) later chapter\b|\(chapter on\b|\bthe chapter on [A-Z]", re.I)
LINK = re.compile(r"\]\(([^)#\s]+\.(?:md|ipynb))(?:#[^)]*)?\)")


def chapters() -> dict[int, str]:
    """The chapters the table of contents lists, by number (book/chN-name)."""
    found = {}
    for name in toc_files():
        m = CHAPTER_FILE.match(name)
        if m:
            found[int(m.group(1))] = name
    return found


def pages() -> list[str]:
    return toc_files()


def text_of(name: str) -> str:
    path = _source(name)
    assert path is not None, f"_toc.yml lists {name}, which does not exist"
    return path.read_text(encoding="utf-8")


def test_chapters_are_numbered_one_to_n_without_gaps():
    numbers = sorted(chapters())
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    assert len(numbers) >= 10, "the design card's ten chapters (issue 15)"


@pytest.mark.parametrize("page", pages())
def test_every_numbered_chapter_mention_exists(page):
    known = chapters()
    bad = []
    for lineno, line in enumerate(text_of(page).splitlines(), 1):
        for m in MENTION.finditer(line):
            for n in filter(None, m.groups()):
                if int(n) not in known and int(n) != 0:
                    bad.append(f"{page}:{lineno}: {m.group(0)!r}")
    assert not bad, "mentions of chapters that do not exist:\n" + "\n".join(bad)


@pytest.mark.parametrize("page", pages())
def test_no_unnumbered_forward_pointer(page):
    """'a later chapter' cannot be checked and usually hides a chapter that was never written."""
    bad = [f"{page}:{i}: {line.strip()}" for i, line in
           enumerate(text_of(page).splitlines(), 1) if VAGUE.search(line)]
    assert not bad, "name the chapter by number (and link it):\n" + "\n".join(bad)


@pytest.mark.parametrize("page", pages())
def test_relative_links_to_pages_resolve(page):
    listed = {str(_source(n).resolve()) for n in toc_files() if _source(n)}
    bad = []
    for m in LINK.finditer(text_of(page)):
        target = m.group(1)
        if "://" in target:
            continue
        path = (_source(page).parent / target).resolve()
        if not path.is_file():
            bad.append(f"{target}: no such file")
        elif path.suffix == ".md" and path.is_relative_to(ROOT / "book") and str(path) not in listed:
            bad.append(f"{target}: not in _toc.yml")
    assert not bad, f"{page}: " + "; ".join(bad)


def test_glossary_chapter_column_links_existing_chapters():
    """Each glossary row ends with links to the chapters (or the introduction) that teach the term."""
    known = {f"{Path(name).name}.md" for name in chapters().values()} | {"intro.md"}
    rows = [line for line in (ROOT / "book" / "glossary.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith("| term") and not line.startswith("| ---")]
    assert len(rows) > 50
    bad = []
    for row in rows:
        cell = row.rstrip(" |").rsplit("|", 1)[1].strip()
        targets = re.findall(r"\[[^\]]+\]\(([^)]+)\)", cell)
        if not targets:
            bad.append(f"{row}: no link to a chapter")
        bad += [f"{row}: {t}" for t in targets if t not in known]
    assert not bad, "glossary rows pointing at missing chapters:\n" + "\n".join(bad)
