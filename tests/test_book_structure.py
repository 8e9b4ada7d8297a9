"""Every chapter ends the same way and numbers its figures (issue 20, item 4).

Read as a learner would, no chapter had a summary or questions to check oneself, and no figure had a
number or a caption. These checks read the chapters' sources (MyST Markdown notebooks, opened with
jupytext as Jupyter Book opens them):

- each chapter has a ``## Summary`` and then a ``## Self-check`` of 3 to 5 numbered questions, each
  answered in an ``{admonition} Answer`` with ``:class: dropdown`` (folded until the reader opens it),
  both before the chapter's Exercise box;
- each code cell that shows a figure drawn from the live cluster (a diagram, a timeline, a chapter's
  own ``*_diagram``) carries myst-nb's figure options (``mystnb: figure: caption, name``), which wrap
  its output in a figure with a caption; with Sphinx's ``numfig`` (on by default in Jupyter Book) the
  figure is numbered (https://myst-nb.readthedocs.io/en/latest/render/format_code_cells.html#images-and-figures);
- every ``{numref}`` in a page names a figure of that page, and no figure name is used twice.
"""

from __future__ import annotations

import re

import pytest

from test_book import ROOT, _source
from test_book_references import chapters

# A call that draws a figure: c.diagram(...), diagram(c), timeline(c, ...), Timeline(c, ...),
# service_diagram(c, ...), dns_diagram(...), storage_diagram(...), resources_diagram(...).
FIGURE_CALL = re.compile(r"(?:^|[^\w.])(?:\w+_diagram|diagram|timeline|Timeline)\(|\.diagram\(")
QUESTION = re.compile(r"^(\d+)\. \S", re.M)
SECTION = re.compile(r"^## (.+)$", re.M)


def _chapter_ids() -> list[str]:
    return [name.split("/")[-1] for _, name in sorted(chapters().items())]


def _text(chapter: str) -> str:
    return _source(f"book/{chapter}").read_text(encoding="utf-8")


def _sections(text: str) -> dict[str, tuple[int, int]]:
    """Each level-2 heading's title -> (start, end) offsets of its section; outside code fences."""
    heads = [(m.group(1).strip(), m.start()) for m in SECTION.finditer(_outside_fences(text))]
    return {title: (start, heads[i + 1][1] if i + 1 < len(heads) else len(text))
            for i, (title, start) in enumerate(heads)}


def _outside_fences(text: str) -> str:
    """``text`` with every line inside a ```-fenced block blanked (offsets kept)."""
    out, fence = [], None
    for line in text.splitlines(keepends=True):
        m = re.match(r"^\s*(`{3,})", line)
        if fence is None and m:
            fence = m.group(1)
            out.append(" " * (len(line) - 1) + "\n")
        elif fence is not None:
            if line.strip() == fence:
                fence = None
            out.append(" " * (len(line) - 1) + "\n" if line.endswith("\n") else " " * len(line))
        else:
            out.append(line)
    return "".join(out)


def test_the_chapters_are_the_ten_of_the_book():
    assert len(_chapter_ids()) >= 10


@pytest.mark.parametrize("chapter", _chapter_ids())
def test_chapter_ends_with_a_summary_and_a_self_check_before_its_exercise(chapter):
    text = _text(chapter)
    sections = _sections(text)
    assert "Summary" in sections, f"{chapter}: no '## Summary' section"
    assert "Self-check" in sections, f"{chapter}: no '## Self-check' section"
    summary, check = sections["Summary"], sections["Self-check"]
    assert summary[0] < check[0], f"{chapter}: the Summary comes after the Self-check"
    bullets = re.findall(r"^- \S", text[summary[0]:summary[1]], re.M)
    assert len(bullets) >= 3, f"{chapter}: the Summary has {len(bullets)} points"
    exercise = text.find("```{admonition} Exercise")
    assert exercise != -1, f"{chapter}: no Exercise box"
    assert check[1] >= exercise > check[0] > summary[0], \
        f"{chapter}: the Summary and the Self-check must come right before the Exercise box"


@pytest.mark.parametrize("chapter", _chapter_ids())
def test_self_check_has_three_to_five_questions_with_folded_answers(chapter):
    text = _text(chapter)
    start, end = _sections(text)["Self-check"]
    body = text[start:end]
    exercise = body.find("```{admonition} Exercise")
    if exercise != -1:
        body = body[:exercise]
    visible = _outside_fences(body)
    questions = list(QUESTION.finditer(visible))
    numbers = [int(m.group(1)) for m in questions]
    assert 3 <= len(numbers) <= 5, f"{chapter}: {len(numbers)} self-check questions"
    assert numbers == list(range(1, len(numbers) + 1)), f"{chapter}: questions numbered {numbers}"
    bounds = [m.start() for m in questions] + [len(body)]
    for n, (a, b) in enumerate(zip(bounds, bounds[1:]), 1):
        part = body[a:b]
        answer = re.search(r"```\{admonition\} Answer\s*\n\s*:class: dropdown\s*\n(.*?)```", part, re.S)
        assert answer, f"{chapter}: question {n} has no answer in a dropdown admonition"
        assert answer.group(1).strip(), f"{chapter}: question {n}'s answer is empty"
        question = re.sub(r"^\d+\.", "", part[:answer.start()]).split()
        assert len(question) >= 4, f"{chapter}: question {n} is empty"


def _figure_cells(chapter: str):
    import jupytext
    nb = jupytext.read(_source(f"book/{chapter}"))
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code = "\n".join(line.split("#")[0] for line in cell.source.splitlines())
        last = [line for line in code.splitlines() if line.strip() and not line.startswith((" ", "\t", ")"))]
        if FIGURE_CALL.search(code) and last and not last[-1].startswith(("print(", "from ", "import ")):
            yield i, cell


@pytest.mark.parametrize("chapter", ["intro"] + _chapter_ids())
def test_every_figure_has_a_caption_and_a_name(chapter):
    found, bad = 0, []
    for i, cell in _figure_cells(chapter):
        found += 1
        figure = (cell.metadata.get("mystnb") or {}).get("figure") or {}
        caption, name = str(figure.get("caption") or "").strip(), str(figure.get("name") or "")
        if not caption or not name:
            bad.append(f"cell {i} ({cell.source.strip().splitlines()[-1][:60]!r})")
        elif not re.fullmatch(r"fig-[a-z0-9-]+", name):
            bad.append(f"cell {i}: figure name {name!r} is not fig-<chapter>-<what>")
    if chapter != "intro":
        assert found, f"{chapter}: no figure drawn from the live cluster"
    assert not bad, f"{chapter}: figures without a caption and a name (mystnb: figure:): {bad}"


def test_figure_names_are_unique_and_every_numref_resolves_on_its_page():
    seen: dict[str, str] = {}
    problems = []
    for chapter in ["intro"] + _chapter_ids():
        names = set()
        for _, cell in _figure_cells(chapter):
            name = ((cell.metadata.get("mystnb") or {}).get("figure") or {}).get("name")
            if name:
                if name in seen:
                    problems.append(f"{name} in {chapter} and {seen[name]}")
                seen[name] = chapter
                names.add(name)
        for ref in re.findall(r"\{numref\}`(?:[^`<]*<)?([^`>]+)>?`", _text(chapter)):
            if ref not in names:
                problems.append(f"{chapter}: {{numref}} to {ref!r}, not a figure of this page")
    assert not problems, problems


def test_numbered_figures_are_switched_on():
    """Jupyter Book 1 turns Sphinx's numfig on unless _config.yml turns it off."""
    import yaml
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    numfig = ((config.get("sphinx") or {}).get("config") or {}).get("numfig", True)
    assert numfig is True
    from jupyter_book.config import get_default_sphinx_config
    assert get_default_sphinx_config()["numfig"] is True


CURATED = ["ch3-pods", "ch4-probes", "ch5-sidecars", "ch6-deployments"]


def _helper_cells() -> dict[str, str]:
    """The cell that defines the chapters' `excerpt` helper, per chapter that has one."""
    import jupytext
    found = {}
    for chapter in CURATED:
        nb = jupytext.read(_source(f"book/{chapter}"))
        cells = [c for c in nb.cells if c.cell_type == "code" and "def excerpt(" in c.source]
        assert len(cells) == 1, f"{chapter}: {len(cells)} cells define excerpt()"
        assert "hide-input" in cells[0].metadata.get("tags", []), f"{chapter}: the helper is not folded"
        found[chapter] = cells[0].source
    return found


def test_the_excerpt_helper_is_the_same_folded_cell_in_every_chapter_that_uses_it():
    sources = _helper_cells()
    assert len(set(sources.values())) == 1, "the chapters' copies of excerpt() differ"


def test_excerpt_keeps_the_lines_chapter_4_discusses_and_fits_the_column():
    """Chapter 4 discusses, of a 60-line `kubectl describe pod hello`, the probe lines
    (`#success=1 #failure=3`, https://kubernetes.io/docs/reference/kubectl/generated/kubectl_describe/
    prints the probe's defaults), the last state and the Unhealthy and Killing events; the excerpt
    keeps those, leaves the rest out (marked "..."), and no line is wider than 78 characters."""
    from minik8s import Cluster
    from test_chapters_4_6 import HELLO
    ns: dict = {}
    exec(next(iter(_helper_cells().values())), ns)
    c = Cluster(nodes=1, seed=0)
    c.kubectl("apply -f -", stdin=HELLO)
    c.run(100)
    described = c.kubectl("describe pod hello")
    out = ns["excerpt"](described, "Last State:", "Restart Count:", "Liveness:", "Readiness:",
                        "Events:", rows=("Unhealthy", "Killing"))
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 78, out
    assert len(lines) < 0.6 * len(described.splitlines())      # folded lines included
    flat = " ".join(out.split())
    for wanted in ("Liveness: http-get http://:3000/healthz", "#failure=3", "Last State: Terminated",
                   "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500",
                   "Killing", "failed liveness probe, will be restarted"):
        assert wanted in flat, (wanted, out)
    assert "Image ID" not in out and "Pulled" not in out and "..." in lines
    assert all(w in described for w in out.split() if w != "..."), "the excerpt adds words"


def test_fold_folds_long_lines_and_keeps_every_character():
    ns: dict = {}
    exec(next(iter(_helper_cells().values())), ns)
    line = ('4s          Warning   Unhealthy   pod/sluggish   Readiness probe failed: Get '
            '"http://10.244.0.7:8080/ready": context deadline exceeded (Client.Timeout exceeded '
            'while awaiting headers)')
    forbidden = ("The Pod \"site\" is invalid: spec: Forbidden: pod updates may not change fields "
                 "other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
                 "`spec.activeDeadlineSeconds`")
    for text in (line, forbidden, "short"):
        out = ns["fold"](text)
        assert max(len(x) for x in out.splitlines()) <= 78, out
        assert "".join(out.split()) == "".join(text.split()), out
