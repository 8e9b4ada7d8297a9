"""Open every page of the built book in headless Chromium with the network cut off.

Each page must load without a console error, without a failed or refused request, and every widget
output must render; on a page with a reconcile stepper, clicking "next" must show the next frame
(``jslink`` at work in the static page). Skips, saying why, only when the machine has no Chromium
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
    """On every page with a stepper, "next" shows frame 2 in place of frame 1 and "prev" goes back,
    with nothing but the static page (jslink in the browser, no kernel)."""
    base, root = site
    pages = [rel for rel in _pages(root) if _has_stepper((root / rel).read_text(encoding="utf-8"))]
    assert pages, "no page has a reconcile stepper"
    failed = []
    for rel in pages:
        page = browser.new_page()
        try:
            page.goto(f"{base}/{rel}", wait_until="load")
            page.wait_for_selector(".mk8s-nav-0", timeout=20_000)
            visible = page.locator(".mk8s-nav-0 button:visible")
            assert visible.count() >= 2                                # "step 1 / N" and "next"
            page.locator(".mk8s-nav-0 button", has_text="next").first.click()
            page.wait_for_selector(".mk8s-nav-1 button:visible", timeout=5_000)
            assert page.locator(".mk8s-nav-1 button:visible", has_text="step 2 /").count() >= 1
            assert not page.locator(".mk8s-nav-0").first.is_visible()  # frame 1 replaced frame 0
            page.locator(".mk8s-nav-1 button", has_text="prev").first.click()
            page.wait_for_selector(".mk8s-nav-0 button:visible", timeout=5_000)
        except Exception as e:                                         # report every page, not the first
            failed.append(f"{rel}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        finally:
            page.close()
    assert not failed, "\n".join(failed)
