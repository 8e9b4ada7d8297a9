"""Issue 23: every autograder zip grades where courses grade, and a student sets up with one line.

Gradescope, and the image `otter grade` builds, make the grading environment from the zip alone:
otter 7's setup.sh runs `mamba env create -f environment.yml` in a container where the zip's
files are in /autograder/source (otter/generate/templates/python/setup.sh, otter/grade/Dockerfile).
This test builds that environment as those files say, once per session, as a fresh virtualenv
outside the checkout: pip installs the pip section of the first zip's environment.yml (it installs
the zip's requirements.txt, which installs the zip's minik8s source archive and the pinned
dependencies), in the folder the zip is extracted into, which stands for /autograder/source (the
one path rewritten). environment.yml's conda part (python=X.Y, pip, jupyter_server) is not pip:
the virtualenv's Python is this one, and the test checks its version against python=X.Y. Every
other zip must list the very same environment (checked), so that one virtualenv is the
environment of every zip. There, with no PYTHONPATH and the working directory outside the
checkout, `otter run` of every exercise gives the reference solution full marks, the untouched
student notebook zero, and a wrong answer (tests/fixtures/exercises/) partial marks.

The student folder: a second fresh virtualenv gets exactly what its one line installs
(`pip install -r requirements.txt` in a copy of dist/student/, pip only, as in a plain
Colab-like environment), and `grader.check` runs there against each question.

Both virtualenvs install from the package index (they need only PyPI): nothing is skipped when it
is unreachable, the tests fail and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "exercises"))
import harness  # noqa: E402

grade = harness.grade
EXERCISES = harness.exercises()
ROOT = harness.ROOT


def clean_env() -> dict:
    """The environment of every process here: nothing of the checkout or the project's venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not p.startswith(str(ROOT)))
    return env


def zip_of(name: str) -> Path:
    return grade.autograder_zip(harness.assigned(name, harness.session_root()))


def zip_text(zip_path: Path, member: str) -> str:
    with zipfile.ZipFile(zip_path) as zf:
        return zf.read(member).decode()


def pip_section(environment_yml: str) -> list[str]:
    deps = yaml.safe_load(environment_yml)["dependencies"]
    return next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)


def make_venv(path: Path, requirements: Path, cwd: Path, log: Path) -> None:
    """A fresh virtualenv at path, then `pip install -r requirements` run in cwd."""
    py = path / "bin" / "python"
    with log.open("w") as out:
        for cmd in ([sys.executable, "-m", "venv", str(path)],
                    [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(requirements)]):
            out.write(f"+ {' '.join(cmd)}\n")
            out.flush()
            rc = subprocess.run(cmd, cwd=cwd, env=clean_env(), stdout=out, stderr=subprocess.STDOUT).returncode
            if rc != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed (exit {rc}):\n{log.read_text()[-3000:]}")


@lru_cache(maxsize=None)
def environments() -> dict:
    """Build the two virtualenvs (at the same time: mostly waiting on downloads), once per session.
    Returns {"autograder": python, "student": python, "seconds": ..., "source": extracted zip}."""
    import time
    root = Path(harness.session_root()) / "fresh-envs"
    assert ROOT not in root.parents
    first = EXERCISES[0]
    # the zip, extracted where /autograder/source would be
    source = root / "autograder" / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(zip_of(first)) as zf:
        zf.extractall(source)
    here = lambda text: text.replace(grade.AUTOGRADER_SOURCE, str(source))   # noqa: E731
    (source / "requirements.txt").write_text(here((source / "requirements.txt").read_text()))
    # as mamba does (libmamba's install_for_other_pkgmgr writes the pip section's lines, verbatim,
    # into a temporary file in the environment file's folder and runs `pip install -r` on it)
    section = source / "pip-section.txt"
    section.write_text(here("\n".join(pip_section((source / "environment.yml").read_text()))) + "\n")
    # the student folder, copied as a student would download it
    folder = root / "student" / "folder"
    shutil.copytree(harness.assigned(first, harness.session_root()) / "student", folder)

    jobs = {"autograder": (root / "autograder" / "venv", section, source),
            "student": (root / "student" / "venv", folder / "requirements.txt", folder)}
    errors, t0 = {}, time.monotonic()

    def build(label):
        venv, reqs, cwd = jobs[label]
        try:
            make_venv(venv, reqs, cwd, root / f"{label}-pip.log")
        except Exception as e:     # reported by the tests that need it
            errors[label] = str(e)

    threads = [threading.Thread(target=build, args=(label,)) for label in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {label: str(jobs[label][0] / "bin" / "python") for label in jobs}
    out.update(seconds=round(time.monotonic() - t0, 1), errors=errors, source=source, root=root)
    return out


def python_of(label: str) -> str:
    envs = environments()
    if label in envs["errors"]:
        pytest.fail(f"could not build the {label} virtualenv from the package index:\n{envs['errors'][label]}")
    return envs[label]


def run_in(python: str, code: str, cwd: Path, *args: str, timeout: float = 300) -> dict:
    proc = subprocess.run([python, "-c", code, *args], cwd=cwd, env=clean_env(), capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- what a zip lists ---------------------------------------------------------------------------

def test_zip_environment_installs_minik8s_pinned_for_a_supported_python():
    """environment.yml: the Python the exercises were tested with (minik8s needs >= 3.11), otter's
    own line, and -r the zip's requirements.txt, which installs the zip's minik8s source archive
    and minik8s's dependencies pinned as the project's requirements.txt pins them (jsonschema too),
    nothing for the book."""
    z = zip_of(EXERCISES[0])
    env = yaml.safe_load(zip_text(z, "environment.yml"))
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pythons == [f"python={sys.version_info.major}.{sys.version_info.minor}"], pythons
    assert sys.version_info[:2] >= (3, 11)
    import otter
    assert pip_section(zip_text(z, "environment.yml")) == [
        f"otter-grader[grading,plugins]=={otter.__version__}", f"-r {grade.AUTOGRADER_SOURCE}/requirements.txt"]
    reqs = [l for l in zip_text(z, "requirements.txt").splitlines() if l and not l.startswith("#")]
    archive = reqs[0]
    assert archive.startswith(f"{grade.AUTOGRADER_SOURCE}/requirements.minik8s-") and archive.endswith(".zip")
    with zipfile.ZipFile(z) as zf:
        assert archive.rsplit("/", 1)[1] in zf.namelist()
    project = {l.split("#")[0].strip() for l in (ROOT / "requirements.txt").read_text().splitlines()}
    assert "jsonschema==4.24.1" in reqs and "jsonschema==4.24.1" in project
    assert all(r in project for r in reqs[1:]), [r for r in reqs[1:] if r not in project]
    assert not any("jupyter-book" in r or "pytest" in r for r in reqs)


@pytest.mark.parametrize("name", EXERCISES)
def test_every_zip_carries_the_same_environment_and_this_minik8s(name):
    """So that the one virtualenv built from the first zip is the environment of each; the
    archive holds this checkout's minik8s; the student folder has the wheel and its one line."""
    z, first = zip_of(name), zip_of(EXERCISES[0])
    for member in ("environment.yml", "requirements.txt"):
        assert zip_text(z, member) == zip_text(first, member), member
    with zipfile.ZipFile(z) as zf:
        archives = [n for n in zf.namelist() if n.startswith("requirements.minik8s-")]
        assert len(archives) == 1
        data = zf.read(archives[0])
    with zipfile.ZipFile(first) as zf:
        assert data == zf.read(archives[0])
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as archive:    # a zip: Docker's ADD would unpack a tar
        names = archive.namelist()
        top = names[0].split("/")[0]
        grading = archive.read(f"{top}/minik8s/grading.py")
    assert f"{top}/pyproject.toml" in names
    assert grading == (ROOT / "minik8s" / "grading.py").read_bytes()
    student = harness.assigned(name, harness.session_root()) / "student"
    wheels = sorted(p.name for p in student.glob("minik8s-*.whl"))
    assert len(wheels) == 1
    lines = [l for l in (student / "requirements.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert lines[0] == f"./{wheels[0]}" and "jsonschema==4.24.1" in lines
    assert any(l.startswith("otter-grader==") for l in lines)


# --- the environment built from the zip alone ---------------------------------------------------

IMPORTS = """
import json, sys, minik8s, minik8s.grading, otter, jupyter_client
print(json.dumps({"minik8s": minik8s.__file__, "grading": minik8s.grading.__file__,
                  "path": sys.path, "prefix": sys.prefix}))
"""


@pytest.mark.slow      # builds the virtualenvs from the package index (PyPI); never skipped
def test_minik8s_is_imported_from_the_zip_environment(tmp_path):
    """The fresh environment imports minik8s (and its otter plugin's module) from its own
    site-packages: the checkout is on no path, no .pth file of the environment points to it."""
    py = python_of("autograder")
    venv = Path(py).parent.parent
    got = run_in(py, IMPORTS, tmp_path)
    assert Path(got["minik8s"]).is_relative_to(venv), got["minik8s"]
    assert Path(got["grading"]).is_relative_to(venv)
    assert not any(p and Path(p).resolve().is_relative_to(ROOT) for p in got["path"]), got["path"]
    for pth in venv.rglob("*.pth"):
        assert str(ROOT) not in pth.read_text(errors="replace"), pth
    # the installed copy is this checkout's minik8s, and pip finds nothing broken
    assert Path(got["grading"]).read_bytes() == (ROOT / "minik8s" / "grading.py").read_bytes()
    check = subprocess.run([py, "-m", "pip", "check"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    print(f"the two virtualenvs were built in {environments()['seconds']} s")


@pytest.mark.slow      # builds the virtualenvs from the package index (PyPI); never skipped
@pytest.mark.parametrize("name", EXERCISES)
def test_zip_grades_in_its_own_environment(name, tmp_path):
    """`otter run -a <zip>` with the zip environment's otter and minik8s, the working directory
    outside the checkout: solution full, untouched student notebook zero, a wrong answer (the first
    wrong-answer fixture of the first question) loses that question's points and only those."""
    py = python_of("autograder")
    dist = harness.assigned(name, harness.session_root())
    solution = harness.read_nb(dist / "autograder" / f"{name}.ipynb")
    student = harness.read_nb(dist / "student" / f"{name}.ipynb")
    question, fixtures = next(iter(harness.wrong_answers(name).items()))
    wrong = harness.replace_answer(solution, fixtures[0].read_text())
    runs = harness.grade_many(dist, {"solution": solution, "student": student, "wrong": wrong},
                              tmp_path, jobs=2, python=py)
    for label, run in runs.items():
        assert run["error"] is None, f"{label}: {run['error']}"
    maxes = harness.max_points(runs["solution"]["results"])
    full = grade.scores(runs["solution"]["results"])
    assert full == maxes, [t.get("output", "")[:2000] for t in runs["solution"]["results"]["tests"]]
    blank = grade.scores(runs["student"]["results"])
    assert blank and all(v == 0 for v in blank.values()), blank
    partial = grade.scores(runs["wrong"]["results"])
    assert partial[question] < maxes[question], f"{fixtures[0].name} kept the points of {question}"
    assert all(partial[q] == maxes[q] for q in maxes if q != question), partial
    assert 0 < sum(partial.values()) < sum(maxes.values())


# --- the student's one line ---------------------------------------------------------------------

STUDENT_CHECKS = """
import json, sys
import otter
name, solution = sys.argv[1], sys.argv[2]
grader = otter.Notebook(f"{name}.ipynb")           # as the notebook's first cell does

def code_cells(path):
    nb = json.load(open(path, encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]

questions = list(json.load(open(f"{name}.ipynb", encoding="utf-8"))["metadata"]["otter"]["tests"])
out = {"minik8s": __import__("minik8s").__file__, "questions": questions}
# a kernel's input history (In): what grader.check reads the answer cells from
for label, path in (("answered", solution), ("untouched", f"{name}.ipynb")):
    env = {"In": ["", *code_cells(path)]}
    results = {q: grader.check(q, env) for q in questions}
    out[label] = {q: {"passed": r.passed_all_public, "text": repr(r)} for q, r in results.items()}
print(json.dumps(out))
"""


@pytest.mark.slow      # builds the virtualenvs from the package index (PyPI); never skipped
@pytest.mark.parametrize("name", EXERCISES)
def test_student_one_line_setup_runs_grader_check(name, tmp_path):
    """In the virtualenv that holds exactly what `pip install -r requirements.txt` of the student
    folder installs, in a copy of that folder: grader.check passes every question's public tests
    for the reference answers, fails them for the untouched notebook (saying what to do), and the
    minik8s it runs is the wheel's."""
    py = python_of("student")
    dist = harness.assigned(name, harness.session_root())
    folder = tmp_path / "student"
    shutil.copytree(dist / "student", folder)
    shutil.copyfile(dist / "autograder" / f"{name}.ipynb", tmp_path / "answered.ipynb")
    got = run_in(py, STUDENT_CHECKS, folder, name, str(tmp_path / "answered.ipynb"))
    assert Path(got["minik8s"]).is_relative_to(Path(py).parent.parent), got["minik8s"]
    assert len(got["questions"]) >= 4
    for q in got["questions"]:
        assert got["answered"][q]["passed"], got["answered"][q]["text"][:2000]
        assert not got["untouched"][q]["passed"], q
    assert any("..." in r["text"] for r in got["untouched"].values())


# --- grade.py itself (issue 20, item 7) -----------------------------------------------------------

def test_grade_py_checks_its_environment_before_touching_anything(monkeypatch, capsys, tmp_path):
    """Run with a Python where jupyter_client (otter's kernels) does not import, grade.py says
    which Python to use and stops: no otter, no dist/ removed."""
    monkeypatch.setitem(sys.modules, "jupyter_client", None)      # import jupyter_client fails
    calls = []
    monkeypatch.setattr(grade, "otter", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(grade, "HERE", tmp_path)
    (tmp_path / "ex" / "dist").mkdir(parents=True)
    assert grade.main(["assign", "ex"]) == 2
    err = capsys.readouterr().err
    assert "jupyter_client" in err and ".venv/bin/python exercises/grade.py" in err
    assert not calls and (tmp_path / "ex" / "dist").is_dir()


def test_assign_replaces_the_previous_dist_only_when_it_succeeded(monkeypatch, tmp_path):
    """A failing `otter assign`, or a failing packaging step (e.g. no package index to build the
    wheel), leaves the previous dist/ as it was; a successful one replaces it whole."""
    master = tmp_path / "ex" / "ex.ipynb"
    dest = tmp_path / "ex" / "dist"
    (dest / "student").mkdir(parents=True)
    (dest / "student" / "previous.txt").write_text("the last good assign")

    def fake_otter(rc):
        def run(*args, cwd, **kw):
            out = Path(args[2])
            (out / "student").mkdir(parents=True)
            (out / "autograder").mkdir()
            (out / "student" / "new.txt").write_text("new")
            return subprocess.CompletedProcess(args, rc, "", "otter says no" if rc else "")
        return run

    monkeypatch.setattr(grade, "package", lambda dist: None)
    monkeypatch.setattr(grade, "otter", fake_otter(1))
    assert grade.assign(master, dest).returncode == 1
    assert sorted(p.name for p in (dest / "student").iterdir()) == ["previous.txt"]

    def no_index(dist):
        raise RuntimeError("building the minik8s wheel failed")
    monkeypatch.setattr(grade, "package", no_index)
    monkeypatch.setattr(grade, "otter", fake_otter(0))
    proc = grade.assign(master, dest)
    assert proc.returncode == 1 and "building the minik8s wheel failed" in proc.stderr
    assert sorted(p.name for p in (dest / "student").iterdir()) == ["previous.txt"]

    monkeypatch.setattr(grade, "package", lambda dist: None)
    assert grade.assign(master, dest).returncode == 0
    assert sorted(p.name for p in (dest / "student").iterdir()) == ["new.txt"]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["dist"]       # no staging folder left


def test_pinned_requirements_follow_pyproject_and_requirements_txt():
    """Every dependency of minik8s (pyproject.toml) is in the list, pinned when requirements.txt
    pins it; jsonschema and ipykernel are added for grading."""
    import tomllib
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    reqs = grade.pinned_requirements()
    names = [grade._canonical(r) for r in reqs]
    assert [grade._canonical(d) for d in deps] == names[:len(deps)]
    extras = [grade._canonical(e) for e in grade.GRADING_EXTRAS]
    assert names[len(deps):] == [e for e in extras if e not in names[:len(deps)]]
    assert "jsonschema" in names and "ipykernel" in names
    project = {l.split("#")[0].strip() for l in (ROOT / "requirements.txt").read_text().splitlines()}
    pinned = {grade._canonical(l) for l in project if "==" in l}
    assert all(r in project for r, n in zip(reqs, names) if n in pinned)
    assert grade._canonical("graphviz-pure==0.2.2") == "graphviz-pure"
    assert grade._canonical("Foo_Bar.baz[x]>=1") == "foo-bar-baz"
