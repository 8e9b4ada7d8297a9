"""The chapters open as notebooks in the JupyterLab the README installs, and opening and saving one
leaves the tracked file as it was (issue 20: chapters opened as text, and saving one rewrote its
front matter, so a learner's checkout became dirty)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from test_book import ROOT, _source, toc_files

sys.path.insert(0, str(ROOT))
import tasks  # noqa: E402


def installed_kernel_display_name() -> str:
    """What Jupyter writes into a notebook's kernelspec when it runs the python3 kernel."""
    from jupyter_client.kernelspec import KernelSpecManager
    return KernelSpecManager().get_kernel_spec("python3").display_name


@pytest.mark.parametrize("name", toc_files())
def test_opening_and_saving_a_chapter_in_jupyterlab_changes_nothing(name, tmp_path):
    """Through jupytext's contents manager, as JupyterLab opens and saves a text notebook, with the
    repository's jupytext.toml (https://jupytext.readthedocs.io/en/latest/config.html): the kernel
    that runs it sets its display name, saving writes the same bytes."""
    from jupyter_server.services.contents.largefilemanager import LargeFileManager
    from jupytext.sync_contentsmanager import build_sync_jupytext_contents_manager_class

    source = _source(name)
    rel = source.relative_to(ROOT)
    (tmp_path / rel).parent.mkdir(parents=True)
    shutil.copy(source, tmp_path / rel)
    shutil.copy(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    cm = build_sync_jupytext_contents_manager_class(LargeFileManager)(root_dir=str(tmp_path))
    model = cm.get(str(rel), type="notebook", content=True)
    assert model["type"] == "notebook"
    model["content"]["metadata"]["kernelspec"]["display_name"] = installed_kernel_display_name()
    cm.save({"type": "notebook", "format": "json", "content": model["content"]}, str(rel))
    assert (tmp_path / rel).read_bytes() == source.read_bytes(), f"saving {rel} in JupyterLab rewrites it"


def test_jupyterlab_opens_markdown_as_a_notebook():
    """tasks.py installs JupyterLab settings that make jupytext's notebook viewer the default for
    Markdown and MyST files (https://jupytext.readthedocs.io/en/latest/text-notebooks.html), and
    that viewer exists in the installed jupytext extension."""
    overrides = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert overrides.is_file(), "run through `python3 tasks.py test`, which installs the settings"
    assert json.loads(overrides.read_text(encoding="utf-8")) == tasks.JUPYTERLAB_OVERRIDES
    viewers = tasks.JUPYTERLAB_OVERRIDES["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    extension = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyterlab-jupytext"
    code = "".join(p.read_text(encoding="utf-8", errors="replace") for p in extension.rglob("*.js"))
    for viewer in set(viewers.values()):
        assert f'"{viewer}"' in code or f"'{viewer}'" in code, f"no JupyterLab viewer named {viewer!r}"


def test_pip_install_minik8s_notebook_runs_the_chapters():
    """`pip install "minik8s[notebook]"` (a plain-pip or Colab reader) gets a kernel, jupytext,
    JupyterLab and the client, and the jsonschema bound that keeps notebooks fast (issue 20)."""
    import tomllib
    from packaging.requirements import Requirement
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extra = {Requirement(r).name for r in project["optional-dependencies"]["notebook"]}
    assert {"jupyterlab", "jupytext", "ipykernel", "kubernetes"} <= extra
    pinned = {Requirement(r).name: Requirement(r).specifier for r in project["dependencies"]}
    assert "jsonschema" in pinned and not pinned["jsonschema"].contains("4.25.0")
    assert pinned["jsonschema"].contains("4.24.1")       # what requirements.txt installs


def test_converted_notebooks_and_build_folders_are_ignored():
    """`jupytext --to ipynb book/ch4-probes.md` and `pip install .` leave files git must not track."""
    import subprocess
    for path in ("book/ch4-probes.ipynb", "build/lib/minik8s/__init__.py"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0, path
