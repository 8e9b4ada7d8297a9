"""A small Sphinx extension that keeps the book's pages offline and free of console errors.

* sphinx-thebe (always loaded by Jupyter Book 1) adds, twice, an inline script declaring
  ``const THEBE_JS_URL = "https://unpkg.com/..."`` — the second declaration is a JavaScript error on
  every page — and would fetch thebe from a CDN if it were ever activated. The book has no live-code
  launch buttons, so its scripts are left out of the pages.
* pydata-sphinx-theme logs ``Got invalid theme mode`` on a first visit unless a default colour mode
  is set; it gets ``auto`` (follow the reader's system setting).
"""


def _thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", "") or "")
    body = str((getattr(asset, "attributes", {}) or {}).get("body", ""))
    return "thebe" in filename or "THEBE_JS_URL" in body


def _clean_page(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        files = context.get(key)
        if files:
            context[key] = [f for f in files if not _thebe(f)]
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def setup(app):
    app.connect("html-page-context", _clean_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
