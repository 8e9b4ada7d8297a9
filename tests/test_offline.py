"""The built book works with no network: no page loads a script, stylesheet, font or image from
another origin, and every local asset a page or stylesheet names exists in the site."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.book

# (tag, attribute) pairs whose URL the browser fetches on its own when the page loads.
FETCHED = {("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"),
           ("iframe", "src"), ("embed", "src"), ("object", "data"), ("audio", "src"), ("video", "src"),
           ("video", "poster"), ("input", "src"), ("image", "href"), ("image", "xlink:href"),
           ("use", "href"), ("use", "xlink:href")}
# <link rel=...> values that make the browser fetch the href.
FETCHED_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut", "apple-touch-icon",
                "manifest", "prefetch", "preconnect", "dns-prefetch"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
# myst-nb's widget loader fetches unknown widget modules from this base URL.
WIDGET_CDN_ATTR = "data-jupyter-widgets-cdn"


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []          # (what, url)
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in FETCHED:
                for url in (value.split(",") if name == "srcset" else [value]):
                    self.refs.append((f"<{tag} {name}>", url.strip().split(" ")[0]))
            if name == "style":
                self.refs.extend((f"<{tag} style>", u) for u in css_urls(value))
            if name == WIDGET_CDN_ATTR:
                self.refs.append((f"<{tag} {name}>", value))
        if tag == "link" and a.get("href"):
            rels = set((a.get("rel") or "").lower().split())
            if rels & FETCHED_RELS:
                self.refs.append((f"<link rel={a.get('rel')}>", a["href"]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.refs.extend(("<style>", u) for u in css_urls(data))


def css_urls(css: str) -> list[str]:
    return [m.group(2) or m.group(4) for m in CSS_URL.finditer(css)]


def html_refs(text: str) -> list[tuple[str, str]]:
    parser = _Refs()
    parser.feed(text)
    return parser.refs


def is_external(url: str) -> bool:
    """True for a URL that leaves the site: another scheme+host, or protocol-relative ``//host``."""
    url = url.strip()
    if url.startswith(("data:", "#", "about:", "blob:")):
        return False
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc) or url.startswith("//")


def local_target(base: Path, url: str) -> Path:
    return (base.parent / unquote(urlsplit(url).path)).resolve()


def test_scanner_finds_external_references():
    """The scanner itself: each kind of external reference is caught, local ones are not."""
    page = """<html><head>
      <script src="https://cdn.example.org/require.js"></script>
      <link rel="stylesheet" href="//fonts.example.com/css">
      <style>@font-face { src: url(https://example.net/f.woff2) }</style>
      <script src="../_static/local.js"></script>
      <link rel="search" href="https://example.org/not-fetched">
    </head><body><img src="http://example.com/a.png"><div style="background: url('x.png')"></div>
      <script data-jupyter-widgets-cdn="https://cdn.jsdelivr.net/npm/" src="../embed-amd.js"></script>
    </body></html>"""
    external = sorted(url for _, url in html_refs(page) if is_external(url))
    assert external == ["//fonts.example.com/css", "http://example.com/a.png", "https://cdn.example.org/require.js",
                        "https://cdn.jsdelivr.net/npm/", "https://example.net/f.woff2"]
    assert not is_external("data:image/svg+xml;base64,AAAA") and not is_external("../_static/x.css")


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_sources" not in p.parts and "_static" not in p.parts)


def test_no_page_loads_anything_from_another_origin(built_book):
    pages = _pages(built_book)
    assert pages
    problems = []
    for page in pages:
        for what, url in html_refs(page.read_text(encoding="utf-8")):
            if is_external(url):
                problems.append(f"{page.relative_to(built_book)}: {what} {url}")
    assert not problems, "external references:\n" + "\n".join(problems)


def test_every_local_asset_a_page_names_exists(built_book):
    missing = []
    for page in _pages(built_book):
        for what, url in html_refs(page.read_text(encoding="utf-8")):
            if is_external(url) or url.startswith(("data:", "#")) or what.endswith(f"{WIDGET_CDN_ATTR}>"):
                continue
            if not local_target(page, url).exists():
                missing.append(f"{page.relative_to(built_book)}: {what} {url}")
    assert not missing, "missing assets:\n" + "\n".join(missing)


def test_stylesheets_and_fonts_are_local(built_book):
    problems = []
    for css in sorted(built_book.rglob("*.css")):
        for url in css_urls(css.read_text(encoding="utf-8", errors="replace")):
            if is_external(url):
                problems.append(f"{css.relative_to(built_book)}: external {url}")
            elif not url.startswith(("data:", "#")) and not local_target(css, url).exists():
                problems.append(f"{css.relative_to(built_book)}: missing {url}")
    assert not problems, "\n".join(problems)


def test_vendored_widget_manager_is_served_from_the_site_root(built_book):
    """myst-nb adds nb_ipywidgets_js relative to _static/: ../require.js is the site root's."""
    for name in ("require.js", "embed-amd.js"):
        assert (built_book / name).stat().st_size > 10_000, name
    # RequireJS resolves the html-manager module next to the page (chapters live in book/), and the
    # manager asks for its icon fonts beside that module.
    fonts = built_book / "book" / "@jupyter-widgets" / "html-manager" / "dist"
    assert sorted(p.suffix for p in fonts.iterdir()).count(".woff2") >= 3      # the icon fonts
    for font in fonts.glob("*.woff2"):                  # the controls bundle asks one folder higher
        assert (fonts.parent.parent / font.name).exists(), font.name
    assert (built_book / "mathjax" / "tex-chtml.js").exists()
    pages_with_widgets = [p for p in _pages(built_book)
                          if "application/vnd.jupyter.widget-state+json" in p.read_text(encoding="utf-8")]
    assert pages_with_widgets, "no page embeds widget state: the stepper did not render"
    for page in pages_with_widgets:
        scripts = [url for what, url in html_refs(page.read_text(encoding="utf-8")) if what == "<script src>"]
        assert any(local_target(page, u) == (built_book / "require.js").resolve() for u in scripts), page
        assert any(local_target(page, u) == (built_book / "embed-amd.js").resolve() for u in scripts), page
