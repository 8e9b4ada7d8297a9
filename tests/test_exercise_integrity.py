"""Integrity of exercise grading (issue 7): a submission cannot gain points by editing the
notebook's test metadata, raising SystemExit, printing fake results, looping forever or
monkeypatching minik8s or the grader in its own cells.

Unit tests of minik8s.grading (the sandbox and checker processes), then every adversarial
submission of tests/fixtures/exercises/adversarial.py graded with `otter run` for every exercise.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "exercises"))
import adversarial  # noqa: E402
import harness  # noqa: E402

from minik8s import grading  # noqa: E402

PHASE_CHECK = '''
def check(manifest):
    from minik8s import Cluster
    c = Cluster(nodes=1, seed=0)
    c.apply(manifest)
    c.run(20)
    return {"phase": c.get("pod", "p")["status"].get("phase")}
'''
POD = 'x = """\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx:1.27}]\n"""\n'
BAD_POD = POD.replace("nginx:1.27", "nginx:no-such-tag")


def history(*cells):
    return {"In": ["", *cells]}


def test_defines_finds_top_level_definitions_only():
    assert grading.defines("x = 1", "x")
    assert grading.defines("a, x = 1, 2", "x")
    assert grading.defines("def x():\n    pass", "x")
    assert grading.defines("%time\nx: int = 3", "x")
    assert not grading.defines("def f():\n    x = 1", "x")
    assert not grading.defines("print(x)", "x")
    assert not grading.defines("x = (", "x")


def test_answer_source_is_the_last_cell_that_defines_it():
    env = history("x = 1", "x = 2", "print(x)")
    assert grading.answer_source("x", env) == "x = 2"
    assert grading.answer_source("y", env) is None


def test_value_answer_is_checked_on_a_clean_cluster():
    assert grading.run_check(history(POD), "x", PHASE_CHECK) == {"phase": "Running"}
    assert grading.run_check(history(BAD_POD), "x", PHASE_CHECK) == {"phase": "Pending"}


def test_answer_cell_that_also_uses_other_cells_still_answers():
    cell = POD + "c.apply(x)\nprint(c.kubectl('get pods'))\n"
    assert grading.run_check(history(cell), "x", PHASE_CHECK) == {"phase": "Running"}
    assert "NameError" in grading.run_check(history("x = y + 1"), "x", PHASE_CHECK)["error"]


def test_missing_checks_file_is_explained(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "checks.py not found" in grading.run_check(history(POD), "x", "q1")["error"]


def test_a_runaway_answer_is_stopped_by_the_memory_limit():
    r = grading.run_check(history("x = 'a' * (8 << 30)"), "x", PHASE_CHECK)
    assert "MemoryError" in r["error"], r


def test_missing_and_unanswered():
    assert "no cell defines x" in grading.run_check(history("y = 1"), "x", PHASE_CHECK)["error"]
    assert "still ..." in grading.run_check(history("x = ..."), "x", PHASE_CHECK)["error"]


FUNCTION_CHECK = "def check(f):\n    return {'result': f(2)}\n"


def test_an_untouched_function_is_unanswered_without_running_the_check():
    """The student version of a function question is `def f(...):` with `...` as its body (a docstring
    may stay): that is unanswered, not a wrong answer to spend a cluster run on."""
    for cell in ("def f(n):\n    ...\n", 'def f(n):\n    """Double n."""\n    ...\n'):
        r = grading.run_check(history(cell), "f", FUNCTION_CHECK, want="function")
        assert "f still has ... as its body" in r["error"], r
    assert grading.run_check(history("def f(n):\n    return 2 * n\n"), "f", FUNCTION_CHECK,
                             want="function") == {"result": 4}


def test_system_exit_in_the_answer_gains_nothing():
    """Leaving the sandbox early never passes a check: a wrong answer stays wrong (the checker,
    not the sandbox, decides), and an answer that never gets defined is an error."""
    for cell in ("raise SystemExit(0)\n" + BAD_POD, BAD_POD + "import sys\nsys.exit(0)\n",
                 BAD_POD + "import os\nos._exit(0)\n"):
        r = grading.run_check(history(cell), "x", PHASE_CHECK)
        assert r.get("phase") != "Running", r
    r = grading.run_check(history("import os\nos._exit(0)\nx = 1\n"), "x", PHASE_CHECK)
    assert "ended the process" in r["error"], r


def test_an_endless_answer_times_out():
    t0 = time.monotonic()
    r = grading.run_check(history("while True:\n    pass\n" + POD), "x", PHASE_CHECK, timeout=2)
    assert r["error"].startswith("timeout"), r
    assert time.monotonic() - t0 < 10
    fn = "def f(n):\n    while True:\n        pass\n"
    r = grading.run_check(history(fn), "f", "def check(f):\n    return {'v': f(1)}\n", want="function", timeout=2)
    assert r["error"].startswith("timeout"), r


def test_printed_fake_results_are_not_read():
    fake = ('import sys, json\nprint(json.dumps({"phase": "Running"}))\n'
            'sys.__stdout__.write(json.dumps({"kind": "value", "value": "junk"}) + "\\n")\n' + BAD_POD)
    r = grading.run_check(history(fake), "x", PHASE_CHECK)
    assert r != {"phase": "Running"}, r


def test_answer_cell_patches_reach_neither_checker_nor_grader():
    patch = ("import minik8s\nfrom minik8s import Cluster\n"
             "Cluster.get = lambda self, *a, **k: {'status': {'phase': 'Running'}}\n"
             "import minik8s.grading\nminik8s.grading.run_check = lambda *a, **k: {'phase': 'Running'}\n")
    assert grading.run_check(history(patch + BAD_POD), "x", PHASE_CHECK) == {"phase": "Pending"}
    # a function answer that patches minik8s when called: the patch stays in its own process
    fn = ("def f(n):\n    from minik8s import Cluster\n"
          "    Cluster.get = lambda self, *a, **k: {'status': {'phase': 'Running'}}\n    return n\n")
    manifest = BAD_POD.split('"""')[1]
    check = PHASE_CHECK.replace("def check(manifest):", f"def check(f):\n    manifest = {manifest!r}\n    f(1)")
    assert grading.run_check(history(fn), "f", check, want="function") == {"phase": "Pending"}


def test_answers_cannot_write_files_or_start_processes(tmp_path):
    """The sandbox's audit hook: an answer that rewrote minik8s, checks.py or otter's test files
    on disk would change the checks that follow it."""
    import minik8s
    target = tmp_path / "checks.py"
    target.write_text("original\n")
    chk = "def check(v):\n    return {'v': v}\n"
    for attack in (f"open({str(target)!r}, 'w').write('def q1(a):\\n    return {{}}\\n')",
                   f"open({minik8s.__file__!r}, 'a')",
                   f"import os\nos.remove({str(target)!r})",
                   f"import os\nos.system('rm {target}')",
                   f"import subprocess\nsubprocess.run(['rm', {str(target)!r}])",
                   "import ctypes"):
        r = grading.run_check(history(attack + "\nx = 1\n"), "x", chk)
        assert target.read_text() == "original\n", attack
        assert r in ({"v": 1}, ) or "PermissionError" in r.get("error", ""), (attack, r)
    fn = f"def f(n):\n    open({str(target)!r}, 'w')\n    return n\n"
    r = grading.run_check(history(fn), "f", "def check(f):\n    return {'v': f(1)}\n", want="function")
    assert "answers may not write files" in r["error"]
    assert target.read_text() == "original\n"


def test_function_answers_are_called_across_processes():
    fn = "def double(n):\n    return 2 * n\n"
    check = "def check(f):\n    return {'v': [f(i) for i in range(3)]}\n"
    assert grading.run_check(history(fn), "double", check, want="function") == {"v": [0, 2, 4]}
    assert "must be a function" in grading.run_check(history("double = 3"), "double", check, want="function")["error"]
    raising = "def double(n):\n    raise ValueError('no')\n"
    assert "ValueError: no" in grading.run_check(history(raising), "double", check, want="function")["error"]


subprocess_run = grading.subprocess.run
LEAK_CHECK = '''
def check(x):
    import minik8s
    seen = getattr(minik8s, "_left_by_an_earlier_check", None)
    minik8s._left_by_an_earlier_check = x
    return {"seen": seen}
'''


def test_each_check_starts_where_no_check_has_run():
    """Checks run in children forked from one warmed-up server (started on first use): what a
    check changes in minik8s is gone for the next, as when each check had its own interpreter."""
    assert grading.run_check(history("x = 1"), "x", LEAK_CHECK) == {"seen": None}
    assert grading.run_check(history("x = 2"), "x", LEAK_CHECK) == {"seen": None}
    server = grading._server()
    assert server is not None and grading._server() is server        # one server, reused
    # in its own session: a Jupyter kernel waits at shutdown for the children in its group
    import os
    assert os.getpgid(server.pid) != os.getpgrp()


def test_without_the_server_each_check_has_its_own_interpreter(monkeypatch):
    monkeypatch.setattr(grading, "_server", lambda: None)
    calls = []
    monkeypatch.setattr(grading.subprocess, "run", lambda *a, **k: calls.append(a) or subprocess_run(*a, **k))
    assert grading.run_check(history(POD + "# a cell of its own\n"), "x", PHASE_CHECK) == {"phase": "Running"}
    assert grading.run_check(history("x = 3"), "x", LEAK_CHECK) == {"seen": None}
    assert grading.run_check(history("x = 4"), "x", LEAK_CHECK) == {"seen": None}
    crash = "def check(x):\n    raise RuntimeError('bug in checks.py')\n"
    assert "RuntimeError: bug in checks.py" in grading.run_check(history("x = 5"), "x", crash)["error"]
    assert len(calls) == 4          # one interpreter per check


def test_a_check_that_crashes_is_reported_and_the_next_still_runs():
    crash = "def check(x):\n    raise RuntimeError('bug in checks.py')\n"
    r = grading.run_check(history("x = 6"), "x", crash)
    assert r["error"].startswith("the checker for x failed") and "RuntimeError: bug in checks.py" in r["error"]
    exits = "def check(x):\n    import os\n    os._exit(3)\n"
    assert grading.run_check(history("x = 7"), "x", exits)["error"].startswith("the checker for x failed")
    assert grading.run_check(history("x = 8"), "x", LEAK_CHECK) == {"seen": None}


# --- adversarial submissions through otter run ----------------------------------------------

@pytest.fixture(scope="session")
def exercise_root():
    return harness.session_root()


@pytest.mark.parametrize("name", harness.exercises())
def test_adversarial_submissions_score_zero(name, exercise_root, monkeypatch):
    monkeypatch.setenv("MINIK8S_GRADING_TIMEOUT", "5")
    dist = harness.assigned(name, exercise_root)
    student = harness.read_nb(dist / "student" / f"{name}.ipynb")
    solution = harness.read_nb(dist / "autograder" / f"{name}.ipynb")
    # The whole set on the first exercise; on the others the tampering that depends on the
    # exercise's own tests and answers (the rest exercises the same plugin, which
    # test_exercise_conventions requires of every exercise).
    full = name == harness.exercises()[0]
    zero = [k for k in adversarial.ZERO
            if full or k in ("tamper_metadata", "monkeypatch_in_answers", "overwrite_files")]
    subs = {label: adversarial.ZERO[label](student) for label in zero}
    first = adversarial.answer_names(student)[0]
    subs["loop_in_answer"] = adversarial.loop_in_answer(solution, first)
    # issue 16: escapes from the answer's sandbox, in a submission that answers only question 1
    escapes = [k for k in adversarial.ANSWERED_FIRST if full or k == "escape_fork_exec"]
    for label in escapes:
        subs[label] = adversarial.ANSWERED_FIRST[label](student, solution)
    runs = harness.grade_many(dist, subs, Path(exercise_root) / name / "adversarial", jobs=harness.jobs())
    for label in escapes:
        run = runs[label]
        assert run["error"] is None, f"{label}: {run['error']}"
        scores, maxes = harness.grade.scores(run["results"]), harness.max_points(run["results"])
        q1 = list(maxes)[0]
        assert scores[q1] == maxes[q1], f"{label}: question 1 lost its points: {scores}"
        assert all(scores[q] == 0 for q in maxes if q != q1), f"{label} gained points: {scores}"
    for label in zero:
        run = runs[label]
        assert run["error"] is None, f"{label}: {run['error']}"
        scores = harness.grade.scores(run["results"])
        assert scores and all(v == 0 for v in scores.values()), f"{label} gained points: {scores}"
    run = runs["loop_in_answer"]
    assert run["error"] is None, run["error"]
    scores, maxes = harness.grade.scores(run["results"]), harness.max_points(run["results"])
    looped = [q for q in maxes if scores[q] < maxes[q]]
    assert len(looped) == 1, scores
    assert all(scores[q] == maxes[q] for q in maxes if q not in looped), scores
    out = "\n".join(t.get("output", "") for t in run["results"]["tests"])
    assert "timeout" in out


def test_a_server_that_cannot_start_is_not_tried_again(monkeypatch):
    """If the check server fails to start (here: its warm-up raises), each check gets its own
    interpreter, and the server's start-up is not paid again for every check."""
    monkeypatch.setattr(grading, "_SERVERS", [])
    monkeypatch.setattr(grading, "_SERVER_FAILED", [])
    monkeypatch.setattr(grading, "_SERVER", grading._SERVER.replace("warm()\n", "raise SystemExit('no')\n", 1))
    assert grading._server() is None and grading._SERVER_FAILED
    assert grading.run_check(history("x = 9"), "x", LEAK_CHECK) == {"seen": None}
    started = []
    monkeypatch.setattr(grading.subprocess, "Popen", lambda *a, **k: started.append(a))
    assert grading._server() is None and not started


# --- issue 16: escapes from the answer's sandbox ------------------------------------------------

REPORT = "def check(v):\n    return {'v': v}\n"


def attempt(body: str, name: str = "x") -> str:
    """An answer cell that tries `body` and answers with what happened: 'ESCAPED: <value of the
    last line>' when nothing stopped it, else the exception."""
    lines = body.strip().splitlines()
    lines[-1] = "result = " + lines[-1]
    inner = "\n".join("        " + line for line in lines)
    return (f"def attempt():\n    try:\n{inner}\n        return 'ESCAPED: ' + repr(result)\n"
            f"    except BaseException as e:\n        return type(e).__name__ + ': ' + str(e)\n"
            f"{name} = attempt()\n")


def escapes(target: str) -> dict[str, str]:
    """Ways Python can start a process, signal the grader or write a file (issue 16)."""
    t = repr(target)
    return {
        "subprocess._fork_exec": "import subprocess, os\nr, w = os.pipe()\nsubprocess._fork_exec("
        "['/bin/sh', '-c', 'echo x > ' + " + t + "], [b'/bin/sh'], True, (), None, None, -1, -1, -1, -1, -1, -1, "
        "r, w, False, True, -1, None, None, None, -1, None)",
        "re-imported _posixsubprocess": "import sys\nsys.modules.pop('_posixsubprocess', None)\n"
        "import _posixsubprocess\n_posixsubprocess",
        "subprocess.run": f"import subprocess\nsubprocess.run(['/bin/sh', '-c', 'echo x > ' + {t}])",
        "os.fork": "import os\nos.fork()",
        "os.posix_spawn": f"import os\nos.posix_spawn('/bin/sh', ['sh', '-c', 'echo x > ' + {t}], {{}})",
        "os.execv": f"import os\nos.execv('/bin/sh', ['sh', '-c', 'echo x > ' + {t}])",
        "os.system": f"import os\nos.system('echo x > ' + {t})",
        "ctypes fork": "import ctypes\nctypes.CDLL(None).fork()",
        "ctypes system": f"import ctypes\nctypes.CDLL(None).system(('echo x > ' + {t}).encode())",
        "signal the checker": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
        "write a file": f"open({t}, 'w').write('x')",
    }


def test_no_escape_from_the_answer_sandbox(tmp_path):
    """Issue 16: none of these starts a process, signals the checker or writes a file; the check
    still runs and reports what the answer said."""
    target = tmp_path / "tests.py"
    target.write_text("original\n")
    for label, body in escapes(str(target)).items():
        r = grading.run_check(history(attempt(body)), "x", REPORT)
        assert "v" in r and not r["v"].startswith("ESCAPED"), (label, r)
        assert target.read_text() == "original\n", label
    time.sleep(0.5)                      # a detached process would have had time to write
    assert target.read_text() == "original\n"


NO_AUDIT_HOOK = [("sys.addaudithook(_confine)\n", "\n"),
                 ("_posixsubprocess.fork_exec = subprocess._fork_exec = _no_fork_exec\n", "\n"),
                 ("    del sys.modules[_m]", "    pass"),
                 # ctypes loaded while still root (where the Python installation is not readable
                 # by other users, as here under /root, the answer could not load it itself)
                 ("import ast, json, os, sys,", "import ctypes, ast, json, os, sys,")]


def test_the_kernel_forbids_new_processes_even_past_the_audit_hook(monkeypatch):
    """The audit hook is not the guard that matters: with it (and the fork_exec stub) taken out of
    the sandbox, as an answer that found a way around them would, RLIMIT_NPROC 0 still makes every
    fork fail (EAGAIN), as root drops to an unprivileged user first."""
    sandbox = grading._SANDBOX
    for old, new in NO_AUDIT_HOOK:
        assert old in sandbox
        sandbox = sandbox.replace(old, new)
    monkeypatch.setattr(grading, "_SANDBOX", sandbox)
    libc = ("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "if libc.{call} == -1: raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))\n'done'")
    for body in ("import os\nos.fork()", "import subprocess\nsubprocess.run(['/bin/true'])",
                 "import subprocess\nsubprocess.Popen(['/bin/true'], start_new_session=True)",
                 "import os\nos.posix_spawn('/bin/true', ['true'], {})",
                 "import threading\nthreading.Thread(target=print).start()",
                 libc.format(call="fork()")):
        r = grading.run_check(history(attempt(body) + "# no hook\n"), "x", REPORT)
        assert "v" in r and ("BlockingIOError" in r["v"] or "can't start new thread" in r["v"]), (body, r)
    # libc's system() reports a failed fork as exit status 127; the command never runs
    body = "import ctypes, os\nctypes.CDLL(None).system(b'touch made')\n[os.path.exists('made')]"
    r = grading.run_check(history(attempt(body) + "# no hook\n"), "x", REPORT)
    assert r == {"v": "ESCAPED: [False]"}, r
    r = grading.run_check(history("import os\nx = [l for l in open('/proc/self/limits') if 'processes' in l]\n"
                                  "# no hook\n"), "x", REPORT)
    assert r["v"][0].split()[2:4] == ["0", "0"], r


@pytest.mark.skipif(__import__("os").geteuid() != 0, reason="dropping privileges needs root (CI and "
                    "otter's Docker/Gradescope grading run as root)")
def test_as_root_the_answer_runs_as_a_user_that_owns_nothing_of_the_grader(tmp_path, monkeypatch):
    """Issue 16: as root, the answer runs as a uid of its own without groups, so even past the
    audit hook it cannot write root's files (otter's tests, results, checks.py) or signal the
    checker; two sandboxes never share a uid."""
    target = tmp_path / "tests.py"
    target.write_text("original\n")
    uids = [grading.run_check(history(f"import os\nx = [os.getresuid(), os.getresgid(), os.getgroups()]  # {i}\n"),
                              "x", REPORT)["v"] for i in range(2)]
    for resuid, resgid, groups in uids:
        assert 0 not in resuid and 0 not in resgid and groups == [], uids
    assert uids[0][0] != uids[1][0]
    sandbox = grading._SANDBOX
    for old, new in NO_AUDIT_HOOK:
        sandbox = sandbox.replace(old, new)
    monkeypatch.setattr(grading, "_SANDBOX", sandbox)
    for body in (f"open({str(target)!r}, 'w').write('x')", "import os\nos.kill(os.getppid(), 9)",
                 "import os\nos.setuid(0)", "import os\nos.readlink(f'/proc/{os.getppid()}/cwd')"):
        r = grading.run_check(history(attempt(body) + "# no hook, root\n"), "x", REPORT)
        assert "v" in r and r["v"].startswith("PermissionError"), (body, r)
    assert target.read_text() == "original\n"


# --- issue 20 (item 7): feedback a student can read ---------------------------------------------

FAILING_TEST = {
    "name": "q2", "points": 1,
    "suites": [{"type": "doctest", "scored": True, "setup": "", "teardown": "", "cases": [
        {"hidden": False, "locked": False, "code":
            ">>> r = {'ready': '1/2', 'status': 'Running'}\n"
            ">>> msg = 'ready: expected ' + repr('2/2') + ', happened ' + repr(r['ready'])\n"
            ">>> assert not msg, 'kubectl get pod broken, 60 s after applying:\\n' + msg + \\\n"
            "...     '\\n(look at the image tag of web)'\n"},
        {"hidden": False, "locked": False, "code":
            ">>> r = {'error': 'q4_selectors still has ... in it: replace every ... with your answer'}\n"
            ">>> assert 'error' not in r, r['error']\n"
            ">>> a = r['a']\n"},
        {"hidden": False, "locked": False, "code": ">>> x = 1\n>>> assert x == 2\n"},
    ]}],
}


def test_a_failing_test_says_what_its_assertion_says_without_doctest_noise():
    """otter shows a failing doctest's whole verbose run (Trying: / Expecting nothing / ok for
    every line, a traceback into doctest.py); the student sees the assertion's message instead."""
    from otter.test_files.ok_test import OKTestFile
    grading._install_clean_feedback()
    tf = OKTestFile.from_spec(FAILING_TEST)
    tf.run({})
    assert not any(tcr.passed for tcr in tf.test_case_results)
    text, html = tf.summary(), tf._repr_html_()
    for shown in (text, html):
        for noise in ("Trying:", "Expecting nothing", "doctest.py", "Traceback", "Failed example"):
            assert noise not in shown, (noise, shown)
    msgs = [tcr.message for tcr in tf.test_case_results]
    assert msgs[0] == ("❌ Test case failed\nkubectl get pod broken, 60 s after applying:\n"
                       "ready: expected '2/2', happened '1/2'\n(look at the image tag of web)")
    # the first failing line is what the student needs (the next ones fail because of it)
    assert msgs[1] == "❌ Test case failed\nq4_selectors still has ... in it: replace every ... with your answer"
    assert msgs[2] == "❌ Test case failed\nthis check failed:\nassert x == 2"
    assert grading.clean_failure(msgs[0]) == msgs[0]                  # cleaning twice changes nothing
    assert grading.clean_failure("✅ Test case passed") == "✅ Test case passed"


def test_an_unrun_answer_cell_is_read_from_the_saved_notebook(tmp_path, monkeypatch):
    """grader.check before the answer's cell has run: the saved notebook has the cell (still `...`),
    so the student is told to replace the ... (not that no cell defines the name)."""
    nb = {"cells": [harness.code_cell('q4_selectors = {"a": ..., "b": ...}\n')], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    harness.write_nb(nb, tmp_path / "ex.ipynb")
    monkeypatch.chdir(tmp_path)
    r = grading.run_check(history("import otter"), "q4_selectors", REPORT)
    assert r["error"].startswith("q4_selectors still has ... in it: replace every ... with your answer"), r
    assert "run that cell" in r["error"]
    r = grading.run_check(history("q4_selectors = ..."), "q4_selectors", REPORT)
    assert r["error"].startswith("q4_selectors is still ... : replace the ... with your answer"), r


def test_graded_output_puts_the_feedback_first(exercise_root):
    """otter run of the untouched student notebook and of a wrong answer: each failing question's
    output (what Gradescope shows) is the check's message, with no doctest noise."""
    name = harness.exercises()[0]
    dist = harness.assigned(name, exercise_root)
    student = harness.read_nb(dist / "student" / f"{name}.ipynb")
    subs = {"untouched": student}
    wrong = harness.wrong_answers(name)
    first_q = sorted(wrong)[0]
    subs["wrong"] = harness.replace_answer(student, wrong[first_q][0].read_text())
    runs = harness.grade_many(dist, subs, Path(exercise_root) / name / "feedback", jobs=2)
    for label, run in runs.items():
        assert run["error"] is None, run["error"]
        failed = [t for t in run["results"]["tests"] if t.get("max_score") and not t.get("score")]
        assert failed, label
        for t in failed:
            out = t.get("output", "")
            for noise in ("Trying:", "Expecting nothing", "doctest.py", "Traceback"):
                assert noise not in out, (label, t["name"], out)
            if label == "untouched":
                assert "still" in out and "..." in out, (t["name"], out)
        print(label, f"{run['seconds']:.1f} s")


def test_tests_changed_during_grading_score_nothing(tmp_path, monkeypatch):
    """Belt and braces (issue 16): the plugin hashes otter's tests and checks.py before the
    submission runs and again after grading; a change zeroes every question."""
    import nbformat
    from otter.test_files import GradingResults
    from otter.test_files.ok_test import OKTestFile
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "q1.py").write_text("OK_FORMAT = True\n")
    (tmp_path / "checks.py").write_text("def q1(a):\n    return {}\n")
    passing = {"name": "q1", "points": 2, "suites": [{"type": "doctest", "scored": True, "setup": "", "teardown": "",
                                                       "cases": [{"hidden": False, "locked": False, "code": ">>> 1\n1\n"}]}]}

    def graded(tamper):
        plugin = grading.IntegrityPlugin(str(tmp_path / "sub.ipynb"), {}, {})
        plugin.before_execution(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]))
        tamper()
        tf = OKTestFile.from_spec(passing)
        tf.run({})
        results = GradingResults([tf])
        plugin.after_grading(results)
        return results.total

    assert graded(lambda: None) == 2
    assert graded(lambda: (tmp_path / "tests" / "q1.py").write_text("OK_FORMAT = True\n# all pass\n")) == 0
    assert graded(lambda: (tmp_path / "checks.py").write_text("def q1(a):\n    return {'ok': 1}\n")) == 0
