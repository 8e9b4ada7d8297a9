"""CI for every graded exercise (exercises/<dir>/<dir>.ipynb, discovered automatically).

For each exercise: `otter assign` succeeds (it also runs every test against the solutions); graded
with `otter run` (no Docker), the reference solution scores full marks, the untouched student
notebook scores zero, and every plausible wrong answer in tests/fixtures/exercises/<dir>/ loses
its question's points. The k-th wrong answers of all questions are graded together as one
submission, so an exercise costs three or four `otter run`s, in parallel.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "exercises"))
import harness  # noqa: E402

EXERCISES = harness.exercises()
SECONDS_PER_SUBMISSION = 10        # the target of issue 7 (one submission graded in <= 10 s)


@pytest.fixture(scope="session")
def exercise_root():
    return harness.session_root()


@lru_cache(maxsize=None)
def graded(name: str, root: str) -> dict:
    dist = harness.assigned(name, root)
    solution = harness.read_nb(dist / "autograder" / f"{name}.ipynb")
    student = harness.read_nb(dist / "student" / f"{name}.ipynb")
    subs = {"solution": solution, "student": student}
    wrong = harness.wrong_answers(name)
    for k in range(max((len(v) for v in wrong.values()), default=0)):
        nb = solution
        for q, files in wrong.items():
            if k < len(files):
                nb = harness.replace_answer(nb, files[k].read_text())
        subs[f"wrong{k}"] = nb
    runs = harness.grade_many(dist, subs, Path(root) / name / "runs", jobs=harness.jobs())
    return {"runs": runs, "wrong": wrong}


def test_every_exercise_is_found():
    assert "ch1-containers" in EXERCISES


@pytest.mark.parametrize("name", EXERCISES)
def test_assign_succeeds(name, exercise_root):
    dist = harness.assigned(name, exercise_root)
    assert (dist / "student" / f"{name}.ipynb").exists()
    assert list((dist / "autograder").glob(f"{name}-autograder_*.zip"))


@pytest.mark.parametrize("name", EXERCISES)
def test_exercise_conventions(name):
    """What exercises/README.md asks of every exercise: at least 4 graded questions, each with a
    wrong-answer fixture, a link back to its chapter, PDF export off, the integrity plugin on."""
    master = harness.read_nb(harness.ROOT / "exercises" / name / f"{name}.ipynb")
    text = "\n".join(harness.cell_source(c) for c in master["cells"])
    questions = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("name: q")]
    assert len(questions) >= 4, questions
    assert "minik8s.grading.IntegrityPlugin" in text
    assert "pdf: false" in text
    chapter = name if (harness.ROOT / "book" / f"{name}.md").exists() else None
    assert chapter and f"book/{chapter}.md" in text, "the notebook must link to its chapter book/<dir>.md"
    wrong = harness.wrong_answers(name)
    assert sorted(wrong) == sorted(questions), f"wrong-answer fixtures for {sorted(wrong)}, questions {questions}"


@pytest.mark.parametrize("name", EXERCISES)
def test_solution_scores_full(name, exercise_root):
    run = graded(name, exercise_root)["runs"]["solution"]
    assert run["error"] is None, run["error"]
    scores, maxes = harness.grade.scores(run["results"]), harness.max_points(run["results"])
    assert scores == maxes, [t.get("output", "")[:3000] for t in run["results"]["tests"]]
    assert run["seconds"] <= 3 * SECONDS_PER_SUBMISSION, f"grading took {run['seconds']:.1f} s"


@pytest.mark.parametrize("name", EXERCISES)
def test_untouched_student_notebook_scores_zero(name, exercise_root):
    run = graded(name, exercise_root)["runs"]["student"]
    assert run["error"] is None, run["error"]
    scores = harness.grade.scores(run["results"])
    assert scores and all(v == 0 for v in scores.values()), scores


@pytest.mark.parametrize("name", EXERCISES)
def test_wrong_answers_lose_points(name, exercise_root):
    g = graded(name, exercise_root)
    for label, run in g["runs"].items():
        if not label.startswith("wrong"):
            continue
        k = int(label[len("wrong"):])
        assert run["error"] is None, run["error"]
        scores, maxes = harness.grade.scores(run["results"]), harness.max_points(run["results"])
        for q, files in g["wrong"].items():
            if k < len(files):
                assert scores[q] < maxes[q], f"{files[k].name} kept all {maxes[q]} points of {q}"
        untouched = [q for q in maxes if q not in g["wrong"] or k >= len(g["wrong"][q])]
        assert all(scores[q] == maxes[q] for q in untouched), scores


def test_grade_folder_writes_gradebook_and_results(exercise_root, tmp_path):
    """The instructor's `grade.py grade`: one results.json per student, gradebook.csv with one row
    per student and one column per question plus total; export zips are graded too; a submission
    over the time limit is reported in the error column, not lost."""
    import csv
    import zipfile
    name = EXERCISES[0]
    dist = harness.assigned(name, exercise_root)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.ipynb").write_bytes((dist / "autograder" / f"{name}.ipynb").read_bytes())
    with zipfile.ZipFile(subs / "bob.zip", "w") as zf:       # what grader.export() writes
        zf.write(dist / "student" / f"{name}.ipynb", f"{name}.ipynb")
        zf.writestr(".OTTER_LOG", b"")
    book, rows, summary = harness.grade.grade_folder(dist.parent, subs, tmp_path / "out", jobs=2)
    with book.open() as f:
        table = list(csv.DictReader(f))
    maxes = harness.max_points(harness.read_nb_json(tmp_path / "out" / "alice" / "results.json"))
    assert [r["student"] for r in table] == ["alice", "bob"]
    assert list(table[0])[1:len(maxes) + 2] == [*maxes, "total"]
    assert float(table[0]["total"]) == sum(maxes.values()) and float(table[1]["total"]) == 0
    assert all(float(table[0][q]) == maxes[q] for q in maxes)
    assert (tmp_path / "out" / "bob" / "results.json").exists()
    assert summary["submissions"] == 2 and summary["errors"] == 0 and summary["total_seconds"] > 0
    _, rows, summary = harness.grade.grade_folder(dist.parent, subs, tmp_path / "slow", jobs=2, timeout=0.5)
    assert summary["errors"] == 2 and all(r["error"].startswith("timeout") for r in rows)


def test_otter_driver_keeps_otter_exit_codes(tmp_path):
    """grade.py runs otter's CLI through OTTER_MAIN (which ends the process with os._exit as soon
    as the command returns): its output and exit codes are still otter's."""
    ok = harness.grade.otter("--version", cwd=tmp_path)
    assert ok.returncode == 0 and "Otter-Grader version" in ok.stdout
    bad = harness.grade.otter("run", "--no-such-option", cwd=tmp_path)
    assert bad.returncode == 2 and "No such option" in bad.stderr
