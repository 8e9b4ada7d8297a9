"""``$(VAR)`` references in a container's command, args and env values
(https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/).

The kubelet expands env values with it and the runtime expands command/args, with the same rule:
an undefined ``$(VAR)`` is left as written, ``$$`` is a literal ``$``.
"""

from __future__ import annotations


def expand_env_refs(text: str, env: dict) -> str:
    """``$(VAR)`` in command/args expands to the container's env; ``$$(VAR)`` escapes it.

    https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/
    An undefined ``$(VAR)`` is left as written.
    """
    if "$" not in text:
        return text             # nothing to expand (most arguments): the loop below would copy it
    out = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i) and ")" in text[i:]:
            end = text.index(")", i)
            name = text[i + 2:end]
            if name in env:
                out.append(env[name])
            else:
                out.append(text[i:end + 1])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
