"""``kubectl run``: create one pod from an image.

``kubectl run web --image=nginx --port=80`` builds a Pod named ``web`` with the
label ``run=web`` and one container named after the pod; ``--restart=Never``
(or ``OnFailure``) sets the pod's restartPolicy; words after ``--`` become the
container's ``args`` (its ``command`` with ``--command``).
``--dry-run=client -o yaml`` prints the manifest kubectl would send, with
``creationTimestamp: null``, ``resources: {}`` and ``status: {}`` as the Go
structs serialise, and creates nothing
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_run/).
"""

from __future__ import annotations

from . import output
from .inputs import dry_run_suffix
from .registry import Invocation, KubectlError, command, parse_flags

RUN_FLAGS = {"image": "str", "restart": "str", "port": "str", "env": "list", "labels": "str",
             "command": "bool", "dry-run": "str", "output": "str", "image-pull-policy": "str",
             "annotations": "list", "stdin": "bool", "tty": "bool", "rm": "bool", "attach": "bool",
             "expose": "bool", "overrides": "str", "privileged": "bool", "serviceaccount": "str",
             "quiet": "bool", "pod-running-timeout": "str", "override-type": "str", "field-manager": "str"}
RUN_ALIASES = {"i": "stdin", "t": "tty", "l": "labels", "o": "output", "q": "quiet"}


def _parse_kv(text: str, what: str) -> dict:
    out = {}
    for part in text.split(","):
        if "=" not in part:
            raise KubectlError(f"error: invalid {what} format: {part}")
        k, v = part.split("=", 1)
        out[k] = v
    return out


def pod_manifest(name: str, flags: dict, extra: list[str]) -> dict:
    """The Pod kubectl run builds (k8s.io/kubectl/pkg/generate/versioned.BasicPod)."""
    labels = _parse_kv(flags["labels"], "label") if flags.get("labels") else {"run": name}
    container: dict = {"image": flags["image"], "name": name, "resources": {}}
    if extra:
        container["command" if flags.get("command") else "args"] = list(extra)
    if flags.get("env"):
        env = []
        for e in flags["env"]:
            if "=" not in e:
                raise KubectlError(f"error: invalid env: {e}")
            k, v = e.split("=", 1)
            env.append({"name": k, "value": v})
        container["env"] = env
    if flags.get("image-pull-policy"):
        container["imagePullPolicy"] = flags["image-pull-policy"]
    if flags.get("port"):
        try:
            container["ports"] = [{"containerPort": int(flags["port"])}]
        except ValueError:
            raise KubectlError(f'error: invalid argument "{flags["port"]}" for "--port" flag: '
                               f'strconv.ParseInt: parsing "{flags["port"]}": invalid syntax') from None
    if flags.get("stdin"):
        container["stdin"] = True
        if flags.get("tty"):
            container["tty"] = True
    md: dict = {"creationTimestamp": None, "labels": labels, "name": name}
    if flags.get("annotations"):
        md["annotations"] = {}
        for a in flags["annotations"]:
            k, _, v = a.partition("=")
            md["annotations"][k] = v
    spec: dict = {"containers": [container], "dnsPolicy": "ClusterFirst",
                  "restartPolicy": flags.get("restart", "Always")}
    if flags.get("serviceaccount"):
        spec["serviceAccountName"] = flags["serviceaccount"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": {}}


@command("run", "Run a particular image on the cluster")
def run(inv: Invocation) -> str:
    args, flags = parse_flags(inv.args, RUN_FLAGS, RUN_ALIASES, "run")
    extra: list[str] = []
    if "--" in args:
        i = args.index("--")
        args, extra = args[:i], args[i + 1:]
    if not args:
        raise KubectlError("error: NAME is required for run\nSee 'kubectl run -h' for help and examples")
    name = args[0]
    extra = args[1:] + extra
    if not flags.get("image"):
        raise KubectlError('error: required flag(s) "image" not set')
    restart = flags.get("restart", "Always")
    if restart not in ("Always", "OnFailure", "Never"):
        raise KubectlError(f"error: invalid restart policy: {restart}")
    if flags.get("rm") and not flags.get("attach") and not flags.get("stdin"):
        raise KubectlError("error: --rm should only be used for attached containers")
    mode = flags.get("dry-run")
    if mode not in (None, "none", "client", "server"):
        raise KubectlError(f'error: Invalid dry-run value ({mode}). Must be "none", "server", or "client".')
    pod = pod_manifest(name, flags, extra)
    fmt = flags.get("output", "")
    if mode == "client":
        obj = pod
        if inv.namespace:
            obj["metadata"]["namespace"] = inv.namespace
    else:
        body = {k: v for k, v in pod.items() if k != "status"}
        body["metadata"] = {k: v for k, v in pod["metadata"].items() if v is not None}
        obj = inv.api.create("pods", body, inv.ns(), dry_run=(mode == "server"))
    if fmt == "yaml":
        return output.to_yaml(obj)
    if fmt == "json":
        return output.to_json(obj)
    if fmt == "name":
        return f"pod/{name}\n"
    if fmt:
        raise KubectlError(f'error: unable to match a printer suitable for the output format "{fmt}", '
                           f'allowed formats are: json,name,yaml')
    return f"pod/{name} created{dry_run_suffix(mode if mode != 'none' else None)}\n"
