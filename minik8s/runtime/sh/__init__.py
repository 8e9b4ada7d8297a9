"""busybox ``sh``: a real subset of the POSIX shell, running in virtual time.

Pod manifests in the Kubernetes docs are full of ``command: ["sh", "-c", "..."]``
(``while true; do echo hello; sleep 10; done``, ``touch /tmp/healthy; sleep 30;
rm -f /tmp/healthy; sleep 600``). This package reads such a script the way a
shell does -- tokens (:mod:`.lexer`), then a syntax tree (:mod:`.parser`), then execution
(:mod:`.interpreter`, :mod:`.expand`, :mod:`.builtins`) -- and runs it as the container's process
(:func:`.main.sh_main`, the ``sh`` program):

* lists ``;`` ``&`` newline, ``&&`` ``||``, pipelines ``|`` (one process per stage, joined by
  pipes, all running at once), ``!``;
* ``if/elif/else/fi``, ``while``, ``until``, ``for x in ...``, ``case ... in pat|pat) ...;; esac``,
  ``{ ...; }``, ``( ... )``, ``break``, ``continue``, functions ``f() { ...; }``;
* words: ``'single'``, ``"double $VAR"``, ``$VAR`` ``${VAR}`` ``${VAR:-default}`` ``$?`` ``$$`` ``$!``
  ``$#`` ``$1``, ``$(command)`` and backquotes, ``$((arithmetic))``, ``~``; unquoted expansions
  are split into fields; unquoted ``*`` ``?`` ``[...]`` expand to matching paths;
* redirections ``>`` ``>>`` ``<`` ``2>`` ``2>&1`` ``>&2`` ``&>``, here-documents ``<<EOF`` ``<<'EOF'`` ``<<-EOF``;
* builtins (run inside the shell process, like ash's): ``echo printf test [ [[ true false : exit cd pwd
  export unset set shift trap kill wait read eval local return``; every other command is a
  child process found on ``$PATH`` (``ps`` shows it), e.g. ``sleep``, ``cat``, ``ls``.

Signals: as PID 1 the shell ignores SIGTERM unless a ``trap`` handles it, and a trapped signal runs
its handler only when the foreground command ends (``sleep 3600`` is not interrupted; the ``wait``
builtin is). That is POSIX, and the reason many pods take their full grace period to stop.
"""
