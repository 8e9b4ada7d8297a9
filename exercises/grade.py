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
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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


def otter_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.setdefault("PYTHONHASHSEED", "0")
    return env


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


def otter(*args: str, cwd: Path, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run the otter CLI of this Python (as python -m otter ..., see OTTER_MAIN) in its own process
    group, so that on a timeout the notebook kernel and checkers it started are stopped with it."""
    cmd = [sys.executable, "-c", OTTER_MAIN, *args]
    proc = subprocess.Popen(cmd, cwd=cwd, env=otter_env(), stdout=subprocess.PIPE,
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
    """`otter assign` one master notebook into dest (student/ and autograder/); it also runs the
    tests against the solutions and fails if any does not pass."""
    if dest.exists():
        shutil.rmtree(dest)
    return otter("assign", str(master), str(dest), cwd=master.parent)


def autograder_zip(dist: Path) -> Path:
    zips = sorted((dist / "autograder").glob("*-autograder_*.zip"))
    if not zips:
        raise SystemExit(f"no autograder zip in {dist}/autograder: run `grade.py assign` first")
    return zips[-1]


def grade_one(zip_path: Path, notebook: Path, out: Path, timeout: float) -> dict:
    """Grade one submission with `otter run`; returns {"results": dict | None, "seconds", "error"}.

    The notebook is copied alone into a fresh folder (otter run wants one notebook per folder)."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="otter-run-") as tmp:
        sub = Path(tmp) / notebook.name
        shutil.copyfile(notebook, sub)
        try:
            proc = otter("run", "--no-logo", "-a", str(zip_path), "-o", str(out), str(sub), cwd=Path(tmp),
                         timeout=timeout)
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
