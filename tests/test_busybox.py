"""busybox sh and its applets, run as container processes in virtual time.

Shell semantics follow POSIX (https://pubs.opengroup.org/onlinepubs/9699919799/utilities/V3_chap02.html)
and busybox's messages; the docs' example commands come from the pages named at each test.
"""

import random

import pytest

from minik8s.clock import Clock
from minik8s.net.podnetwork import PodNetwork
from minik8s.runtime import ContainerRuntime


@pytest.fixture
def rt():
    clock = Clock()
    runtime = ContainerRuntime(clock, random.Random(0), "node-1", PodNetwork())
    runtime.images["docker.io/library/busybox:1.28"] = runtime.registry.resolve("busybox:1.28")
    return runtime


def start(rt, script, name="box", ip="10.244.1.5", **kw):
    sb = rt.run_pod_sandbox("uid-" + name, name, "default", name, ip)
    cid = rt.create_container(sb.id, "c", "busybox:1.28", command=["sh", "-c", script], **kw)
    rt.start_container(cid)
    return cid


def sh(rt, script, until=1000):
    """Run ``script`` to completion; return (exit code, log)."""
    cid = start(rt, script)
    rt.clock.run_until(lambda: rt.container_status(cid).state == "exited", timeout=until)
    return rt.container_status(cid).exit_code, rt.logs(cid)


# --- words and expansion ------------------------------------------------------------------------
@pytest.mark.parametrize("script,out", [
    ("echo hello world", "hello world\n"),
    ("echo 'single $HOME quoted'", "single $HOME quoted\n"),
    ('X=ab; echo "x is $X" ${X}c', "x is ab abc\n"),
    ('echo "a   b"   c   d', "a   b c d\n"),
    ("X='1   2'; echo $X; echo \"$X\"", "1 2\n1   2\n"),
    ("echo ${UNSET:-fallback} ${UNSET-other}", "fallback other\n"),
    ("E=; echo [${E:-d}] [${E-d}]", "[d] []\n"),
    ("X=hello; echo ${#X}", "5\n"),
    ("echo $((3 + 4 * 2)) $((7 / 2)) $((7 % 3))", "11 3 1\n"),
    ("i=1; i=$((i+1)); echo $i", "2\n"),
    ("echo $(echo inner) `echo back`", "inner back\n"),
    ('echo "$(printf "%s-%s" a b)"', "a-b\n"),
    ("echo a\\ b", "a b\n"),
    ("echo -n no-newline; echo", "no-newline\n"),
    ("echo -e 'tab\\there'", "tab\there\n"),
    ("echo 'a\\nb'", "a\\nb\n"),
    ("printf '%s=%d\\n' x 5 y 6", "x=5\ny=6\n"),
    ("printf '%05.1f|%-3s|\\n' 3.14159 ab", "003.1|ab |\n"),
    ("echo ~", "/root\n"),
    ("set -- a b c; echo $# $2 $@", "3 b a b c\n"),
    ('set -- "x y" z; for a in "$@"; do echo [$a]; done; for a in "pre$@"; do echo [$a]; done',
     "[x y]\n[z]\n[prex y]\n[z]\n"),
    ("echo # a comment", "\n"),
])
def test_expansion(rt, script, out):
    assert sh(rt, script) == (0, out)


def test_exit_status_variable_and_operators(rt):
    code, out = sh(rt, "false; echo $?; true && echo and; false || echo or; false && echo never; "
                       "! false && echo negated")
    assert out == "1\nand\nor\nnegated\n"
    assert code == 0


@pytest.mark.parametrize("script,code", [("exit 3", 3), ("false", 1), ("true", 0), ("exit 256", 0),
                                         ("exit", 0), ("false; exit", 1), ("nosuchcmd", 127)])
def test_exit_codes(rt, script, code):
    assert sh(rt, script)[0] == code


def test_unknown_command_message(rt):
    assert sh(rt, "foo") == (127, "sh: foo: not found\n")


def test_pid_variable_is_pid_1_in_the_container(rt):
    """Kubernetes expands ``$(VAR)`` in command/args and turns ``$$`` into ``$``
    (https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/),
    so a manifest writes ``$$$$`` for the shell's ``$$``."""
    assert sh(rt, "echo $$$$; (echo $$$$); echo $$")[1] == "1\n1\n$\n"


# --- control flow -------------------------------------------------------------------------------
def test_if_elif_else(rt):
    script = "for x in 1 2 3; do if [ $x -eq 1 ]; then echo one; elif [ $x = 2 ]; then echo two; " \
             "else echo other; fi; done"
    assert sh(rt, script)[1] == "one\ntwo\nother\n"


def test_while_until_break_continue(rt):
    script = ("i=0; while [ $i -lt 10 ]; do i=$((i+1)); [ $i -eq 2 ] && continue; [ $i -gt 4 ] && break; "
              "echo $i; done; n=3; until [ $n -eq 0 ]; do echo n$n; n=$((n-1)); done")
    assert sh(rt, script)[1] == "1\n3\n4\nn3\nn2\nn1\n"


def test_for_over_command_output_and_seq(rt):
    assert sh(rt, "for f in $(seq 3); do echo f$f; done")[1] == "f1\nf2\nf3\n"


def test_functions_and_groups(rt):
    script = "greet() { echo hi $1; return 4; }; greet bob; echo $?; { echo g1; echo g2; } > /tmp/g; cat /tmp/g; " \
             "X=1; (X=2; echo in $X); echo out $X"
    assert sh(rt, script)[1] == "hi bob\n4\ng1\ng2\nin 2\nout 1\n"


def test_newlines_in_script(rt):
    script = "echo start\nfor i in a b\ndo\n  echo $i\ndone\nif true\nthen\n  echo yes\nfi\n"
    assert sh(rt, script)[1] == "start\na\nb\nyes\n"


def test_syntax_error(rt):
    code, out = sh(rt, "if true; then echo x")
    assert code == 2
    assert out.startswith("sh: syntax error")


# --- test / [ ] ------------------------------------------------------------------------------
@pytest.mark.parametrize("expr,ok", [
    ("-z ''", True), ("-n ''", False), ("-n x", True), ("a = a", True), ("a != a", False),
    ("3 -eq 3", True), ("3 -ne 3", False), ("2 -lt 3", True), ("2 -gt 3", False), ("5 -ge 5", True),
    ("-f /etc/passwd", True), ("-d /etc", True), ("-d /etc/passwd", False), ("-e /nope", False),
    ("! -e /nope", True), ("-f /etc/passwd -a -d /tmp", True), ("-f /nope -o -d /tmp", True),
])
def test_test_builtin(rt, expr, ok):
    assert sh(rt, f"[ {expr} ] && echo yes || echo no")[1] == ("yes\n" if ok else "no\n")


# --- redirections and files ----------------------------------------------------------------------
def test_redirects(rt):
    script = ("echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f; cat < /tmp/f | wc -l; "
              "cat /missing 2>/dev/null || echo quiet; cat /missing 2>&1 | grep -c open; "
              "echo err >&2")
    assert sh(rt, script)[1] == "one\ntwo\n2\nquiet\n1\nerr\n"


def test_redirect_into_missing_directory(rt):
    assert sh(rt, "echo x > /no/such/file; echo $?")[1] == "sh: can't create /no/such/file: nonexistent directory\n1\n"


def test_file_applets(rt):
    script = ("mkdir -p /data/a/b; touch /data/a/f; ls /data/a; cp /etc/hostname /data/h; cat /data/h; "
              "mv /data/h /data/h2; ls /data; rm /data/a/f; ls /data/a; rm /data/a; echo $?; rm -r /data/a; ls /data; "
              "mkdir /data/h2 2>&1; rm /nope; rm -f /nope; echo ok")
    code, out = sh(rt, script)
    assert out == ("b\nf\n" "box\n" "a\nh2\n" "b\n" "rm: '/data/a' is a directory\n1\n" "h2\n"
                   "mkdir: can't create directory '/data/h2': File exists\n"
                   "rm: can't remove '/nope': No such file or directory\nok\n")


def test_text_applets(rt):
    script = ("printf 'a\\nb\\nc\\nd\\n' > /t; head -n 2 /t; tail -n 1 /t; wc -l < /t; grep -v b /t | wc -l; "
              "grep -c '[ab]' /t; echo hi | tee /t2 > /dev/null; cat /t2; seq 2 2 6; env | grep -c PATH")
    assert sh(rt, script)[1] == "a\nb\nd\n4\n3\n2\nhi\n2\n4\n6\n1\n"


def test_hostname_and_env(rt):
    cid = start(rt, "hostname; echo $HOSTNAME $GREETING", name="web-0", env={"GREETING": "hi"})
    rt.clock.run(1)
    assert rt.logs(cid) == "web-0\nweb-0 hi\n"


def test_date_is_virtual_time(rt):
    rt.clock.run(3600)
    assert sh(rt, "date; date +%s")[1] == "Wed Jan  1 01:00:00 UTC 2025\n1735693200\n"


def test_busybox_without_network_applets_yet(rt):
    """Applets the runtime has no program for say so; other modules may add them to rt.programs."""
    assert sh(rt, "wget -qO- http://x")[1] == "wget: applet not found\n"

    def wget(proc):
        proc.print("fake page")
        return 0
    rt.programs["wget"] = wget
    assert sh(rt, "wget -qO- http://x")[1] == "fake page\n"


# --- time ---------------------------------------------------------------------------------------
def test_hello_loop_from_the_docs(rt):
    """https://kubernetes.io/docs/concepts/cluster-administration/logging/ (counter pod style loop) and
    https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/:
    ``while true; do echo hello; sleep 10;done`` prints one line every ten seconds."""
    cid = start(rt, "while true; do echo hello; sleep 10;done")
    rt.clock.run(35)
    assert rt.logs(cid) == "hello\n" * 4          # t = 0, 10, 20, 30
    assert [entry[0] for entry in rt.containers[cid].log] == [0, 10, 20, 30]


def test_liveness_exec_command_timeline(rt):
    """https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-liveness-command
    ``touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600``: the file exists for 30 s."""
    cid = start(rt, "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600")
    rt.clock.run(29)
    assert rt.exec_sync(cid, ["cat", "/tmp/healthy"]).exit_code == 0
    rt.clock.run(2)
    r = rt.exec_sync(cid, ["cat", "/tmp/healthy"])
    assert (r.exit_code, r.output) == (1, "cat: can't open '/tmp/healthy': No such file or directory\n")
    assert rt.container_status(cid).state == "running"
    rt.clock.run(600)
    assert rt.container_status(cid).state == "exited"
    assert rt.container_status(cid).finished_at == 630


def test_tail_follows_a_file(rt):
    """tail -f polls once a second, like busybox."""
    cid = start(rt, "(for i in 1 2 3; do echo line$i >> /var/log.txt; sleep 5; done) & tail -f /var/log.txt")
    rt.clock.run(20)
    assert rt.logs(cid) == "line1\nline2\nline3\n"


def test_background_and_wait(rt):
    assert sh(rt, "(sleep 5; echo bg; exit 3) & echo fg; wait $!; echo status $?")[1] == "fg\nbg\nstatus 3\n"


# --- signals and traps --------------------------------------------------------------------------
def test_sh_as_pid_1_ignores_sigterm(rt):
    """As PID 1 the shell gets no signal it has no handler for, so a stop waits for the grace period
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination)."""
    cid = start(rt, "while true; do sleep 1; done")
    done = []
    rt.stop_container(cid, 30, lambda: done.append(rt.clock.now))
    rt.clock.run(60)
    st = rt.container_status(cid)
    assert done == [30]
    assert (st.exit_code, st.reason) == (137, "Error")


def test_trap_term_exits_at_the_next_command(rt):
    cid = start(rt, "trap 'echo bye; exit 0' TERM; while true; do sleep 1; done")
    rt.clock.run(5.5)
    rt.stop_container(cid, 30)
    rt.clock.run(5)
    st = rt.container_status(cid)
    assert (st.exit_code, st.finished_at) == (0, 6)       # the running `sleep 1` ends first
    assert rt.logs(cid) == "bye\n"


def test_trap_waits_for_a_long_foreground_command(rt):
    """A trap runs only when the foreground command ends: `sleep 3600` is not interrupted."""
    cid = start(rt, "trap 'exit 0' TERM; sleep 3600")
    rt.clock.run(1)
    rt.stop_container(cid, 10)
    rt.clock.run(20)
    st = rt.container_status(cid)
    assert (st.exit_code, st.finished_at) == (137, 11)


def test_wait_builtin_is_interrupted_by_a_trap(rt):
    cid = start(rt, "trap 'echo term; exit 0' TERM; sleep 3600 & wait")
    rt.clock.run(1)
    rt.stop_container(cid, 10)
    rt.clock.run(1)
    st = rt.container_status(cid)
    assert (st.exit_code, st.finished_at, rt.logs(cid)) == (0, 1, "term\n")


def test_sh_not_pid_1_dies_of_sigterm(rt):
    cid = start(rt, "sh -c 'sleep 100'; echo child=$?")
    rt.clock.run(1)
    r = rt.exec_sync(cid, ["sh", "-c", "kill 2; echo sent"])
    rt.clock.run(1)
    assert r.output == "sent\n"
    assert rt.logs(cid) == "child=143\n"


def test_ps_shows_only_this_container(rt):
    """A PID namespace: the entrypoint is PID 1 and ps lists only this container's processes.
    Like ash, ``sh -c`` execs its last simple command, so ``sleep 1000`` itself is PID 1."""
    start(rt, "sleep 1000", name="other", ip="10.244.1.9")
    cid = start(rt, "sleep 500 & sleep 1000")
    rt.clock.run(1)
    assert rt.exec_sync(cid, ["ps"]).output == (
        "PID   USER     TIME  COMMAND\n"
        "    1 root      0:00 sleep 1000\n"
        "    2 root      0:00 sleep 500\n"
        "    3 root      0:00 ps\n")
    keep = start(rt, "sleep 1000; echo done", name="keep", ip="10.244.1.8")   # echo is last: sh stays
    rt.clock.run(1)
    assert rt.exec_sync(keep, ["ps"]).output.splitlines()[1:3] == [
        "    1 root      0:00 sh -c sleep 1000; echo done", "    2 root      0:00 sleep 1000"]


# --- pipes --------------------------------------------------------------------------------------
def test_pipeline_stages_run_concurrently(rt):
    """`yes | head -n 2`: head exits after two lines and yes dies of SIGPIPE; the pipeline's
    status is the last command's."""
    assert sh(rt, "yes | head -n 2; echo status=$?") == (0, "y\ny\nstatus=0\n")


def test_read_loop_over_a_pipe(rt):
    assert sh(rt, "seq 3 | while read x; do echo got $x; done")[1] == "got 1\ngot 2\ngot 3\n"


def test_pipeline_status_and_negation(rt):
    assert sh(rt, "echo x | false; echo $?; false | true; echo $?; ! echo x | grep -q y; echo $?")[1] == "1\n0\n0\n"


def test_tail_f_into_grep_streams(rt):
    """A log-shipper style sidecar: lines appear as the writer appends them, filtered."""
    cid = start(rt, "(for i in 1 2 3 4; do echo \"INFO $i\" >> /l; echo \"ERROR $i\" >> /l; sleep 10; done) & "
                    "tail -f /l | grep ERROR")
    rt.clock.run(11)
    assert rt.logs(cid) == "ERROR 1\nERROR 2\n"
    rt.clock.run(30)
    assert rt.logs(cid) == "ERROR 1\nERROR 2\nERROR 3\nERROR 4\n"


def test_pipe_into_wc_and_sh(rt):
    assert sh(rt, "printf 'a b\\nc\\n' | wc -w; echo 'echo from stdin' | sh")[1] == "3\nfrom stdin\n"


def test_busy_loop_uses_cpu_not_zero_time(rt):
    """A loop that never waits takes CPU time (1 ms per iteration here) and shows as a full core."""
    cid = start(rt, "i=0; while true; do i=$((i+1)); done")
    rt.clock.run(2)
    assert rt.stats(cid)["cpu"] == 1000
    assert rt.stats(cid)["cpu_seconds"] == pytest.approx(2.0, abs=0.01)


def test_waiting_loops_are_not_charged(rt):
    cid = start(rt, "while true; do echo tick; sleep 1; done")
    rt.clock.run(100.5)
    assert [entry[0] for entry in rt.containers[cid].log][-1] == 100


def test_sidecar_streaming_tail_from_the_logging_docs(rt):
    """https://kubernetes.io/docs/concepts/cluster-administration/logging/#streaming-sidecar-container:
    ``tail -n+1 -F /var/log/1.log`` prints the file from its first line, then follows it (and waits
    for it to appear)."""
    cid = start(rt, "mkdir -p /var/log; tail -n+1 -F /var/log/1.log & i=0; while [ $i -lt 3 ]; do echo \"$i\" >> /var/log/1.log; "
                    "i=$((i+1)); sleep 1; done; sleep 100")
    rt.clock.run(5)
    assert rt.logs(cid) == "0\n1\n2\n"
    assert sh(rt, "printf '1\\n2\\n3\\n' > /f; tail -n +2 /f; tail -n 1 /f")[1] == "2\n3\n3\n"


def test_killall(rt):
    cid = start(rt, "sleep 100 & sleep 200 & wait; echo all gone; read line", stdin=True)
    rt.clock.run(1)
    assert rt.exec_sync(cid, ["killall", "-0", "sleep"]).exit_code == 0
    assert rt.exec_sync(cid, ["killall", "sleep"]).exit_code == 0
    rt.clock.run(1)
    assert rt.logs(cid) == "all gone\n"
    r = rt.exec_sync(cid, ["killall", "-0", "sleep"])
    assert (r.exit_code, r.output) == (1, "killall: sleep: no process killed\n")


def test_case_statement(rt):
    script = ('for x in apple b.txt Zed other; do case "$x" in a*) echo "A $x";; *.txt|*.md) echo doc;; '
              '[A-Z]*) echo upper ;; *) echo "? $x" ;; esac; done; case x in y) echo no; esac; echo end')
    assert sh(rt, script)[1] == "A apple\ndoc\nupper\n? other\nend\n"


def test_here_documents(rt):
    script = "X=world\ncat <<EOF\nhello $X\n  indented\nEOF\ncat <<'RAW'\nno $X here\nRAW\ncat <<-T > /f\n\ttabbed\n\tT\ncat /f"
    assert sh(rt, script)[1] == "hello world\n  indented\nno $X here\ntabbed\n"


def test_logs_keep_an_unfinished_last_line_as_is(rt):
    assert sh(rt, "echo one; echo -n two")[1] == "one\ntwo"


# --- properties ---------------------------------------------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

_WORDS = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="'"),
                 min_size=0, max_size=12)


@settings(max_examples=40, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=4))
def test_single_quotes_keep_any_text(words):
    """Single quotes preserve every character (POSIX 2.2.2), so printf prints each word unchanged."""
    rt_ = ContainerRuntime(Clock(), random.Random(0), "node-1", PodNetwork())
    rt_.images["docker.io/library/busybox:1.28"] = rt_.registry.resolve("busybox:1.28")
    script = "printf '%s\\n' " + " ".join(f"'{w}'" for w in words)
    code, out = sh(rt_, script.replace("$", "$$"))
    assert (code, out) == (0, "".join(w + "\n" for w in words))


@settings(max_examples=40, deadline=None)
@given(st.integers(-1000, 1000), st.integers(-1000, 1000), st.sampled_from(["+", "-", "*", "/", "%", "<", "=="]))
def test_arithmetic_is_c_integer_arithmetic(a, b, op):
    """$((a op b)) with C semantics: division truncates toward zero, % takes the dividend's sign."""
    import math
    rt_ = ContainerRuntime(Clock(), random.Random(0), "node-1", PodNetwork())
    rt_.images["docker.io/library/busybox:1.28"] = rt_.registry.resolve("busybox:1.28")
    if op in "/%" and b == 0:
        return
    want = {"+": a + b, "-": a - b, "*": a * b, "/": int(a / b) if b else 0,
            "%": int(math.fmod(a, b)) if b else 0, "<": int(a < b), "==": int(a == b)}[op]
    assert sh(rt_, f"echo $(( {a} {op} {b} ))") == (0, f"{want}\n")


def test_pathname_expansion(rt):
    """POSIX 2.13.3: unquoted * ? [ match files (sorted); no match leaves the word; quotes disable it."""
    script = ("mkdir -p /etc/config; touch /etc/config/b.conf /etc/config/a.conf /etc/config/.hidden "
              "/etc/config/x.txt; echo /etc/config/*.conf; cd /etc/config; echo ?.txt; echo *.none; "
              "echo '*.conf'; for f in /etc/config/*; do echo $f; done")
    assert sh(rt, script)[1] == ("/etc/config/a.conf /etc/config/b.conf\nx.txt\n*.none\n*.conf\n"
                                 "/etc/config/a.conf\n/etc/config/b.conf\n/etc/config/x.txt\n")


def test_double_bracket_test(rt):
    assert sh(rt, "[[ -d /tmp && 1 -lt 2 ]] && echo yes")[1] == "yes\n"


@pytest.mark.parametrize("script,message", [
    ("if true; then echo x", 'sh: syntax error: unexpected end of file (expecting "fi")\n'),
    ("while true; do echo x", 'sh: syntax error: unexpected end of file (expecting "done")\n'),
    ("echo 'open", "sh: syntax error: unterminated quoted string\n"),
])
def test_syntax_error_messages(rt, script, message):
    """busybox ash's wording; the shell exits 2."""
    assert sh(rt, script) == (2, message)
