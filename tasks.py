#!/usr/bin/env python3
"""Set up, build the book, run the tests — with nothing but Python 3.11+ and pip.

    python3 tasks.py book     # build the book into _build/html
    python3 tasks.py test     # run every test (extra arguments go to pytest)

Both create a virtualenv in .venv on first use and install requirements.txt and minik8s into it
(again whenever requirements.txt or pyproject.toml change). Only the standard library is used here.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("MINIK8S_VENV", ROOT / ".venv"))
STAMP = VENV / ".minik8s-requirements"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args, **kw) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.call([str(a) for a in args], cwd=ROOT, **kw)


def ensure_venv() -> Path:
    """Create .venv and install what the book and tests need, unless already done for these files."""
    if sys.version_info < (3, 11):
        sys.exit(f"minik8s needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    wanted = hashlib.sha256(b"".join((ROOT / f).read_bytes()
                                     for f in ("requirements.txt", "pyproject.toml"))).hexdigest()
    if not venv_python().exists():
        print(f"creating a virtualenv in {VENV}", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except (subprocess.CalledProcessError, OSError):
            # Some system Pythons (Debian without python3-venv) lack ensurepip: make the virtualenv
            # without pip and let this Python's own pip install pip into it.
            venv.EnvBuilder(with_pip=False, clear=True).create(VENV)
            if run(sys.executable, "-m", "pip", "--python", venv_python(), "install", "pip") != 0:
                sys.exit("could not create a virtualenv with pip: install python3-venv or virtualenv")
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        py = venv_python()
        quiet = ["-q"] if os.environ.get("CI") else []
        steps = [[py, "-m", "pip", "install", *quiet, "--upgrade", "pip"],
                 [py, "-m", "pip", "install", *quiet, "-r", "requirements.txt"],
                 [py, "-m", "pip", "install", *quiet, "--no-deps", "-e", "."],
                 [py, "-m", "pip", "check"]]
        for step in steps:
            if run(*step) != 0:
                sys.exit(f"set-up failed: {' '.join(map(str, step))}")
        STAMP.write_text(wanted)
    install_jupyterlab_settings()
    return venv_python()


# JupyterLab opens Markdown files with its text editor unless told otherwise; the chapters are MyST
# notebooks, so the virtualenv's JupyterLab opens them as notebooks (jupytext's "Jupytext Notebook"
# viewer; https://jupytext.readthedocs.io/en/latest/text-notebooks.html). overrides.json in
# <prefix>/share/jupyter/lab/settings/ sets defaults that a user's own settings still override.
JUPYTERLAB_OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"},
    },
}


def install_jupyterlab_settings() -> None:
    import json
    path = VENV / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    text = json.dumps(JUPYTERLAB_OVERRIDES, indent=2) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def book(args: list[str]) -> int:
    py = ensure_venv()
    # -W: warnings are errors (a missing `dot` program only warns otherwise); --keep-going lists them all.
    return run(py, "-c", "from jupyter_book.cli.main import main; main()",
               "build", ".", "-W", "--keep-going", *args)


def test(args: list[str]) -> int:
    py = ensure_venv()
    return run(py, "-m", "pytest", *args)


def main(argv: list[str]) -> int:
    commands = {"book": book, "test": test}
    if not argv or argv[0] not in commands:
        print(__doc__.strip())
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
