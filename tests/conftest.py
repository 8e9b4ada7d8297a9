"""Shared test fixtures. Keep this file small: fixtures used by several test modules only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build the whole book once per session, executing every chapter afresh; return its html dir.

    The build is the README's (``-W``: warnings are errors) but executes every chapter (no cache),
    so a chapter broken by an engine change fails here even when the reader's cache would hide it.
    """
    out = tmp_path_factory.mktemp("book")
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["execute"].update(execute_notebooks="force", cache=str(out / "jupyter_cache"))
    local = config.get("sphinx", {}).get("local_extensions") or {}
    for name, path in local.items():                 # relative to the config file: make absolute
        local[name] = str(ROOT / path)
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(ROOT), "-W", "--keep-going",
         "--config", str(out / "_config.yml"), "--path-output", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    (out / "build.log").write_text(log, encoding="utf-8")
    if proc.returncode != 0:
        pytest.fail(f"the book does not build (exit {proc.returncode}):\n{log[-6000:]}", pytrace=False)
    html = out / "_build" / "html"
    assert html.is_dir(), log[-3000:]
    return html
