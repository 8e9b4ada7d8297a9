"""kubectl's table printers: the columns ``kubectl get`` shows for every kind.

Upstream, the API server's table convertor calls the print handlers in
kubernetes/pkg/printers/internalversion/printers.go (one ``printPod``,
``printDeployment``... per kind) and kubectl lays the rows out with Go's
``text/tabwriter`` (minimum width 6, padding 3, pad character space). Each
``print_<kind>`` function below is a transcription of its upstream twin: it
takes one object and returns its cells; ``COLUMNS`` holds the headers, with
the ``-o wide`` extra columns (upstream's ``Priority: 1`` columns) separately.

AGE and the other durations use ``duration.HumanDuration`` from
k8s.io/apimachinery/pkg/util/duration (see :func:`human_duration`).
"""

from __future__ import annotations

from ..api.labels import format_labels  # labels.FormatLabels
from ..api.meta import parse_time

# --- time ----------------------------------------------------------------------------------


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration: ``5s``, ``3m2s``, ``2d4h``, ``<invalid>``."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60 * 2:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        sec = s % 60
        return f"{minutes}m" if sec == 0 else f"{minutes}m{sec}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def since(timestamp: str | None, now: float) -> str:
    """translateTimestampSince: ``<unknown>`` for a missing timestamp, else HumanDuration(now - t)."""
    t = parse_time(timestamp)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


# --- layout --------------------------------------------------------------------------------

TAB_MIN_WIDTH = 6
TAB_PADDING = 3


def tabulate(rows: list[list[str]]) -> str:
    """Lay rows out as kubectl's tabwriter does: every column but the last padded to its widest
    cell plus 3 spaces (at least 6 wide); the last column is not padded."""
    if not rows:
        return ""
    ncols = max(len(r) for r in rows)
    widths = [TAB_MIN_WIDTH] * ncols
    for r in rows:
        for i, cell in enumerate(r[:-1]):
            widths[i] = max(widths[i], len(cell) + TAB_PADDING)
    out = []
    for r in rows:
        line = "".join(cell.ljust(widths[i]) for i, cell in enumerate(r[:-1])) + (r[-1] if r else "")
        out.append(line)
    return "\n".join(out) + "\n"



def format_selector(sel: dict | None) -> str:
    """metav1.FormatLabelSelector: ``app=web,tier in (a,b)``; ``<none>`` when nil/empty."""
    if sel is None:
        return "<none>"
    parts = []
    ml = sel.get("matchLabels") or {}
    exprs = []
    for k in ml:
        exprs.append((k, "=", [ml[k]]))
    for e in sel.get("matchExpressions") or []:
        exprs.append((e.get("key", ""), e.get("operator", ""), list(e.get("values") or [])))
    # LabelSelectorAsSelector sorts requirements by key.
    exprs.sort(key=lambda x: x[0])
    for k, op, vals in exprs:
        if op == "=":
            parts.append(f"{k}={vals[0]}")
        elif op == "In":
            parts.append(f"{k} in ({','.join(sorted(vals))})")
        elif op == "NotIn":
            parts.append(f"{k} notin ({','.join(sorted(vals))})")
        elif op == "Exists":
            parts.append(k)
        elif op == "DoesNotExist":
            parts.append(f"!{k}")
    text = ",".join(parts)
    if not text:
        return "<none>"
    return text


def _containers_images(template_spec: dict | None) -> list[str]:
    """layoutContainerCells: CONTAINERS and IMAGES, comma-joined."""
    cs = (template_spec or {}).get("containers") or []
    return [",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)]


def _pod_spec(obj: dict) -> dict:
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def _bool(v) -> str:
    """A bool table cell, as kubectl prints it (%v)."""
    return "true" if v else "false"


def _bool_ptr(v) -> str:
    """printBoolPtr: ``True``/``False``, ``<unset>`` for nil."""
    if v is None:
        return "<unset>"
    return "True" if v else "False"


# --- Pod -----------------------------------------------------------------------------------

def _restartable_init(c: dict | None) -> bool:
    return bool(c) and c.get("restartPolicy") == "Always"


def pod_status_reason(pod: dict) -> tuple[str, int, int, str | None, int]:
    """printPod's core: (STATUS, ready, total, last-restart timestamp, restarts).

    Transcribed from printPod in pkg/printers/internalversion/printers.go: init containers
    first (``Init:0/2``, ``Init:Error``, ``Init:CrashLoopBackOff``), then app containers from the
    last to the first (``ContainerCreating``, ``CrashLoopBackOff``, ``Completed``, ``Error``,
    ``OOMKilled``), then ``Terminating``/``Unknown`` for pods being deleted.
    """
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    md = pod.get("metadata") or {}
    restarts = 0
    sidecar_restarts = 0
    total = len(spec.get("containers") or [])
    ready = 0
    last_restart = None
    last_sidecar_restart = None
    phase = status.get("phase") or ""
    reason = phase
    if status.get("reason"):
        reason = status["reason"]
    conditions = status.get("conditions") or []
    for cond in conditions:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    init_specs = {}
    init_list = spec.get("initContainers") or []
    for c in init_list:
        init_specs[c.get("name")] = c
        if _restartable_init(c):
            total += 1

    def later(a, b):
        if b is None:
            return a
        if a is None or (parse_time(b) or 0) > (parse_time(a) or 0):
            return b
        return a

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += int(cs.get("restartCount") or 0)
        last_term = (cs.get("lastState") or {}).get("terminated")
        if last_term:
            last_restart = later(last_restart, last_term.get("finishedAt"))
        c_spec = init_specs.get(cs.get("name"))
        if _restartable_init(c_spec):
            sidecar_restarts += int(cs.get("restartCount") or 0)
            if last_term:
                last_sidecar_restart = later(last_sidecar_restart, last_term.get("finishedAt"))
        state = cs.get("state") or {}
        term = state.get("terminated")
        waiting = state.get("waiting")
        if term is not None and int(term.get("exitCode") or 0) == 0:
            continue
        if _restartable_init(c_spec) and cs.get("started"):
            if cs.get("ready"):
                ready += 1
            continue
        if term is not None:
            if not term.get("reason"):
                if term.get("signal"):
                    reason = f"Init:Signal:{term['signal']}"
                else:
                    reason = f"Init:ExitCode:{term.get('exitCode', 0)}"
            else:
                reason = "Init:" + term["reason"]
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_list)}"
        initializing = True
        break

    initialized = any(c.get("type") == "Initialized" and c.get("status") == "True" for c in conditions)
    if not initializing or initialized:
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += int(cs.get("restartCount") or 0)
            last_term = (cs.get("lastState") or {}).get("terminated")
            if last_term:
                last_restart = later(last_restart, last_term.get("finishedAt"))
            state = cs.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                if term.get("signal"):
                    reason = f"Signal:{term['signal']}"
                else:
                    reason = f"ExitCode:{term.get('exitCode', 0)}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            if any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
                reason = "Running"
            else:
                reason = "NotReady"

    if md.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif md.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason, ready, total, last_restart, restarts


def print_pod(pod: dict, now: float, wide: bool) -> list[str]:
    reason, ready, total, last_restart, restarts = pod_status_reason(pod)
    restarts_s = str(restarts)
    if restarts and last_restart:
        restarts_s = f"{restarts} ({since(last_restart, now)} ago)"
    cells = [pod["metadata"]["name"], f"{ready}/{total}", reason, restarts_s,
             since(pod["metadata"].get("creationTimestamp"), now)]
    if wide:
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        ips = status.get("podIPs") or []
        ip = (ips[0].get("ip") if ips else "") or "<none>"
        gates = spec.get("readinessGates") or []
        gates_s = "<none>"
        if gates:
            true = 0
            for g in gates:
                for c in status.get("conditions") or []:
                    if c.get("type") == g.get("conditionType"):
                        if c.get("status") == "True":
                            true += 1
                        break
            gates_s = f"{true}/{len(gates)}"
        cells += [ip, spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", gates_s]
    return cells


# --- Node ----------------------------------------------------------------------------------

def node_roles(node: dict) -> list[str]:
    """findNodeRoles: ``node-role.kubernetes.io/<role>`` labels and ``kubernetes.io/role``."""
    roles = set()
    for k, v in ((node.get("metadata") or {}).get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            role = k[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    return sorted(roles)


def _node_address(node: dict, typ: str) -> str:
    for a in (node.get("status") or {}).get("addresses") or []:
        if a.get("type") == typ:
            return a.get("address", "")
    return "<none>"


def print_node(node: dict, now: float, wide: bool) -> list[str]:
    status = node.get("status") or {}
    conds = {c.get("type"): c for c in status.get("conditions") or []}
    st = []
    if "Ready" in conds:
        st.append("Ready" if conds["Ready"].get("status") == "True" else "NotReady")
    if not st:
        st.append("Unknown")
    if (node.get("spec") or {}).get("unschedulable"):
        st.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    cells = [node["metadata"]["name"], ",".join(st), ",".join(node_roles(node)) or "<none>",
             since(node["metadata"].get("creationTimestamp"), now), info.get("kubeletVersion", "")]
    if wide:
        os_image = info.get("osImage") or "<unknown>"
        kernel = info.get("kernelVersion") or "<unknown>"
        runtime = info.get("containerRuntimeVersion") or "<unknown>"
        cells += [_node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
                  os_image, kernel, runtime]
    return cells


# --- workloads -----------------------------------------------------------------------------

def _age(obj, now):
    return since(obj["metadata"].get("creationTimestamp"), now)


def print_namespace(obj, now, wide):
    return [obj["metadata"]["name"], (obj.get("status") or {}).get("phase", ""), _age(obj, now)]


def print_deployment(obj, now, wide):
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    cells = [obj["metadata"]["name"],
             f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
             str(st.get("updatedReplicas", 0)), str(st.get("availableReplicas", 0)), _age(obj, now)]
    if wide:
        cells += _containers_images(_pod_spec(obj)) + [format_selector(spec.get("selector"))]
    return cells


def print_replicaset(obj, now, wide):
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    cells = [obj["metadata"]["name"], str(spec.get("replicas", 0)), str(st.get("replicas", 0)),
             str(st.get("readyReplicas", 0)), _age(obj, now)]
    if wide:
        cells += _containers_images(_pod_spec(obj)) + [format_selector(spec.get("selector"))]
    return cells


def print_daemonset(obj, now, wide):
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    cells = [obj["metadata"]["name"], str(st.get("desiredNumberScheduled", 0)),
             str(st.get("currentNumberScheduled", 0)), str(st.get("numberReady", 0)),
             str(st.get("updatedNumberScheduled", 0)), str(st.get("numberAvailable", 0)),
             format_labels(_pod_spec(obj).get("nodeSelector")), _age(obj, now)]
    if wide:
        cells += _containers_images(_pod_spec(obj)) + [format_selector(spec.get("selector"))]
    return cells


def print_statefulset(obj, now, wide):
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    cells = [obj["metadata"]["name"], f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
             _age(obj, now)]
    if wide:
        cells += _containers_images(_pod_spec(obj))
    return cells


def _group_of(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def print_controllerrevision(obj, now, wide):
    ctrl = "<none>"
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            group = _group_of(ref.get("apiVersion", ""))
            kind = ref.get("kind", "") + (f".{group}" if group else "")
            ctrl = f"{kind.lower()}/{ref.get('name', '')}"
            break
    return [obj["metadata"]["name"], ctrl, str(obj.get("revision", 0)), _age(obj, now)]


def _has_condition(obj, typ) -> bool:
    """hasJobCondition: the first condition of that type, and its status is True."""
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == typ:
            return c.get("status") == "True"
    return False


def print_job(obj, now, wide):
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    succeeded = st.get("succeeded", 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    else:
        par = spec.get("parallelism") or 0
        completions = f"{succeeded}/1 of {par}" if par > 1 else f"{succeeded}/1"
    duration = ""
    if st.get("startTime"):
        start = parse_time(st["startTime"])
        if not st.get("completionTime"):
            duration = human_duration(now - start)
        else:
            duration = human_duration(parse_time(st["completionTime"]) - start)
    if _has_condition(obj, "Complete"):
        status = "Complete"
    elif _has_condition(obj, "Failed"):
        status = "Failed"
    elif obj["metadata"].get("deletionTimestamp"):
        status = "Terminating"
    elif _has_condition(obj, "Suspended"):
        status = "Suspended"
    elif _has_condition(obj, "FailureTarget"):
        status = "FailureTarget"
    else:
        status = "Running"
    cells = [obj["metadata"]["name"], status, completions, duration, _age(obj, now)]
    if wide:
        cells += _containers_images(_pod_spec(obj)) + [format_selector(spec.get("selector"))]
    return cells


def print_cronjob(obj, now, wide):
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    last = st.get("lastScheduleTime")
    cells = [obj["metadata"]["name"], spec.get("schedule", ""), spec.get("timeZone") or "<none>",
             _bool_ptr(spec.get("suspend")), str(len(st.get("active") or [])),
             since(last, now) if last else "<none>", _age(obj, now)]
    if wide:
        jspec = (spec.get("jobTemplate") or {}).get("spec") or {}
        tspec = ((jspec.get("template") or {}).get("spec")) or {}
        cells += _containers_images(tspec) + [format_selector(jspec.get("selector"))]
    return cells


# --- networking ----------------------------------------------------------------------------

def _lb_ingress(svc: dict, wide: bool) -> str:
    ing = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    parts = set()                        # a sets.String: de-duplicated and sorted
    for i in ing:
        if i.get("ip"):
            parts.add(i["ip"])
        elif i.get("hostname"):
            parts.add(i["hostname"])
    r = ",".join(sorted(parts))
    if not wide and len(r) > 16:
        r = r[:13] + "..."
    return r


def service_external_ip(svc: dict, wide: bool) -> str:
    spec = svc.get("spec") or {}
    typ = spec.get("type", "ClusterIP")
    ext = spec.get("externalIPs") or []
    if typ in ("ClusterIP", "NodePort"):
        return ",".join(ext) if ext else "<none>"
    if typ == "LoadBalancer":
        lb = _lb_ingress(svc, wide)
        if ext:
            return ",".join((lb.split(",") if lb else []) + ext)
        return lb or "<pending>"
    if typ == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def service_ports(ports: list | None) -> str:
    """makePortString: ``80/TCP``, ``80:30080/TCP``, comma-joined."""
    out = []
    for p in ports or []:
        proto = p.get("protocol", "TCP")
        if p.get("nodePort"):
            out.append(f"{p.get('port')}:{p['nodePort']}/{proto}")
        else:
            out.append(f"{p.get('port')}/{proto}")
    return ",".join(out)


def print_service(obj, now, wide):
    spec = obj.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    cells = [obj["metadata"]["name"], spec.get("type", "ClusterIP"), ips[0] if ips else "<none>",
             service_external_ip(obj, wide), service_ports(spec.get("ports")) or "<none>", _age(obj, now)]
    if wide:
        cells.append(format_labels(spec.get("selector")))
    return cells


def _join_host_port(ip: str, port) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoints(ep: dict) -> str:
    """formatEndpoints: at most three ``ip:port`` then `` + N more...``; ``<none>`` when empty."""
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    lst, more, count, mx = [], False, 0, 3
    for ss in subsets:
        addrs = ss.get("addresses") or []
        ports = ss.get("ports") or []
        if not ports:
            count += len(addrs)
            for a in addrs:
                if len(lst) == mx:
                    more = True
                    break
                lst.append(a.get("ip", ""))
            continue
        for p in ports:
            count += len(addrs)
            for a in addrs:
                if len(lst) == mx:
                    more = True
                    break
                lst.append(_join_host_port(a.get("ip", ""), p.get("port")))
    ret = ",".join(lst)
    if more:
        return f"{ret} + {count - mx} more..."
    return ret


def print_endpoints(obj, now, wide):
    return [obj["metadata"]["name"], format_endpoints(obj), _age(obj, now)]


def _list_with_more(lst, more, count, mx) -> str:
    ret = ",".join(lst)
    if more:
        return f"{ret} + {count - mx} more..."
    return ret or "<unset>"


def print_endpointslice(obj, now, wide):
    ports, more, count = [], False, 0
    for p in obj.get("ports") or []:
        if len(ports) < 3:
            if p.get("port") is not None:
                ports.append(str(p["port"]))
            elif p.get("name") is not None:
                ports.append(p["name"])
            else:
                ports.append("*")
        elif len(ports) == 3:
            more = True
        count += 1
    ports_s = _list_with_more(ports, more, count, 3)
    eps, more, count = [], False, 0
    for e in obj.get("endpoints") or []:
        for a in e.get("addresses") or []:
            if len(eps) < 3:
                eps.append(a)
            elif len(eps) == 3:
                more = True
            count += 1
    return [obj["metadata"]["name"], obj.get("addressType", ""), ports_s,
            _list_with_more(eps, more, count, 3), _age(obj, now)]


# --- config and cluster objects ------------------------------------------------------------

def print_configmap(obj, now, wide):
    return [obj["metadata"]["name"], str(len(obj.get("data") or {}) + len(obj.get("binaryData") or {})),
            _age(obj, now)]


def print_secret(obj, now, wide):
    n = len(obj.get("data") or {})      # the API server has folded stringData into data
    return [obj["metadata"]["name"], obj.get("type", "Opaque"), str(n), _age(obj, now)]


def print_serviceaccount(obj, now, wide):
    return [obj["metadata"]["name"], str(len(obj.get("secrets") or [])), _age(obj, now)]


def print_lease(obj, now, wide):
    return [obj["metadata"]["name"], (obj.get("spec") or {}).get("holderIdentity") or "", _age(obj, now)]


def access_modes(modes: list | None) -> str:
    """helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order."""
    modes = modes or []
    out = []
    for full, short in (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
                        ("ReadWriteOncePod", "RWOP")):
        if full in modes:
            out.append(short)
    return ",".join(out)


_BETA_SC = "volume.beta.kubernetes.io/storage-class"


def _storage_class(obj) -> str:
    ann = obj["metadata"].get("annotations") or {}
    if _BETA_SC in ann:
        return ann[_BETA_SC]
    return (obj.get("spec") or {}).get("storageClassName") or ""


def print_persistentvolume(obj, now, wide):
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("claimRef")
    claim = f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else ""
    phase = st.get("phase", "")
    if obj["metadata"].get("deletionTimestamp"):
        phase = "Terminating"
    cells = [obj["metadata"]["name"], str((spec.get("capacity") or {}).get("storage", "0")),
             access_modes(spec.get("accessModes")), spec.get("persistentVolumeReclaimPolicy", ""),
             phase, claim, _storage_class(obj), spec.get("volumeAttributesClassName") or "<unset>",
             st.get("reason", ""), _age(obj, now)]
    if wide:
        cells.append(spec.get("volumeMode") or "<unset>")
    return cells


def print_persistentvolumeclaim(obj, now, wide):
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    phase = st.get("phase", "")
    if obj["metadata"].get("deletionTimestamp"):
        phase = "Terminating"
    capacity, modes = "", ""
    if spec.get("volumeName"):
        modes = access_modes(st.get("accessModes"))
        capacity = str((st.get("capacity") or {}).get("storage", "0"))
    cells = [obj["metadata"]["name"], phase, spec.get("volumeName", ""), capacity, modes,
             _storage_class(obj), spec.get("volumeAttributesClassName") or "<unset>", _age(obj, now)]
    if wide:
        cells.append(spec.get("volumeMode") or "<unset>")
    return cells


def is_default_class(obj) -> bool:
    ann = obj["metadata"].get("annotations") or {}
    return (ann.get("storageclass.kubernetes.io/is-default-class") == "true"
            or ann.get("storageclass.beta.kubernetes.io/is-default-class") == "true")


def print_storageclass(obj, now, wide):
    name = obj["metadata"]["name"] + (" (default)" if is_default_class(obj) else "")
    return [name, obj.get("provisioner", ""), obj.get("reclaimPolicy") or "Delete",
            obj.get("volumeBindingMode") or "Immediate",
            _bool(obj.get("allowVolumeExpansion")), _age(obj, now)]


def print_priorityclass(obj, now, wide):
    return [obj["metadata"]["name"], str(obj.get("value", 0)), _bool(obj.get("globalDefault")),
            _age(obj, now), obj.get("preemptionPolicy") or ""]


# --- events --------------------------------------------------------------------------------

def event_source(ev: dict) -> str:
    src = ev.get("source") or {}
    comp = src.get("component") or ev.get("reportingComponent") or ""
    inst = src.get("host") or ev.get("reportingInstance") or ""
    if not comp:
        return "<unknown>"
    return comp + (f", {inst}" if inst else "")


def event_times(ev: dict, now: float) -> tuple[str, str, int]:
    """(LAST SEEN, FIRST SEEN, count) as printEvent computes them."""
    first = since(ev.get("firstTimestamp"), now) if ev.get("firstTimestamp") else \
        since(ev.get("eventTime"), now)
    last = since(ev.get("lastTimestamp"), now) if ev.get("lastTimestamp") else first
    count = ev.get("count") or 0
    series = ev.get("series")
    if series:
        last = since(series.get("lastObservedTime"), now)
        count = series.get("count", 0)
    elif count == 0:
        count = 1
    return last, first, count


def event_object(ev: dict) -> str:
    io = ev.get("involvedObject") or {}
    kind = (io.get("kind") or "").lower()
    return f"{kind}/{io['name']}" if io.get("name") else kind


def print_event(obj, now, wide):
    last, first, count = event_times(obj, now)
    msg = (obj.get("message") or "").strip()
    if wide:
        return [last, obj.get("type", ""), obj.get("reason", ""), event_object(obj),
                (obj.get("involvedObject") or {}).get("fieldPath", ""), event_source(obj), msg, first,
                str(count), obj["metadata"]["name"]]
    return [last, obj.get("type", ""), obj.get("reason", ""), event_object(obj), msg]


# --- the table of tables -------------------------------------------------------------------

# kind -> (columns, wide extra columns, print function). Wide columns are appended at the end,
# except for Event whose wide columns interleave (its printer returns the whole row).
PRINTERS: dict[str, tuple[list[str], list[str], object]] = {
    "Pod": (["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"], print_pod),
    "Node": (["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
             ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"], print_node),
    "Namespace": (["NAME", "STATUS", "AGE"], [], print_namespace),
    "Deployment": (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
                   ["CONTAINERS", "IMAGES", "SELECTOR"], print_deployment),
    "ReplicaSet": (["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
                   ["CONTAINERS", "IMAGES", "SELECTOR"], print_replicaset),
    "DaemonSet": (["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
                  ["CONTAINERS", "IMAGES", "SELECTOR"], print_daemonset),
    "StatefulSet": (["NAME", "READY", "AGE"], ["CONTAINERS", "IMAGES"], print_statefulset),
    "ControllerRevision": (["NAME", "CONTROLLER", "REVISION", "AGE"], [], print_controllerrevision),
    "Job": (["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"],
            print_job),
    "CronJob": (["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
                ["CONTAINERS", "IMAGES", "SELECTOR"], print_cronjob),
    "Service": (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["SELECTOR"], print_service),
    "Endpoints": (["NAME", "ENDPOINTS", "AGE"], [], print_endpoints),
    "EndpointSlice": (["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], [], print_endpointslice),
    "ConfigMap": (["NAME", "DATA", "AGE"], [], print_configmap),
    "Secret": (["NAME", "TYPE", "DATA", "AGE"], [], print_secret),
    "ServiceAccount": (["NAME", "SECRETS", "AGE"], [], print_serviceaccount),
    "Event": (["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
              ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN",
               "COUNT", "NAME"], print_event),
    "Lease": (["NAME", "HOLDER", "AGE"], [], print_lease),
    "PersistentVolume": (["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM",
                          "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"], ["VOLUMEMODE"],
                         print_persistentvolume),
    "PersistentVolumeClaim": (["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
                               "VOLUMEATTRIBUTESCLASS", "AGE"], ["VOLUMEMODE"],
                              print_persistentvolumeclaim),
    "StorageClass": (["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION",
                      "AGE"], [], print_storageclass),
    "PriorityClass": (["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"], [], print_priorityclass),
}


def default_printer(obj, now, wide):
    """The server's default table for kinds without a printer: NAME and AGE."""
    return [obj["metadata"]["name"], _age(obj, now)]


def headers(kind: str, wide: bool) -> list[str]:
    cols, wide_cols, _fn = PRINTERS.get(kind, (["NAME", "AGE"], [], default_printer))
    if kind == "Event" and wide:
        return list(wide_cols)
    return cols + (wide_cols if wide else [])


def column_definitions(kind: str) -> list[dict]:
    """The server-side Table's ``columnDefinitions`` (meta.k8s.io/v1 TableColumnDefinition) for ``kind``.

    Every column of ``-o wide`` is listed; the wide-only ones have ``priority: 1``, which is how the
    API server tells kubectl to hide them unless asked (the cells come from ``row(obj, now, True)``).
    https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables
    """
    narrow = set(headers(kind, False))
    return [{"name": c.title() if c != "NAME" else "Name", "type": "string",
             "format": "name" if c == "NAME" else "", "description": "",
             "priority": 0 if c in narrow else 1} for c in headers(kind, True)]


def row(obj: dict, now: float, wide: bool) -> list[str]:
    _cols, _w, fn = PRINTERS.get(obj.get("kind", ""), (None, None, default_printer))
    return [str(c) for c in fn(obj, now, wide)]


def table(kind: str, objs: list[dict], now: float, *, wide: bool = False, namespace_col: bool = False,
          show_labels: bool = False, show_kind: str | None = None, no_headers: bool = False,
          label_columns: list[str] | None = None) -> list[list[str]]:
    """Rows (header first) for ``objs`` of one kind, as ``kubectl get`` builds its table.

    ``show_kind`` prefixes names as ``kind/name`` (``deployment.apps/web``), as kubectl does when
    several types are printed; ``namespace_col`` adds NAMESPACE in front (``-A``).
    """
    hdr = headers(kind, wide)
    label_columns = label_columns or []
    hdr = hdr + [c.split("/")[-1].upper() for c in label_columns]
    if show_labels:
        hdr = hdr + ["LABELS"]
    if namespace_col:
        hdr = ["NAMESPACE"] + hdr
    rows = [] if no_headers else [hdr]
    name_idx = hdr.index("NAME") if "NAME" in hdr else None
    for obj in objs:
        r = row(obj, now, wide)
        labels = (obj.get("metadata") or {}).get("labels") or {}
        r += [labels.get(c, "") for c in label_columns]
        if show_labels:
            r.append(format_labels(labels))
        if namespace_col:
            r = [obj["metadata"].get("namespace", "")] + r
        if show_kind and name_idx is not None and kind != "Event":
            r[name_idx] = f"{show_kind}/{r[name_idx]}"
        rows.append(r)
    return rows
