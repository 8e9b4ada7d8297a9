"""What the kubelet knows about one container of a pod, and the small pure rules a chapter can
show: the default image pull policy, whether an exit restarts the container, Go's duration text
(back-off messages), the pod's ``/etc/hosts`` and ``/etc/resolv.conf``, the runtime's error text;
:class:`ContainerRecord` (what ``containerStatuses[i]`` is built from) and :func:`is_sidecar`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import params as C


def default_pull_policy(image: str) -> str:
    """``Always`` for an image with the ``:latest`` tag or no tag, else ``IfNotPresent``
    (https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting)."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def should_restart(restart_policy: str, exit_code: int) -> bool:
    """Does ``restartPolicy`` restart a container that exited with ``exit_code``?
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy)"""
    if restart_policy == "Never":
        return False
    if restart_policy == "OnFailure":
        return exit_code != 0
    return True


def go_duration(seconds: float) -> str:
    """A duration as Go's ``time.Duration.String()`` prints it: ``1.5s``, ``250ms``, ``1m0s``, ``5m0s``."""
    if seconds == 0:
        return "0s"
    ms = round(seconds * 1000)
    if ms < 1000:
        return f"{ms}ms"
    minutes, rest = divmod(ms, 60000)
    hours, minutes = divmod(minutes, 60)
    secs = rest / 1000
    s = f"{secs:.3f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{s}"
    if minutes:
        return f"{minutes}m{s}"
    return s


def hosts_file(pod: dict, ip: str, domain: str = C.CLUSTER_DOMAIN) -> str:
    """``/etc/hosts`` as the kubelet writes it (pkg/kubelet/kubelet_pods.go: managedHostsFileContent)."""
    spec = pod.get("spec") or {}
    name = spec.get("hostname") or pod["metadata"]["name"]
    lines = ["# Kubernetes-managed hosts file.",
             "127.0.0.1\tlocalhost",
             "::1\tlocalhost ip6-localhost ip6-loopback",
             "fe00::0\tip6-localnet",
             "fe00::0\tip6-mcastprefix",
             "fe00::1\tip6-allnodes",
             "fe00::2\tip6-allrouters"]
    if spec.get("subdomain"):
        ns = pod["metadata"].get("namespace", "default")
        lines.append(f"{ip}\t{name}.{spec['subdomain']}.{ns}.svc.{domain}\t{name}")
    else:
        lines.append(f"{ip}\t{name}")
    aliases = spec.get("hostAliases") or []
    if aliases:
        lines.append("")
        lines.append("# Entries added by HostAliases.")
        for a in aliases:
            lines.append(a.get("ip", "") + "\t" + "\t".join(a.get("hostnames") or []))
    return "\n".join(lines) + "\n"


def resolv_conf(pod: dict, dns_ip: str = C.CLUSTER_DNS, domain: str = C.CLUSTER_DOMAIN) -> str | None:
    """``/etc/resolv.conf`` for the pod's dnsPolicy (ClusterFirst: the cluster DNS and search path;
    https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy)."""
    spec = pod.get("spec") or {}
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if policy == "ClusterFirstWithHostNet":
        policy = "ClusterFirst"
    if spec.get("hostNetwork") and spec.get("dnsPolicy", "ClusterFirst") == "ClusterFirst":
        policy = "Default"
    ns = pod["metadata"].get("namespace", "default")
    if policy == "None":
        cfg = spec.get("dnsConfig") or {}
        servers, searches, options = cfg.get("nameservers") or [], cfg.get("searches") or [], []
    elif policy == "Default":
        return None     # the node's own resolv.conf: the runtime's default
    else:
        servers = [dns_ip]
        searches = [f"{ns}.svc.{domain}", f"svc.{domain}", domain]
        options = ["ndots:5"]
        cfg = spec.get("dnsConfig") or {}
        servers += [s for s in cfg.get("nameservers") or [] if s not in servers]
        searches += [s for s in cfg.get("searches") or [] if s not in searches]
    for o in (spec.get("dnsConfig") or {}).get("options") or []:
        text = o["name"] + (f":{o['value']}" if o.get("value") is not None else "")
        options = [x for x in options if x.split(":")[0] != o["name"]] + [text]
    out = []
    if searches:
        out.append("search " + " ".join(searches))
    out += [f"nameserver {s}" for s in servers]
    if options:
        out.append("options " + " ".join(options))
    return "\n".join(out) + "\n"


def cri_error(message: str) -> str:
    """A runtime error as the kubelet receives it over the CRI's gRPC connection:
    ``rpc error: code = NotFound desc = ...`` for a missing tag, ``code = Unknown`` otherwise."""
    if message.startswith("rpc error: "):
        return message
    code = "NotFound" if message.endswith(": not found") else "Unknown"
    return f"rpc error: code = {code} desc = {message}"


class ConfigError(Exception):
    """The container cannot be configured (CreateContainerConfigError): a missing ConfigMap key, ..."""


@dataclass
class ContainerRecord:
    """The kubelet's view of one container of the pod (what ``containerStatuses[i]`` is built from)."""

    name: str
    cid: str | None = None              # the current container in the runtime
    prev_cid: str | None = None         # the last terminated one (``kubectl logs --previous``)
    restart_count: int = 0
    last_terminated: dict | None = None # lastState.terminated
    last_finished: float | None = None  # when that last terminated container finished (virtual s)
    waiting: tuple | None = None        # (reason, message) while no container runs
    pulling: bool = False               # an image pull is in flight
    pull_gen: int = 0                   # which pull's answer we still wait for
    image_ready: bool = False           # the image is ensured for the next start
    image_id: str = ""
    stopping: bool = False              # being killed (pod termination, failed probe, failed hook)
    image: str = ""                     # the image the current container runs
    replacing: bool = False             # killed because its definition changed: start it again
    init: bool = False                  # an init container (regular or sidecar)
    completed: bool = False             # a regular init container that exited 0
    ever_started: bool = False          # a sidecar that has started once (it no longer blocks init)
    kill_restart: bool = False          # killed by the kubelet (probe, hook): restart unless Never
    hook_pending: bool = False          # postStart running: the sync waits for it
    prestop: bool = False               # preStop hook running


def is_sidecar(c: dict) -> bool:
    """A native sidecar: an init container with ``restartPolicy: Always``
    (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/)."""
    return c.get("restartPolicy") == "Always"


def _waiting(reason: str, message: str | None) -> dict:
    w = {"reason": reason}
    if message:
        w["message"] = message
    return w
