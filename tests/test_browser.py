"""Open every page of the built book in headless Chromium with the network cut off.

Each page must load without a console error, without a failed or refused request (nothing may leave
the origin), and every widget output must render; on a page with reconcile steppers, clicking "next"
in each must show its next frame (``jslink`` at work in the static page). At 390 px (a phone) and
1280 px (a laptop) no page may scroll sideways and no figure (svg, img, widget output, stepper frame)
may be wider than its column, before and after stepping; at 1280 px figure and frame text is at least
12 px; in dark mode a frame's header stays legible (issue 20). Skips, saying why, only when the machine has no Chromium
and this is not CI (CI installs one: `.ci/run`).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

pytestmark = [pytest.mark.book, pytest.mark.slow]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_chromium() -> str | None:
    """A Chromium executable: $CHROMIUM, one on PATH, or Playwright's own download."""
    if os.environ.get("CHROMIUM") and Path(os.environ["CHROMIUM"]).exists():
        return os.environ["CHROMIUM"]
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            path = p.chromium.executable_path
        return path if path and Path(path).exists() else None
    except Exception:
        return None


@pytest.fixture(scope="module")
def site(built_book):
    """Serve the built book on 127.0.0.1 (fonts and AMD modules need http://, not file://)."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", built_book
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test, and there is no Chromium (.ci/run installs one "
                        "with apt-get when it runs as root)", pytrace=False)
        pytest.skip("no headless Chromium on this machine (looked for $CHROMIUM, "
                    + ", ".join(CANDIDATES) + " and Playwright's browser): browser test not run")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield b
        finally:
            b.close()


def _pages(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.html")
                  if "_sources" not in p.parts and "_static" not in p.parts)


def test_every_page_loads_offline_without_console_errors(browser, site):
    base, root = site
    problems = []
    for rel in _pages(root):
        context = browser.new_context(offline=False)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e, errors=errors: errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r, errors=errors: errors.append(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r, errors=errors: r.status >= 400 and errors.append(f"HTTP {r.status}: {r.url}"))

        def route(request_route, errors=errors):
            url = request_route.request.url
            if url.startswith(base + "/") or url.startswith("data:"):
                request_route.continue_()
            else:                                   # the network is cut off: nothing leaves the site
                errors.append(f"blocked request to another origin: {url}")
                request_route.abort()
        page.route("**/*", route)
        page.goto(f"{base}/{rel}", wait_until="load")
        html = (root / rel).read_text(encoding="utf-8")
        expected_views = html.count("application/vnd.jupyter.widget-view+json")
        if expected_views:
            try:
                page.wait_for_selector(".widget-slider", timeout=20_000)
            except Exception:
                errors.append("widgets did not render")
        page.wait_for_load_state("networkidle")   # the widget CSS asks for its fonts late
        page.wait_for_timeout(1500)
        if expected_views:
            rendered = page.locator(".jupyter-widgets.widget-container, .jupyter-widgets.widget-inline-hbox").count()
            if rendered == 0:
                errors.append(f"{expected_views} widget outputs, none rendered")
        problems += [f"{rel}: {e}" for e in errors]
        context.close()
    assert not problems, "\n".join(problems)


def _has_stepper(html: str) -> bool:
    return "Reconcile stepper" in html or "mk8s-nav-" in html


def test_every_chapter_has_a_diagram_and_a_stepper(site):
    """Issue 15: each chapter shows an SVG diagram drawn from its live cluster and at least one
    stepper whose frames are embedded in the page."""
    _, root = site
    chapters = sorted((root / "book").glob("ch*-*.html"))
    assert len(chapters) >= 10, [p.name for p in chapters]
    missing = []
    for page in chapters:
        html = page.read_text(encoding="utf-8")
        if '<div class="minik8s-diagram"' not in html or "<svg" not in html:
            missing.append(f"{page.name}: no diagram")
        if not _has_stepper(html) or "application/vnd.jupyter.widget-state+json" not in html:
            missing.append(f"{page.name}: no stepper")
    assert not missing, missing


def test_steppers_step_in_the_static_page(browser, site):
    """On every page, every reconcile stepper with more than one frame steps: "next" shows frame 2 in
    place of frame 1 and "prev" goes back, with nothing but the static page (jslink in the browser,
    no kernel). Each stepper is handled inside its own box: the frames of several steppers on one
    page share their class names."""
    base, root = site
    pages = [rel for rel in _pages(root) if _has_stepper((root / rel).read_text(encoding="utf-8"))]
    assert pages, "no page has a reconcile stepper"
    failed = []
    for rel in pages:
        page = browser.new_page()
        try:
            page.goto(f"{base}/{rel}", wait_until="load")
            page.wait_for_selector(".mk8s-nav-0", timeout=20_000)
            failed += [f"{rel}: {problem}" for problem in _step_every_stepper(page)]
        except Exception as e:                                         # report every page, not the first
            failed.append(f"{rel}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        finally:
            page.close()
    assert not failed, "\n".join(failed)


def _steppers(page):
    """The stepper boxes on ``page``: minik8s.viz.Stepper's (class minik8s-stepper) and any other box
    whose first frame carries the mk8s-nav-0 buttons."""
    boxes = page.locator(".minik8s-stepper")
    if boxes.count():
        return [boxes.nth(i) for i in range(boxes.count())]
    return [page.locator(".widget-vbox").filter(has=page.locator(".mk8s-nav-0")).last]


def _step_every_stepper(page, back: bool = True) -> list[str]:
    """Click "next" in every stepper of ``page`` (then "prev" if ``back``); return what went wrong."""
    problems = []
    for k, box in enumerate(_steppers(page)):
        first = box.locator(".mk8s-nav-0 button:visible")
        if first.count() < 1:
            problems.append(f"stepper {k + 1}: frame 1 shows no buttons")
            continue
        if box.locator(".mk8s-nav-0 button:visible", has_text="next").count() == 0:
            continue                                                   # a single frame: nothing to step
        box.locator(".mk8s-nav-0 button", has_text="next").first.click()
        try:
            box.locator(".mk8s-nav-1 button:visible", has_text="step 2 /").first.wait_for(timeout=5_000)
        except Exception:
            problems.append(f"stepper {k + 1}: 'next' did not show frame 2")
            continue
        if box.locator(".mk8s-nav-0 button:visible").count():
            problems.append(f"stepper {k + 1}: frame 1 still shows after 'next'")
        if back:
            box.locator(".mk8s-nav-1 button", has_text="prev").first.click()
            try:
                box.locator(".mk8s-nav-0 button:visible").first.wait_for(timeout=5_000)
            except Exception:
                problems.append(f"stepper {k + 1}: 'prev' did not go back to frame 1")
    return problems


# --- issue 20: every page fits a phone and a laptop ------------------------------------------------

WIDTHS = (390, 1280)          # a phone (iPhone 12-15) and a laptop

# Everything a reader sees as a figure: SVGs (diagrams, timelines, frame pictures), images, and the
# widget outputs (steppers). Each must lie within its column: the cell output it belongs to (or, for
# a figure in the text, the article).
_FIT_JS = """
() => {
  const out = {scrollWidth: document.documentElement.scrollWidth, viewport: window.innerWidth, wide: []};
  const figures = document.querySelectorAll(
    'article svg, article img, .cell_output .jupyter-widgets, .cell_output .widget-subarea, .minik8s-frame');
  for (const el of figures) {
    if (el.parentElement && el.parentElement.closest('svg')) continue;      // inside an svg: not a figure
    if (el.closest('.bd-sidebar-primary, .bd-sidebar-secondary, .bd-header, nav')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;                           // hidden (another frame)
    const col = el.closest('.cell_output') || el.closest('article');
    const c = col.getBoundingClientRect();
    if (r.left < c.left - 1 || r.right > c.right + 1) {
      const name = el.tagName.toLowerCase() + (el.classList.length ? '.' + [...el.classList].slice(0, 2).join('.') : '');
      out.wide.push(`${name}: ${Math.round(r.width)} px at x=${Math.round(r.left)}, column ${Math.round(c.width)} px at x=${Math.round(c.left)}`);
    }
  }
  return out;
}
"""


def test_every_page_fits_a_phone_and_a_laptop(browser, site):
    """At 390 px and 1280 px, no page scrolls sideways (document scrollWidth <= viewport width) and no
    figure (svg, img, widget output, stepper frame) is wider than its column (issue 20, item 8)."""
    base, root = site
    problems = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        for rel in _pages(root):
            page = context.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base + "/")
                       or r.request.url.startswith("data:") else r.abort())
            page.goto(f"{base}/{rel}", wait_until="load")
            if "application/vnd.jupyter.widget-view+json" in (root / rel).read_text(encoding="utf-8"):
                try:
                    page.wait_for_selector(".widget-slider", timeout=20_000)
                except Exception:
                    problems.append(f"{rel} at {width} px: widgets did not render")
            page.wait_for_timeout(300)
            found = page.evaluate(_FIT_JS)
            if found["scrollWidth"] > found["viewport"]:
                problems.append(f"{rel} at {width} px: the page is {found['scrollWidth']} px wide and slides sideways")
            problems += [f"{rel} at {width} px: {w}" for w in found["wide"][:5]]
            page.close()
        context.close()
    assert not problems, "\n".join(problems)


def test_steppers_step_and_stay_within_the_column_on_a_phone(browser, site):
    """The frames a click brings up fit too: on a phone, step every stepper to its second frame and
    measure the page again."""
    base, root = site
    pages = [rel for rel in _pages(root) if _has_stepper((root / rel).read_text(encoding="utf-8"))]
    failed = []
    context = browser.new_context(viewport={"width": 390, "height": 900})
    for rel in pages:
        page = context.new_page()
        try:
            page.goto(f"{base}/{rel}", wait_until="load")
            page.wait_for_selector(".mk8s-nav-0", timeout=20_000)
            failed += [f"{rel}: {problem}" for problem in _step_every_stepper(page, back=False)]
            page.wait_for_timeout(300)
            found = page.evaluate(_FIT_JS)
            if found["scrollWidth"] > found["viewport"]:
                failed.append(f"{rel}: after 'next' the page is {found['scrollWidth']} px wide")
            failed += [f"{rel}: after 'next': {w}" for w in found["wide"][:5]]
        except Exception as e:
            failed.append(f"{rel}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        finally:
            page.close()
    context.close()
    assert not failed, "\n".join(failed)


_TEXT_JS = """
() => {
  const small = [];
  for (const t of document.querySelectorAll('.minik8s-frame *, .minik8s-diagram svg text, .minik8s-timeline svg text')) {
    if (t.closest('svg') && t.tagName.toLowerCase() !== 'text') continue;
    const own = [...t.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = t.getBoundingClientRect(); if (!r.height) continue;
    let px = parseFloat(getComputedStyle(t).fontSize);
    const svg = t.ownerSVGElement;
    if (svg) { const m = svg.getScreenCTM(); px = px * (m ? Math.hypot(m.a, m.b) : 1); }
    if (px < 11.5) small.push(`${t.tagName.toLowerCase()} "${t.textContent.trim().slice(0, 30)}": ${px.toFixed(1)} px`);
  }
  return small;
}
"""


def test_figure_and_frame_text_is_at_least_12px_on_a_laptop(browser, site):
    """At 1280 px, the text of cluster diagrams, timelines and stepper frames is at least 12 px
    (11.5, for rounding) on screen, after any shrinking to the column."""
    base, root = site
    problems = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    for rel in _pages(root):
        html = (root / rel).read_text(encoding="utf-8")
        if "minik8s-diagram" not in html and "minik8s-timeline" not in html and "mk8s-nav-" not in html:
            continue
        page = context.new_page()
        page.goto(f"{base}/{rel}", wait_until="load")
        if "mk8s-nav-" in html:
            page.wait_for_selector(".mk8s-nav-0", timeout=20_000)
        page.wait_for_timeout(300)
        problems += [f"{rel}: {s}" for s in page.evaluate(_TEXT_JS)[:5]]
        page.close()
    context.close()
    assert not problems, "\n".join(problems)


def test_stepper_header_name_is_legible_in_dark_mode(browser, site):
    """pydata-sphinx-theme's dark mode (html[data-theme=dark]) puts widget outputs on a light panel:
    the object name in a frame's header must contrast with what is behind it (WCAG ratio >= 4.5)."""
    base, root = site
    pages = [rel for rel in _pages(root) if "mk8s-nav-" in (root / rel).read_text(encoding="utf-8")]
    assert pages
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    try:
        page.goto(f"{base}/{pages[0]}", wait_until="load")
        page.evaluate("document.documentElement.dataset.theme = 'dark'")
        page.wait_for_selector(".minik8s-key", timeout=20_000)
        ratio = page.evaluate("""() => {
          const el = document.querySelector('.minik8s-key');
          const rgb = s => s.match(/[\\d.]+/g).slice(0, 4).map(Number);
          const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                                        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          let bg = null;
          for (let e = el; e && !bg; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length < 4 || c[3] > 0) bg = c;
          }
          const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg || [255, 255, 255]);
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }""")
        assert ratio >= 4.5, f"{pages[0]}: the header's object name has contrast {ratio:.1f} in dark mode"
    finally:
        page.close()
