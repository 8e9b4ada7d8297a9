#!/usr/bin/env python3
"""The instructor's two commands for the graded exercises (see exercises/README.md).

    python exercises/grade.py assign [DIR ...]
        `otter assign` every exercise (or the named ones): exercises/<dir>/dist/student/ is what
        students get, exercises/<dir>/dist/autograder/<dir>-autograder_*.zip grades.

    python exercises/grade.py grade DIR SUBMISSIONS [-o OUT] [-j 2] [--timeout 120]
        grade every *.ipynb (and every *.zip from grader.export()) in the folder SUBMISSIONS with
        `otter run` (no Docker), -j at a time;
        writes OUT/<student>/results.json (Gradescope format) and OUT/gradebook.csv (one row per
        student: one column per question, then total), and prints the measured times.
        OUT defaults to SUBMISSIONS/graded; <student> is the file name without .ipynb / .zip.

Run it with the Python that has otter-grader and minik8s (the project's .venv). It puts this
repository first on PYTHONPATH, so the grading kernel imports this minik8s.

Each autograder zip is self-contained (see `package_autograder`): it carries minik8s's source and
an environment that installs it with its dependencies pinned as requirements.txt pins them, so
Gradescope and `otter grade` grade with it and nothing else. Each student folder gets a minik8s
wheel and a requirements.txt: `pip install -r requirements.txt` there is the whole set-up.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def exercise_dirs() -> list[Path]:
    """Every exercises/<dir>/ that holds its master notebook <dir>/<dir>.ipynb, sorted."""
    return sorted(p for p in HERE.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").exists())


def otter_env(checkout: bool = True) -> dict:
    """The environment of `otter`: this checkout first on PYTHONPATH (checkout=True, the project's
    .venv), or (checkout=False, an environment built from an autograder zip) no PYTHONPATH at all."""
    env = dict(os.environ)
    if checkout:
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    else:
        env.pop("PYTHONPATH", None)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


MIN_PYTHON = (3, 11)        # pyproject.toml: requires-python = ">=3.11"


def check_environment() -> str | None:
    """None if this Python can run the commands, else what is missing (said before anything is
    touched): Python >= 3.11, otter-grader, and jupyter_client (otter's grading kernels)."""
    if sys.version_info < MIN_PYTHON:
        return (f"grade.py needs Python {'.'.join(map(str, MIN_PYTHON))} or newer (this is "
                f"{sys.version.split()[0]}): run it with the project's .venv/bin/python")
    missing = []
    for module in ("otter", "jupyter_client", "yaml"):
        try:
            __import__(module)
        except Exception as e:          # not installed, or installed but broken
            missing.append(f"{module} ({type(e).__name__}: {e})")
    if missing:
        return (f"grade.py cannot run with {sys.executable}: {', '.join(missing)} will not import. Run "
                f"it with the project's virtualenv (`python3 tasks.py test` creates .venv): "
                f".venv/bin/python exercises/grade.py ...")
    return None


# --- what makes the zips and the student folders self-contained ---------------------------------

#: Where Gradescope, and the image `otter grade` builds, put the zip's files (otter's templates:
#: {{ autograder_dir }}/source, autograder_dir "/autograder").
AUTOGRADER_SOURCE = "/autograder/source"
#: Needed by grading beyond minik8s's own dependencies: jsonschema is pinned (see requirements.txt:
#: from 4.25 it costs 1.6 s in every process), ipykernel runs the grading kernel.
GRADING_EXTRAS = ("jsonschema", "ipykernel")


def _canonical(requirement: str) -> str:
    """The project name of a requirement line, normalized (PEP 503)."""
    name = re.split(r"[\s\[<>=!~;@(]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _project() -> dict:
    import tomllib          # Python 3.11+, as check_environment made sure
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def pinned_requirements(extras: tuple[str, ...] = GRADING_EXTRAS) -> list[str]:
    """minik8s's dependencies (pyproject.toml) and `extras`, each pinned as the project's
    requirements.txt pins it (a dependency it does not pin keeps pyproject's specifier)."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        req = line.split("#", 1)[0].strip()
        if req:
            pins[_canonical(req)] = req
    seen, out = set(), []
    for dep in [*_project()["dependencies"], *extras]:
        name = _canonical(dep)
        if name not in seen:
            seen.add(name)
            out.append(pins.get(name, dep))
    return out


def otter_requirement() -> str:
    """otter-grader as requirements.txt pins it (students need otter for grader.check)."""
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        req = line.split("#", 1)[0].strip()
        if req and _canonical(req) == "otter-grader":
            return req
    return "otter-grader>=7,<8"


def source_archive(dest: Path) -> Path:
    """minik8s's source as pip builds it (pyproject.toml, README.md and the minik8s package from
    this checkout) in dest/requirements.minik8s-<version>.zip; the same bytes for the same files.

    Why this name and format: the image `otter grade` builds (otter/grade/Dockerfile) copies only
    setup.sh, environment.yml and requirements.* into /autograder/source before it runs setup.sh
    (the rest of the zip comes after), so minik8s must be a requirements.* file to be installed
    there, and pip installs a source archive whatever its file name (a wheel's file name must be
    name-version-...whl). A .zip, not a .tar.gz: Docker's ADD unpacks local tar archives
    (https://docs.docker.com/reference/dockerfile/#add), and leaves zip files as they are."""
    version = _project()["version"]
    path = dest / f"requirements.minik8s-{version}.zip"
    files = [ROOT / "pyproject.toml", ROOT / "README.md",
             *sorted(p for p in (ROOT / "minik8s").rglob("*.py") if "__pycache__" not in p.parts)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            info = zipfile.ZipInfo(f"minik8s-{version}/{f.relative_to(ROOT).as_posix()}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, f.read_bytes())
    return path


_ARTIFACTS: dict[str, Path] = {}


def minik8s_artifacts() -> tuple[Path, Path]:
    """(source archive, wheel) of this checkout's minik8s, built once per process into a temporary
    folder; the wheel is built by pip from the archive (so both hold the same code)."""
    if not _ARTIFACTS:
        import atexit
        tmp = Path(tempfile.mkdtemp(prefix="minik8s-dist-"))
        atexit.register(shutil.rmtree, tmp, True)
        archive = source_archive(tmp)
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp / "wheel"),
                               str(archive)], capture_output=True, text=True)
        wheels = sorted((tmp / "wheel").glob("minik8s-*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            raise RuntimeError(f"building the minik8s wheel failed (pip wheel, which fetches the build "
                               f"backend setuptools from the package index):\n{proc.stderr[-2000:]}")
        _ARTIFACTS.update(archive=archive, wheel=wheels[0])
    return _ARTIFACTS["archive"], _ARTIFACTS["wheel"]


def autograder_requirements(archive_name: str) -> str:
    """The zip's requirements.txt: minik8s (its source archive, at the path it has in the grading
    image) and its dependencies, pinned."""
    return ("# minik8s and what grading needs, pinned as the minik8s repository's requirements.txt pins them.\n"
            "# environment.yml's pip section installs this file (-r), in the image Gradescope or `otter grade`\n"
            f"# builds from this zip, where the zip's files are in {AUTOGRADER_SOURCE}/.\n"
            f"{AUTOGRADER_SOURCE}/{archive_name}\n" + "\n".join(pinned_requirements()) + "\n")


def student_requirements(wheel_name: str) -> str:
    """The student folder's requirements.txt: `pip install -r requirements.txt` in that folder."""
    deps = pinned_requirements(extras=("jsonschema",))    # a student's Jupyter brings its own kernel
    return ("# The whole set-up, in this folder: pip install -r requirements.txt\n"
            "# (minik8s from the wheel next to this file, otter-grader for grader.check, their dependencies)\n"
            f"./{wheel_name}\n{otter_requirement()}\n" + "\n".join(deps) + "\n")


def package_autograder(zip_path: Path, archive: Path) -> None:
    """Make an `otter assign` zip self-contained, in place: add minik8s's source archive and a
    requirements.txt, have environment.yml's pip section install it (-r), and set its Python to
    this one's version (the one the exercises were just tested with; minik8s needs >= 3.11).

    otter 7's setup.sh (otter/generate/templates/python/setup.sh) builds the grading environment
    with `mamba env create -f environment.yml` and nothing else: that file is what gets installed."""
    import yaml
    with zipfile.ZipFile(zip_path) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    env = yaml.safe_load(dict((i.filename, d) for i, d in entries)["environment.yml"])
    python = f"python={sys.version_info.major}.{sys.version_info.minor}"
    deps = [python if isinstance(d, str) and re.fullmatch(r"python(\s*[=<>!~].*)?", d) else d
            for d in env["dependencies"]]
    pip = next(d for d in deps if isinstance(d, dict) and "pip" in d)["pip"]
    pip.append(f"-r {AUTOGRADER_SOURCE}/requirements.txt")
    env["dependencies"] = deps
    added = {"environment.yml": yaml.safe_dump(env, sort_keys=False).encode(),
             "requirements.txt": autograder_requirements(archive.name).encode(),
             archive.name: archive.read_bytes()}
    tmp = zip_path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            if info.filename not in added:
                zf.writestr(info, data)
        for name, data in added.items():
            zf.writestr(name, data)
    tmp.replace(zip_path)


def package(dist: Path) -> None:
    """After `otter assign` into dist: the zip carries minik8s (package_autograder), the student
    folder gets the minik8s wheel and its one-line requirements.txt."""
    archive, wheel = minik8s_artifacts()
    for z in (dist / "autograder").glob("*-autograder_*.zip"):
        package_autograder(z, archive)
    shutil.copyfile(wheel, dist / "student" / wheel.name)
    (dist / "student" / "requirements.txt").write_text(student_requirements(wheel.name), encoding="utf-8")


# `python -m otter ARGS`, with two waits cut, neither of which changes a result:
# - the process ends as soon as the command returns. `otter run` leaves a thread behind (the server
#   for the grading kernel's logs) that looks for its stop flag once a second; waiting for it cost
#   each submission up to 1 s (0.5 s on average) after its results were written;
# - the grading kernel, which has written its results (its last cell) before it is asked to shut
#   down, gets 0.5 s to exit by itself before SIGTERM (jupyter_client's default: 2.5 s). It normally
#   exits in 0.2 to 0.3 s, but about one shutdown in 15 to 40 hangs (a stack dump showed ipykernel's
#   control thread waiting in OutStream.flush while the main thread joins it; a similar report:
#   https://github.com/posit-dev/positron/issues/7142), which cost that submission 2.5 s.
OTTER_MAIN = """\
import os, sys
from jupyter_client.manager import KernelManager
KernelManager.shutdown_wait_time.default_value = 1.0     # SIGTERM after 0.5 s, SIGKILL after 1 s
from otter.cli import cli
code = 1
try:
    cli.main(sys.argv[1:], prog_name="otter")
except SystemExit as e:
    code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
finally:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
"""


def otter(*args: str, cwd: Path, timeout: float | None = None,
          python: str | None = None) -> subprocess.CompletedProcess:
    """Run the otter CLI of this Python (as python -m otter ..., see OTTER_MAIN) in its own process
    group, so that on a timeout the notebook kernel and checkers it started are stopped with it.

    With `python` (another environment's interpreter, e.g. one built from an autograder zip), run
    that environment's otter, with nothing of this checkout on its path."""
    cmd = [python or sys.executable, "-c", OTTER_MAIN, *args]
    proc = subprocess.Popen(cmd, cwd=cwd, env=otter_env(checkout=python is None), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)     # the group this call created, nothing else
        except ProcessLookupError:
            pass
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def assign(master: Path, dest: Path) -> subprocess.CompletedProcess:
    """`otter assign` one master notebook into dest (student/ and autograder/), then make the zip
    and the student folder self-contained (`package`). otter assign also runs the tests against
    the solutions and fails if any does not pass. A previous dest is replaced only once all of
    this has succeeded (until then it is left as it was)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        out = staging / dest.name
        proc = otter("assign", str(master), str(out), cwd=master.parent)
        if proc.returncode != 0:
            return proc
        try:
            package(out)
        except Exception as e:      # a failed wheel build: say so, keep the previous dest
            return subprocess.CompletedProcess(proc.args, 1, proc.stdout, f"{proc.stderr}\n{e}")
        if dest.exists():
            old = staging / "previous"
            dest.rename(old)        # then replaced at once: never a half-written dest
        out.rename(dest)
        return proc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def autograder_zip(dist: Path) -> Path:
    zips = sorted((dist / "autograder").glob("*-autograder_*.zip"))
    if not zips:
        raise SystemExit(f"no autograder zip in {dist}/autograder: run `grade.py assign` first")
    return zips[-1]


def grade_one(zip_path: Path, notebook: Path, out: Path, timeout: float, python: str | None = None) -> dict:
    """Grade one submission with `otter run`; returns {"results": dict | None, "seconds", "error"}.

    The notebook is copied alone into a fresh folder (otter run wants one notebook per folder).
    `python`: grade with that environment's otter and minik8s instead of this checkout's."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="otter-run-") as tmp:
        sub = Path(tmp) / notebook.name
        shutil.copyfile(notebook, sub)
        try:
            proc = otter("run", "--no-logo", "-a", str(zip_path), "-o", str(out), str(sub), cwd=Path(tmp),
                         timeout=timeout, python=python)
            error = None if (out / "results.json").exists() else (proc.stderr or proc.stdout)[-2000:]
        except subprocess.TimeoutExpired:
            error = f"timeout: grading took more than {timeout:g} s"
    seconds = time.monotonic() - t0
    results = None
    if error is None:
        results = json.loads((out / "results.json").read_text())
    else:
        (out / "results.json").unlink(missing_ok=True)
        (out / "error.txt").write_text(error + "\n")
    return {"results": results, "seconds": seconds, "error": error}


def scores(results: dict | None) -> dict[str, float]:
    """Question -> score from a Gradescope results.json (otter's per-question entries)."""
    if not results:
        return {}
    return {t["name"]: float(t.get("score") or 0) for t in results.get("tests", [])
            if t.get("max_score") is not None}


def questions_of(zip_results: list[dict]) -> list[str]:
    names: dict[str, None] = {}
    for r in zip_results:
        for t in (r or {}).get("tests", []):
            if t.get("max_score") is not None:
                names.setdefault(t["name"], None)
    return list(names)


def submitted_notebooks(submissions: Path, unpack_to: Path) -> list[Path]:
    """The folder's *.ipynb files, and the notebook inside each *.zip that `grader.export()` wrote
    (graded as <zip name>.ipynb), sorted by student name."""
    found = {p.stem: p for p in submissions.glob("*.ipynb")}
    for z in sorted(submissions.glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            inner = [n for n in zf.namelist() if n.endswith(".ipynb") and "/" not in n]
            if len(inner) == 1 and z.stem not in found:
                dest = unpack_to / f"{z.stem}.ipynb"
                dest.write_bytes(zf.read(inner[0]))
                found[z.stem] = dest
    return [found[k] for k in sorted(found)]


def grade_folder(exercise: Path, submissions: Path, out: Path, jobs: int = 2,
                 timeout: float = 120.0) -> tuple[Path, list[dict], dict]:
    """Grade every *.ipynb of `submissions`; write per-student results.json and gradebook.csv."""
    zip_path = autograder_zip(exercise / "dist")
    unpacked = Path(tempfile.mkdtemp(prefix="otter-zips-"))
    notebooks = submitted_notebooks(submissions, unpacked)
    t0 = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            runs = list(pool.map(lambda nb: grade_one(zip_path, nb, out / nb.stem, timeout), notebooks))
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    total_s = time.monotonic() - t0
    qs = questions_of([r["results"] for r in runs])
    rows = []
    for nb, r in zip(notebooks, runs):
        sc = scores(r["results"])
        row = {"student": nb.stem, **{q: sc.get(q, 0.0) for q in qs}}
        row["total"] = sum(sc.get(q, 0.0) for q in qs)
        row["seconds"] = round(r["seconds"], 2)
        row["error"] = (r["error"] or "").splitlines()[0] if r["error"] else ""
        rows.append(row)
    out.mkdir(parents=True, exist_ok=True)
    book = out / "gradebook.csv"
    with book.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["student", *qs, "total", "seconds", "error"])
        w.writeheader()
        w.writerows(rows)
    per = [r["seconds"] for r in runs]
    summary = {"submissions": len(runs), "jobs": jobs, "total_seconds": round(total_s, 1),
               "per_submission_mean": round(sum(per) / len(per), 2) if per else 0.0,
               "per_submission_max": round(max(per), 2) if per else 0.0,
               "errors": sum(1 for r in runs if r["error"])}
    return book, rows, summary


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="grade.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("assign", help="otter assign every exercise (or the named ones) into <dir>/dist")
    a.add_argument("dirs", nargs="*")
    g = sub.add_parser("grade", help="grade a folder of submitted notebooks")
    g.add_argument("dir", help="the exercise, e.g. ch1-containers")
    g.add_argument("submissions", type=Path)
    g.add_argument("-o", "--out", type=Path)
    g.add_argument("-j", "--jobs", type=int, default=2)
    g.add_argument("--timeout", type=float, default=120.0, help="seconds per submission (default 120)")
    args = ap.parse_args(argv)
    problem = check_environment()
    if problem:
        print(problem, file=sys.stderr)
        return 2

    if args.cmd == "assign":
        dirs = [HERE / d.rstrip("/").split("/")[-1] for d in args.dirs] if args.dirs else exercise_dirs()
        failed = 0
        for d in dirs:
            t0 = time.monotonic()
            proc = assign(d / f"{d.name}.ipynb", d / "dist")
            ok = proc.returncode == 0
            failed += not ok
            print(f"{d.name}: {'ok' if ok else 'FAILED'} ({time.monotonic() - t0:.1f} s) -> "
                  f"{(d / 'dist').relative_to(ROOT)}/{{student,autograder}}")
            if not ok:
                print((proc.stderr or proc.stdout)[-3000:])
        return 1 if failed else 0

    exercise = HERE / args.dir.rstrip("/").split("/")[-1]
    out = args.out or args.submissions / "graded"
    book, rows, s = grade_folder(exercise, args.submissions, out, args.jobs, args.timeout)
    for row in rows:
        print(f"{row['student']:30} {row['total']:6.2f}  {row['seconds']:6.2f} s  {row['error']}")
    print(f"gradebook: {book}")
    print(f"graded {s['submissions']} submissions in {s['total_seconds']} s with {s['jobs']} jobs; "
          f"per submission {s['per_submission_mean']} s mean, {s['per_submission_max']} s max; "
          f"{s['errors']} errors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
