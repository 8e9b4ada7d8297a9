"""A container's command line from the image's ENTRYPOINT/CMD and the container's command/args
(https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes).
"""

from __future__ import annotations


def command_line(entrypoint: list[str], cmd: list[str], command, args) -> list[str]:
    """The process's argv from the image's ENTRYPOINT/CMD and the container's command/args.

    https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes:
    command replaces ENTRYPOINT (and then CMD is ignored); args replace CMD.
    """
    if command:
        return list(command) + list(args or [])
    if args:
        return list(entrypoint) + list(args)
    return list(entrypoint) + list(cmd)
