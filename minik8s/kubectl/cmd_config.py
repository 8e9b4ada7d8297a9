"""``kubectl config``: the kubeconfig file's contexts, seen from a minik8s cluster.

A minik8s cluster has one kubeconfig with one cluster, one user and one
context, all named ``minik8s`` (``cluster.kubeconfig_context`` may rename it).
``kubectl config set-context --current --namespace=dev`` makes ``dev`` the
namespace every later command uses without ``-n``, as it does with a real
kubeconfig (https://kubernetes.io/docs/tasks/access-application-cluster/configure-access-multiple-clusters/,
https://kubernetes.io/docs/reference/kubectl/generated/kubectl_config/).
"""

from __future__ import annotations

from . import context_name, output
from . import jsonpath
from .printers import tabulate
from .registry import Invocation, KubectlError, command, parse_flags

SERVER = "https://127.0.0.1:6443"


def _contexts(cluster) -> dict:
    """name -> {"cluster", "user", "namespace"}; kept on the cluster object (per cluster, not global)."""
    ctxs = getattr(cluster, "kubeconfig_contexts", None)
    if ctxs is None:
        name = context_name(cluster)
        ctxs = {name: {"cluster": name, "user": name, "namespace": None}}
        cluster.kubeconfig_contexts = ctxs
    cur = context_name(cluster)
    ctxs[cur]["namespace"] = getattr(cluster, "kubeconfig_namespace", None)
    return ctxs


def kubeconfig(cluster, minify: bool = False, raw: bool = False) -> dict:
    name = context_name(cluster)
    ctxs = _contexts(cluster)
    shown = {name: ctxs[name]} if minify else ctxs
    contexts = []
    for n in sorted(shown):
        c = {"cluster": shown[n]["cluster"], "user": shown[n]["user"]}
        if shown[n].get("namespace"):
            c["namespace"] = shown[n]["namespace"]
        contexts.append({"context": c, "name": n})
    data = "DATA+OMITTED" if not raw else "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCm1pbmlrOHMKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
    return {
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": data, "server": SERVER}, "name": name}],
        "contexts": contexts,
        "current-context": name,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": name, "user": {"client-certificate-data": data if not raw else data,
                                          "client-key-data": data if not raw else data}}],
    }


CONFIG_FLAGS = {"current": "bool", "namespace": "str", "cluster": "str", "user": "str", "output": "str",
                "minify": "bool", "raw": "bool", "flatten": "bool", "no-headers": "bool", "kubeconfig": "str"}


@command("config", "Modify kubeconfig files")
def config(inv: Invocation) -> str:
    # -n/--namespace was taken out as a global flag; for set-context it is the context's namespace.
    args = list(inv.args)
    if inv.namespace is not None and args and args[0] == "set-context":
        args.append(f"--namespace={inv.namespace}")
    if not args:
        raise KubectlError("Modify kubeconfig files using subcommands like \"kubectl config set "
                           "current-context my-context\".\n\nerror: Required subcommand not specified.")
    sub, rest = args[0], args[1:]
    pos, flags = parse_flags(rest, CONFIG_FLAGS, {"o": "output"}, f"config {sub}")
    cluster = inv.cluster
    ctxs = _contexts(cluster)
    cur = context_name(cluster)
    if sub == "current-context":
        return cur + "\n"
    if sub == "view":
        cfg = kubeconfig(cluster, flags.get("minify", False), flags.get("raw", False))
        fmt = flags.get("output", "yaml")
        if fmt == "json":
            return output.to_json(cfg)
        if fmt.startswith("jsonpath="):
            return jsonpath.render(fmt.split("=", 1)[1], cfg)
        return output.to_yaml(cfg)
    if sub == "get-contexts":
        names = pos or sorted(ctxs)
        for n in names:
            if n not in ctxs:
                raise KubectlError(f'error: context {n} not found')
        if flags.get("output") == "name":
            return "".join(n + "\n" for n in names)
        rows = [] if flags.get("no-headers") else [["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]]
        for n in names:
            c = ctxs[n]
            rows.append(["*" if n == cur else "", n, c["cluster"], c["user"], c.get("namespace") or ""])
        return tabulate(rows)
    if sub == "get-clusters":
        return "NAME\n" + "".join(sorted({c["cluster"] + "\n" for c in ctxs.values()}))
    if sub == "get-users":
        return "NAME\n" + "".join(sorted({c["user"] + "\n" for c in ctxs.values()}))
    if sub == "use-context":
        if not pos:
            raise KubectlError("error: Unexpected args: []")
        name = pos[0]
        if name not in ctxs:
            raise KubectlError(f'error: no context exists with the name: "{name}"')
        cluster.kubeconfig_context = name
        cluster.kubeconfig_namespace = ctxs[name].get("namespace")
        return f'Switched to context "{name}".\n'
    if sub == "set-context":
        if flags.get("current"):
            if pos:
                raise KubectlError("error: you cannot specify both a context name and --current")
            name = cur
        elif pos:
            name = pos[0]
        else:
            raise KubectlError("error: you must specify a non-empty context name or --current")
        created = name not in ctxs
        c = ctxs.setdefault(name, {"cluster": "", "user": "", "namespace": None})
        if "namespace" in flags:
            c["namespace"] = flags["namespace"] or None
        if "cluster" in flags:
            c["cluster"] = flags["cluster"]
        if "user" in flags:
            c["user"] = flags["user"]
        if name == cur:
            cluster.kubeconfig_namespace = c["namespace"]
        return f'Context "{name}" {"created" if created else "modified"}.\n'
    if sub == "delete-context":
        if not pos or pos[0] not in ctxs:
            raise KubectlError(f"error: cannot delete context {pos[0] if pos else ''}, not in "
                               f"$HOME/.kube/config")
        if pos[0] == cur:
            out = (f"warning: this removed your active context, use \"kubectl config use-context\" to "
                   f"select a different one\n")
        else:
            out = ""
        del ctxs[pos[0]]
        return out + f"deleted context {pos[0]} from $HOME/.kube/config\n"
    raise KubectlError(f'error: unknown command "{sub}" for "kubectl config"')
