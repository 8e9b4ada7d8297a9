"""Grading support for the exercises (``exercises/*/``): run a student's answer where it cannot cheat.

An otter-grader test in an exercise notebook never trusts the notebook's own Python process: the
student's cells may have monkeypatched minik8s or otter there. Instead a test calls::

    from minik8s.grading import run_check
    report = run_check(globals(), "q1_manifest", "q1")   # q1: a function of the exercise's checks.py

which

1. finds the *source* of the student's answer: the last code cell that defines ``q1_manifest`` at
   top level (an assignment, ``def`` or ``class``). When autograding (``otter run``), the cell is read
   from the submitted notebook file (see :class:`IntegrityPlugin`); in a student's own session, from
   the kernel's input history (``In``), i.e. what the student last ran;
2. starts a *sandbox* process that runs only that cell, with a fresh interpreter, and holds the
   answer; an audit hook there refuses file writes, new processes, signals and ctypes, and memory
   is capped at 2 GiB;
3. runs ``check(answer)`` on a fresh, seeded cluster in a *checker* process in which no answer and
   no other check has ever run: a child forked from a check server that this module starts on first
   use (a clean interpreter that has imported minik8s and built one throwaway cluster, so that a
   check does not pay ~0.3 s of start-up, imports and schema loading), or, where ``os.fork`` does
   not exist, a fresh interpreter per check. For a value answer (a manifest string, a number, a list) ``answer`` is the value,
   copied as JSON; for a function answer ``answer`` is a proxy: every call is sent as JSON to the
   sandbox, which calls the student's function and sends the result back. The student's code thus
   never shares a process with the cluster that is checked;
4. returns ``check``'s report (a JSON dict), or ``{"error": "..."}`` when the answer is missing,
   fails to run, or takes longer than the time limit (an endless loop is reported as a timeout).

:class:`IntegrityPlugin` is an otter plugin (named in each exercise's assignment config): before
``otter run`` executes a submission it replaces the submission's cells by one cell that tells this
module where the submitted file is. No student code runs in the grading kernel, so nothing can patch
otter, minik8s, ``sys.exit`` or the results file; tests and their points come from the autograder
zip, never from the submission's metadata.
"""

from __future__ import annotations

import ast
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Set (by the autograder's first cell, see IntegrityPlugin) to the submitted notebook's path.
SUBMISSION: str | None = None

#: Seconds a whole check may take (sandbox + checker), unless the test says otherwise; the
#: instructor's environment may set MINIK8S_GRADING_TIMEOUT (a submission cannot: its cells never
#: run in the grading kernel).
DEFAULT_TIMEOUT = float(os.environ.get("MINIK8S_GRADING_TIMEOUT", "20"))

_ROOT = str(Path(__file__).resolve().parent.parent)     # the directory holding the real minik8s


# --- finding the answer's source ---------------------------------------------------------------

def _clean(source: str) -> str:
    """A cell's Python: IPython magics and shell escapes (``%...``, ``!...``) dropped."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def defines(source: str, name: str) -> bool:
    """Whether a cell defines ``name`` at top level (assignment, annotated assignment, def, class)."""
    try:
        tree = ast.parse(_clean(source))
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Name) and sub.id == name:
                    return True
    return False


def notebook_cells(path: str) -> list[str]:
    """The sources of a notebook file's code cells, in order."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            src = cell.get("source", "")
            cells.append("".join(src) if isinstance(src, list) else str(src))
    return cells


def answer_source(name: str, env: dict | None = None) -> str | None:
    """The source of the last cell defining ``name``: from the submitted file when autograding,
    else from the kernel's history, else from the only notebook in the working directory."""
    if SUBMISSION:
        sources = [notebook_cells(SUBMISSION)]
    else:
        sources = []
        if env is not None and isinstance(env.get("In"), list):
            sources.append([s for s in env["In"] if isinstance(s, str)])
        # A cell not run yet (e.g. still `q4 = ...`) is in the saved notebook: grading it says what is
        # missing, where "no cell defines q4" would send the student looking for a cell that is there.
        try:
            nbs = sorted(p for p in os.listdir(".") if p.endswith(".ipynb"))
            if len(nbs) == 1:
                sources.append(notebook_cells(nbs[0]))
        except (OSError, ValueError):
            pass
    for cells in sources:
        for src in reversed(cells):
            if defines(src, name):
                return _clean(src)
    return None


# --- the two processes --------------------------------------------------------------------------

_SANDBOX = r'''
import ast, json, os, sys, resource, subprocess, _posixsubprocess, importlib.util   # all it needs, while it can
out = sys.stdout
sys.stdout = sys.stderr          # what the student prints cannot reach the protocol
name, source = json.loads(sys.stdin.readline())

# Confine the answer. What the kernel enforces comes first; the audit hook after it only closes
# what the kernel cannot (an unprivileged user may still write its own files and /tmp).
#
# 1. Never as root. When grading runs as root (Gradescope, `otter grade` in Docker, CI), drop to a
#    user of this sandbox alone (uid 1000000 + pid, no other process has it; 65534 "nobody" where
#    such uids do not exist), with no supplementary groups: the answer then cannot write the test
#    files, checks.py, results or minik8s (all root's), signal or ptrace the grader or another
#    submission's sandbox, or read /proc/<pid>/cwd of any of them.
# 2. No new process, by the kernel: RLIMIT_NPROC 0 makes every fork/clone/vfork fail for a user
#    other than root (subprocess, os.fork, posix_spawn, ctypes' libc fork or system alike); the
#    limit cannot be raised again without root. Grading refuses to run an answer as root.
# 3. Memory (2 GiB), file size (64 MiB), no core files.
import resource
_SANDBOX_UID = None
def _readable_by_others(path):
    """Can a user who is not the owner (nor in the group) import from path?"""
    path = os.path.realpath(path)
    try:
        if not os.stat(path).st_mode & 0o004:
            return False
        while True:
            if not os.stat(path).st_mode & 0o001:
                return False
            parent = os.path.dirname(path)
            if parent == path:
                return True
            path = parent
    except OSError:
        return False
def _preload():
    """Import, while still root, what answers may import, when the Python installation or minik8s
    cannot be read by another user (e.g. a conda under /root, mode 700, as otter's Gradescope image has)."""
    import importlib, pkgutil
    for mod in ("re", "math", "collections", "itertools", "functools", "copy", "textwrap", "string",
                "dataclasses", "typing", "random", "statistics", "datetime", "fractions", "decimal",
                "ipaddress", "hashlib", "base64", "yaml", "minik8s"):
        try:
            importlib.import_module(mod)
        except Exception:
            pass
    m = sys.modules.get("minik8s")
    if m is not None:
        for info in pkgutil.walk_packages(m.__path__, "minik8s."):
            if info.name.endswith("__main__"):
                continue
            try:
                importlib.import_module(info.name)
            except Exception:
                pass
if os.geteuid() == 0 or os.getuid() == 0:
    import importlib.util
    _spec = importlib.util.find_spec("minik8s")          # where minik8s lives (not imported: 0.5 s)
    _where = list(_spec.submodule_search_locations or []) if _spec else []
    if not all(_readable_by_others(p) for p in (os.path.dirname(os.__file__), *_where,
                                                os.path.dirname(os.path.realpath(sys.executable)))):
        _preload()
    for uid in (1_000_000 + os.getpid(), 65534):
        try:
            os.chown(".", uid, uid)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            _SANDBOX_UID = uid
            break
        except OSError:
            continue
    if _SANDBOX_UID is None or 0 in os.getresuid() or 0 in os.getresgid():
        out.write(json.dumps({"error": "the grader could not run the answer as an unprivileged user "
                                       "(it refuses to run it as root)"}) + "\n"); out.flush()
        os._exit(0)
resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
for _limit, _value in ((resource.RLIMIT_AS, 2 << 30), (resource.RLIMIT_FSIZE, 64 << 20), (resource.RLIMIT_CORE, 0)):
    try:
        resource.setrlimit(_limit, (_value, _value))
    except (ValueError, OSError):
        pass

# 4. An audit hook (it cannot be removed once added,
#    https://docs.python.org/3/library/sys.html#sys.addaudithook): no writing files, no processes,
#    signals, ctypes. Where grading does not run as root (a student's own grader.check) this and
#    RLIMIT_NPROC are the whole guard.
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_BLOCKED = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link",
            "os.symlink", "os.truncate", "os.utime", "os.chdir", "os.system", "os.exec", "os.posix_spawn",
            "os.spawn", "os.fork", "os.forkpty", "os.kill", "os.killpg", "subprocess.Popen",
            "shutil.rmtree", "shutil.move", "shutil.copyfile", "shutil.copytree", "ctypes.dlopen",
            "ctypes.dlsym", "ctypes.cdata", "os.putenv", "os.unsetenv", "mmap.__new__", "signal.pthread_kill",
            "os.setuid", "os.setgid", "os.setreuid", "os.setregid", "os.setresuid", "os.setresgid",
            "resource.setrlimit", "resource.prlimit", "code.__new__", "sys.setprofile", "sys.settrace",
            "sys._current_frames", "os.openpty", "socket.__new__", "socket.bind", "socket.connect"}
_NO_IMPORT = {"ctypes", "_ctypes", "cffi", "_posixsubprocess", "_testcapi", "_testinternalcapi", "_xxsubinterpreters",
              "_posixshmem", "_multiprocessing"}
def _confine(event, args):
    if event == "open":
        path, mode, flags = args
        if isinstance(path, int):
            return
        if (mode and any(ch in mode for ch in "wax+")) or (flags or 0) & _WRITE_FLAGS:
            raise PermissionError(f"answers may not write files (tried {path})")
    elif event in _BLOCKED:
        raise PermissionError(f"answers may not use {event}")
    elif event == "import" and args[0].split(".")[0] in _NO_IMPORT:
        raise PermissionError(f"answers may not import {args[0]}")
# minik8s.grading imports subprocess: let it, but spawn nothing
def _no_fork_exec(*args, **kwargs):
    raise PermissionError("answers may not start processes")
_posixsubprocess.fork_exec = subprocess._fork_exec = _no_fork_exec
for _m in [m for m in sys.modules if m.split(".")[0] in _NO_IMPORT]:
    del sys.modules[_m]                    # so that importing one raises the audit event
sys.addaudithook(_confine)
def reply(obj):
    out.write(json.dumps(obj) + "\n"); out.flush()
import ast
def defining_part(source):
    """The cell's imports and the statements that define the name, without the rest (a cell that
    also uses a cluster from another cell, e.g. c.apply(q1_manifest), still gives its answer)."""
    tree = ast.parse(source)
    keep = []
    for node in tree.body:
        names = {n.id for t in getattr(node, "targets", [getattr(node, "target", None)]) if t is not None
                 for n in ast.walk(t) if isinstance(n, ast.Name)}
        if isinstance(node, (ast.Import, ast.ImportFrom)) or name in names or getattr(node, "name", None) == name:
            keep.append(node)
    tree.body = keep
    return tree
THEN = " (then run that cell, and check again)"
value = None
for attempt in ("cell", "definition"):
    ns = {"__name__": "__answer__"}
    try:
        code = source if attempt == "cell" else defining_part(source)
        exec(compile(code, "<answer cell>", "exec"), ns)
        value = ns[name]
        break
    except BaseException as e:   # SystemExit too: it is just a broken answer here
        if attempt == "definition":
            reply({"error": f"running the cell that defines {name} raised {type(e).__name__}: {e}"}); sys.exit(0)
if value is Ellipsis:
    reply({"error": f"{name} is still ... : replace the ... with your answer{THEN}"}); sys.exit(0)

def placeholder_body(src, fname):
    """Is ``def fname`` in ``src`` still the student version's body (only ``...``, maybe a docstring)?"""
    import ast
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fname:
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            return (len(body) == 1 and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant) and body[0].value.value is Ellipsis)
    return False

if callable(value) and placeholder_body(source, name):
    reply({"error": f"{name} still has ... as its body: write the function{THEN}"}); sys.exit(0)
if callable(value):
    reply({"kind": "function"})
else:
    def no_ellipsis(o):
        if o is Ellipsis:
            raise ValueError("...")
        raise TypeError(type(o).__name__)
    try:
        reply({"kind": "value", "value": json.loads(json.dumps(value, default=no_ellipsis))})
    except ValueError:
        reply({"error": f"{name} still has ... in it: replace every ... with your answer{THEN}"})
    except TypeError:
        reply({"error": f"{name} must be a str, number, bool, list or dict (it is a {type(value).__name__})"})
    sys.exit(0)
for line in sys.stdin:
    args = json.loads(line)
    try:
        result = value(*args)
        reply({"result": json.loads(json.dumps(result))})
    except BaseException as e:
        reply({"raised": f"{type(e).__name__}: {e}"})
'''

_CHECKER_LIB = r'''
import json, os, select, shutil, subprocess, sys, tempfile, time

class AnswerTimeout(Exception): pass
class AnswerRaised(Exception): pass

class Sandbox:
    """The process that runs the answer (the _SANDBOX program, which drops root and limits itself
    before any answer code runs). Where os.fork exists, a child of this process forked before the
    check has run anything (it shares the server's imports: ~0.3 s less per answer), with only its
    pipes open; elsewhere a fresh interpreter."""

    def __init__(self, spec, home):
        env = dict(spec["env"], HOME=home, TMPDIR=home)
        if not hasattr(os, "fork"):
            self.proc = subprocess.Popen([sys.executable, "-s", "-c", spec["sandbox"]], stdin=-1, stdout=-1,
                                         stderr=-3, text=True, cwd=home, env=env)
            self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
            return
        self.proc = None
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                nul = os.open(os.devnull, os.O_RDWR)
                os.dup2(to_r, 0); os.dup2(from_w, 1); os.dup2(nul, 2)
                os.closerange(3, max(1 << 16, os.sysconf("SC_OPEN_MAX")))   # the server's pipes to the grading kernel, and all else
                os.chdir(home)
                os.setsid()
                os.environ.clear(); os.environ.update(env)
                sys.stdin = open(0, "r", closefd=False)
                sys.stdout = open(1, "w", closefd=False)
                sys.stderr = open(2, "w", closefd=False)
                exec(compile(spec["sandbox"], "<sandbox>", "exec"), {"__name__": "__sandbox__"})
            except SystemExit:
                pass
            except BaseException as e:                   # the sandbox itself failed: say so
                msg = {"error": f"the grader's sandbox failed ({type(e).__name__}: {e})"}
                try:
                    os.write(1, (json.dumps(msg) + "\n").encode())
                except OSError:
                    pass
            finally:
                os._exit(0)
        self.pid = pid
        os.close(to_r); os.close(from_w)
        self.stdin = open(to_w, "w")
        self.stdout = open(from_r, "r")

    def kill(self):
        if self.proc is not None:
            self.proc.kill(); self.proc.wait()
            return
        if self.pid is None:
            return
        import signal
        os.kill(self.pid, signal.SIGKILL)          # our child, not yet waited for: the pid is still its
        os.waitpid(self.pid, 0)
        self.pid = None
        for f in (self.stdin, self.stdout):
            try:
                f.close()
            except OSError:
                pass

def run_one(spec):
    """Start the answer's sandbox (a fresh interpreter), run the check against it, return the
    check's report. The sandbox is killed before this returns."""
    deadline = time.monotonic() + spec["timeout"]
    # The answer's own working directory (the sandbox gives it to its user): not the checker's, so
    # nothing it writes there is ever seen by the check.
    home = tempfile.mkdtemp(prefix="minik8s-answer-")
    sandbox = Sandbox(spec, home)
    def receive():
        left = deadline - time.monotonic()
        ready = select.select([sandbox.stdout], [], [], max(left, 0))[0] if left > 0 else []
        line = sandbox.stdout.readline() if ready else ""
        if not ready:
            sandbox.kill()
            raise AnswerTimeout()
        if not line:
            raise AnswerRaised("your code ended the process (exit() or a crash)")
        return json.loads(line)

    def call(*args):
        try:
            sandbox.stdin.write(json.dumps(list(args)) + "\n"); sandbox.stdin.flush()
        except BrokenPipeError:
            raise AnswerRaised("your code ended the process (exit() or a crash)") from None
        msg = receive()
        if "raised" in msg:
            raise AnswerRaised(msg["raised"])
        return msg["result"]

    try:
        sandbox.stdin.write(json.dumps([spec["name"], spec["source"]]) + "\n"); sandbox.stdin.flush()
        try:
            first = receive()
        except AnswerTimeout:
            return {"error": f"timeout: the cell defining {spec['name']} ran for more than {spec['timeout']:g} s"}
        except AnswerRaised as e:
            return {"error": str(e)}
        if "error" in first:
            return {"error": first["error"]}
        if first["kind"] != spec["want"]:
            want = "a function" if spec["want"] == "function" else "a value (not a function)"
            return {"error": f"{spec['name']} must be {want}"}
        answer = first["value"] if first["kind"] == "value" else call
        ns = {"__name__": "__check__", "AnswerRaised": AnswerRaised}
        try:
            exec(compile(spec["check"], "<check>", "exec"), ns)
            return ns[spec["func"]](answer)
        except AnswerTimeout:
            return {"error": f"timeout: {spec['name']} did not answer within {spec['timeout']:g} s in all"}
        except AnswerRaised as e:
            return {"error": f"{spec['name']} raised {e}"}
    finally:
        sandbox.kill()
        shutil.rmtree(home, ignore_errors=True)
'''

# One check, one fresh interpreter (used where os.fork is not available, or the server failed).
_CHECKER = _CHECKER_LIB + r'''
out = sys.stdout
sys.stdout = sys.stderr
report = run_one(json.loads(sys.stdin.readline()))
out.write(json.dumps(report) + "\n"); out.flush()
os._exit(0)
'''

# The check server: imports minik8s once (and builds a throwaway cluster, which loads the modules
# and Kubernetes schemas every cluster loads on first use), then forks one child per check. A child
# is a copy of a process in which no answer and no check has ever run, so each check still starts
# clean; only the ~0.3 s of interpreter start, imports and schema loading is shared.
_SERVER = _CHECKER_LIB + r'''
import signal, tempfile, traceback
proto = sys.stdout
sys.stdout = sys.stderr

def warm():
    import importlib, pkgutil
    import minik8s
    for info in pkgutil.walk_packages(minik8s.__path__, "minik8s."):     # what answers may import,
        if not info.name.endswith("__main__"):                           # loaded once for every sandbox
            try:
                importlib.import_module(info.name)
            except Exception:
                pass
    c = minik8s.Cluster(nodes=1, seed=0)
    c.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: warm}\nspec:\n  containers: [{name: c, image: nginx:1.27}]\n")
    c.run(5)

warm()
proto.write("ready\n"); proto.flush()
devnull = os.open(os.devnull, os.O_RDONLY)
while True:
    line = sys.stdin.readline()
    if not line:
        break                                     # the grading kernel has gone
    spec = json.loads(line)
    r, w = os.pipe()
    err = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:                                  # the check
        code = 1
        try:
            os.close(r)
            os.dup2(devnull, 0); os.dup2(err.fileno(), 1); os.dup2(err.fileno(), 2)
            os.chdir(spec["cwd"])
            data = json.dumps(run_one(spec)).encode()
            while data:
                data = data[os.write(w, data):]
            code = 0
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
        os._exit(code)
    os.close(w)
    chunks, deadline = [], time.monotonic() + spec["timeout"] + 10
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            os.kill(pid, signal.SIGKILL)           # a check that hangs by itself (not the answer)
            chunks = [json.dumps({"error": f"the checker for {spec['name']} failed: it ran for more "
                                           f"than {spec['timeout'] + 10:g} s"}).encode()]
            break
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    report = b"".join(chunks).decode()
    if not report:
        err.seek(0)
        tail = err.read().decode(errors="replace").strip()[-800:]
        report = json.dumps({"error": f"the checker for {spec['name']} failed: {tail}"})
    err.close()
    proto.write(report.replace("\n", " ") + "\n"); proto.flush()
'''


def _clean_env() -> dict:
    """Environment for the two processes: the real minik8s first on the path, nothing else injected."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    env["PYTHONPATH"] = _ROOT
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


_REPORTS: dict[tuple, dict] = {}     # one checker run per answer and check, shared by the question's tests
_CHECKS: dict[str, str] = {}         # checks.py sources, by path
_SERVERS: list = []                  # the running check server of this process (at most one)
_SERVER_FAILED: list = []            # non-empty once a server could not start: do not try again


def _server() -> subprocess.Popen | None:
    """The check server (started on first use), or None where it cannot run (no os.fork, or it
    failed to start: then every check gets its own interpreter, which reports what went wrong)."""
    if not hasattr(os, "fork") or _SERVER_FAILED:
        return None
    if _SERVERS and _SERVERS[0].poll() is None:
        return _SERVERS[0]
    _SERVERS.clear()
    # Its own session: the Jupyter kernel, when it shuts down, waits for the children in its process
    # group to end, and this one would only end when the kernel has gone (its stdin closes then).
    proc = subprocess.Popen([sys.executable, "-s", "-P", "-c", _SERVER], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=tempfile.gettempdir(), env=_clean_env(), start_new_session=True)
    if _readline(proc, 60) != "ready":
        _stop(proc)
        _SERVER_FAILED.append(True)
        return None
    _SERVERS.append(proc)
    return proc


def _readline(proc: subprocess.Popen, timeout: float) -> str | None:
    """One line from proc's stdout, or None at its end or after timeout seconds."""
    if not select.select([proc.stdout], [], [], timeout)[0]:
        return None
    line = proc.stdout.readline()
    return line.strip() if line else None


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()
    if proc in _SERVERS:
        _SERVERS.remove(proc)


def _check_once(spec: dict) -> dict:
    """Run one check: in a child of the check server, else (no server) in its own interpreter."""
    server = _server()
    if server is not None:
        try:
            server.stdin.write(json.dumps(spec) + "\n")
            server.stdin.flush()
            line = _readline(server, spec["timeout"] + 15)
        except OSError:
            line = None
        if line:
            return json.loads(line)
        timed_out = server.poll() is None
        _stop(server)
        if timed_out:
            return {"error": f"timeout: checking {spec['name']} took more than {spec['timeout'] + 15:g} s"}
        # the server itself failed: this check runs on its own below, which reports why
    try:
        proc = subprocess.run([sys.executable, "-s", "-P", "-c", _CHECKER], input=json.dumps(spec) + "\n",
                              capture_output=True, text=True, cwd=spec["cwd"], env=_clean_env(),
                              timeout=spec["timeout"] + 15)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout: checking {spec['name']} took more than {spec['timeout'] + 15:g} s"}
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    if not lines:
        return {"error": f"the checker for {spec['name']} failed: {proc.stderr.strip()[-800:]}"}
    return json.loads(lines[-1])


def run_check(env: dict | None, name: str, check: str, *, want: str = "value",
              timeout: float | None = None, checks_file: str = "checks.py") -> dict:
    """Run ``check(answer)`` in a clean process against the student's ``name`` and return its report.

    ``check`` names a function of the exercise's ``checks.py`` (found in the working directory, as
    otter puts it next to the notebook), or is Python source defining ``check`` when it contains a
    newline. ``want`` is ``"value"`` or ``"function"``. Returns the check's report dict, or
    ``{"error": message}``. The report is computed once per answer source and check: a question's
    public and hidden tests share it."""
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if "\n" in check:
        check_src, func = check, "check"
    else:
        path = str(Path(checks_file).resolve())
        if path not in _CHECKS:          # read once, before any answer of this notebook has run
            try:
                _CHECKS[path] = Path(path).read_text(encoding="utf-8")
            except OSError:
                return {"error": f"{checks_file} not found in {os.getcwd()}: keep the {checks_file} that came "
                                 f"with the exercise next to the notebook, and start Jupyter there"}
        check_src, func = _CHECKS[path], check
    source = answer_source(name, env)
    key = (name, source, check_src, func, want)
    if source is not None and key in _REPORTS:
        return _REPORTS[key]
    if source is None:
        return {"error": f"no cell defines {name}: keep the line `{name} = ...` (or `def {name}`) and "
                         f"put your answer there"}
    with tempfile.TemporaryDirectory(prefix="minik8s-grading-") as cwd:
        spec = {"name": name, "source": source, "check": check_src, "func": func, "want": want, "timeout": timeout,
                "sandbox": _SANDBOX, "cwd": cwd, "env": _clean_env()}
        report = _check_once(spec)
    if not str(report.get("error", "")).startswith("the checker"):
        _REPORTS[key] = report
    return report


def feedback(report: dict, expected: dict) -> str:
    """One line per differing key: ``field: expected X, happened Y`` (empty when all match)."""
    if "error" in report:
        return report["error"]
    lines = []
    for key, want in expected.items():
        got = report.get(key)
        if got != want:
            lines.append(f"{key}: expected {want!r}, happened {got!r}")
    return "\n".join(lines)


# --- what a failing test says ------------------------------------------------------------------

_FAILED = "❌ Test case failed"


def clean_failure(message: str | None) -> str | None:
    """otter's message for a failing test case, with the doctest noise (``Trying: / Expecting
    nothing / ok`` for every line, a traceback into doctest.py) taken out: what the test's assertion
    says, i.e. the feedback written for the student. Other messages come back unchanged."""
    if not message or not message.startswith(_FAILED) or "\nTrying:\n" not in message:
        return message
    try:
        sep = "*" * 70
        blocks = [b.strip("\n") for b in message.split(sep)[1:] if b.strip()]
        if not blocks:
            return message
        lines = blocks[0].splitlines()
        if "Exception raised:" in lines:
            i = lines.index("Exception raised:")
            tb = []
            for l in lines[i + 1:]:                # the indented traceback; then doctest goes on
                if l and not l.startswith("    "):  # with the next example ("Trying:")
                    break
                tb.append(l[4:])
            last = max((j for j, l in enumerate(tb) if l.startswith("  File ")), default=-1)
            rest = tb[last + 1:]
            while rest and (rest[0].startswith(" ") or not rest[0].strip()):
                rest = rest[1:]                    # the frame's source line and its ^^^ markers
            text = "\n".join(rest).strip()
            if text.startswith("AssertionError: "):
                text = text[len("AssertionError: "):]
            elif text == "AssertionError":
                failed = lines[lines.index("Failed example:") + 1:i] if "Failed example:" in lines else []
                text = "this check failed:\n" + "\n".join(l[4:] for l in failed)
            return f"{_FAILED}\n{text}"
        # a wrong output (Expected / Got): keep that part, without the "Line N, in q1 0" header
        start = lines.index("Failed example:") if "Failed example:" in lines else 0
        return f"{_FAILED}\n" + "\n".join(lines[start:])
    except Exception:                              # never lose the message itself
        return message


def _install_clean_feedback() -> None:
    """Show cleaned failure messages wherever otter shows a test file's results (grader.check's
    HTML and text, the autograder's output). Only what is shown changes, never pass/fail or points;
    done once, and only where otter is loaded already (importing otter is slow)."""
    at = sys.modules.get("otter.test_files.abstract_test")
    if at is None or getattr(at.TestFile, "_minik8s_clean", False):
        return

    def cleaning(method):
        def wrapper(self, *args, **kwargs):
            for tcr in getattr(self, "test_case_results", None) or []:
                if not tcr.passed:
                    tcr.message = clean_failure(tcr.message)
            return method(self, *args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
        return wrapper

    for name in ("summary", "_repr_html_", "to_dict"):
        setattr(at.TestFile, name, cleaning(getattr(at.TestFile, name)))
    at.TestFile._minik8s_clean = True


_install_clean_feedback()


# --- the otter plugin ---------------------------------------------------------------------------

def _integrity_plugin():
    """Build the plugin class on first use: importing otter is slow and pulls in much more
    (ctypes among it) than a sandboxed answer that imports minik8s.grading may load."""
    from otter.plugins import AbstractOtterPlugin

    class IntegrityPlugin(AbstractOtterPlugin):
        """otter plugin: grade the submitted *file*, never run its cells in the grading kernel.

        ``before_execution`` replaces the notebook's cells by one that sets
        :data:`minik8s.grading.SUBMISSION`; otter then appends its own tests (from the autograder
        zip) and runs them in that clean kernel.
        """

        def _digest(self):
            """A hash of the files the score depends on: otter's tests and checks.py (next to the
            submission while otter runs it)."""
            import glob
            import hashlib
            h = hashlib.sha256()
            for f in sorted(glob.glob(os.path.join("tests", "*.py"))) + ["checks.py"]:
                h.update(f.encode() + b"\0")
                try:
                    with open(f, "rb") as fh:
                        h.update(fh.read())
                except OSError:
                    h.update(b"(missing)")
                h.update(b"\0")
            return h.hexdigest()

        def before_execution(self, submission):
            import nbformat
            self._before = self._digest()        # read before any of the submission's code runs
            path = os.path.abspath(self.submission_path)
            submission.cells = [nbformat.v4.new_code_cell(
                "import otter.test_files.abstract_test\n"
                f"import minik8s.grading as _grading\n_grading.SUBMISSION = {path!r}\n"
                "_grading._install_clean_feedback()\n")]
            return submission

        def after_grading(self, results):
            """The results otter writes (results.json, Gradescope's output): failure messages
            without doctest noise, as in the kernel."""
            for tf in results.results.values():
                for tcr in getattr(tf, "test_case_results", None) or []:
                    if not tcr.passed:
                        tcr.message = clean_failure(tcr.message)
            # Where grading runs as root the answers cannot write these files at all; elsewhere (or
            # should a way be found) a submission that changed them scores nothing.
            before = getattr(self, "_before", None)
            if before is not None and self._digest() != before:
                for name in list(results.results):
                    results.update_score(name, 0)
                results.set_output("The test files or checks.py changed while this submission was graded: "
                                   "it scores 0. (Ask your instructor.)")

    IntegrityPlugin.__module__ = __name__
    return IntegrityPlugin


def __getattr__(name):
    # otter loads "minik8s.grading.IntegrityPlugin" with getattr(module, "IntegrityPlugin")
    if name == "IntegrityPlugin":
        cls = globals()["IntegrityPlugin"] = _integrity_plugin()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
