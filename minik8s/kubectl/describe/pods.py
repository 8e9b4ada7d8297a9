"""``kubectl describe pod``: the pod page, its containers (state, probes, resources,
mounts, environment) and volumes; the pod-template part reused by the workload pages.
"""

from __future__ import annotations

from ...api.quantity import cpu_millis, memory_bytes
from ..printers import since
from .writer import (PrefixWriter, annotations_multiline, controlled_by, describe_events, go_bool, go_list,
                     labels_multiline, print_bool, quantity_str, rfc1123z, tolerations_multiline)


def describe_probe(p: dict) -> str:
    """DescribeProbe: ``http-get http://:8080/healthz delay=3s timeout=1s period=3s #success=1 #failure=3``."""
    attrs = (f"delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 1)}s "
             f"period={p.get('periodSeconds', 10)}s #success={p.get('successThreshold', 1)} "
             f"#failure={p.get('failureThreshold', 3)}")
    if p.get("exec") is not None:
        return f"exec {go_list(p['exec'].get('command'))} {attrs}"
    if p.get("httpGet") is not None:
        h = p["httpGet"]
        scheme = str(h.get("scheme", "HTTP")).lower()
        port = str(h.get("port", ""))
        host = h.get("host", "")
        if ":" in host:
            host = f"[{host}]"
        return f"http-get {scheme}://{host}:{port}{h.get('path', '')} {attrs}"
    if p.get("tcpSocket") is not None:
        t = p["tcpSocket"]
        return f"tcp-socket {t.get('host', '')}:{t.get('port', '')} {attrs}"
    if p.get("grpc") is not None:
        g = p["grpc"]
        return f"grpc <pod>:{g.get('port')} {g.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _ports(ports: list, host: bool) -> str:
    out = []
    for p in ports or []:
        n = p.get("hostPort", 0) if host else p.get("containerPort")
        s = f"{n}/{p.get('protocol', 'TCP')}"
        if p.get("name"):
            s += f" ({p['name']})"
        out.append(s)
    return ", ".join(out)


def describe_state(title: str, state: dict | None, w: PrefixWriter) -> None:
    state = state or {}
    if state.get("running") is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(2, f"{title}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if (t.get("signal") or 0) > 0:
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{rfc1123z(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123z(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def describe_resources(res: dict | None, w: PrefixWriter, level: int) -> None:
    res = res or {}
    if res.get("limits"):
        w.write(level, "Limits:\n")
        for k in sorted(res["limits"]):
            w.write(level + 1, f"{k}:\t{quantity_str(res['limits'][k])}\n")
    if res.get("requests"):
        w.write(level, "Requests:\n")
        for k in sorted(res["requests"]):
            w.write(level + 1, f"{k}:\t{quantity_str(res['requests'][k])}\n")


def _field_value(pod: dict, path: str) -> str:
    cur = pod
    if path.startswith("metadata.labels['") or path.startswith("metadata.annotations['"):
        which = "labels" if ".labels" in path else "annotations"
        key = path.split("['", 1)[1].rstrip("']")
        return str((pod["metadata"].get(which) or {}).get(key, ""))
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    return "" if cur is None else str(cur)


def describe_containers(label: str, containers: list, statuses: list | None, pod: dict | None,
                        w: PrefixWriter, space: str) -> None:
    by_name = {s["name"]: s for s in statuses or []}
    w.write(0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    indent = " " if space else ""
    for c in containers:
        st = by_name.get(c["name"])
        w.write(1, f"{indent}{c['name']}:\n")
        if st is not None:
            w.write(2, f"Container ID:\t{st.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if st is not None:
            w.write(2, f"Image ID:\t{st.get('imageID', '')}\n")
        ports = _ports(c.get("ports"), False)
        if "," in ports:
            w.write(2, f"Ports:\t{ports}\n")
        else:
            w.write(2, f"Port:\t{ports or '<none>'}\n")
        hports = _ports(c.get("ports"), True)
        if "," in hports:
            w.write(2, f"Host Ports:\t{hports}\n")
        else:
            w.write(2, f"Host Port:\t{hports or '<none>'}\n")
        if c.get("command"):
            w.write(2, "Command:\n")
            for x in c["command"]:
                for s in str(x).split("\n"):
                    w.write(3, s + "\n")
        if c.get("args"):
            w.write(2, "Args:\n")
            for x in c["args"]:
                for s in str(x).split("\n"):
                    w.write(3, s + "\n")
        if st is not None:
            describe_state("State", st.get("state"), w)
            if (st.get("lastState") or {}).get("terminated") is not None:
                describe_state("Last State", st["lastState"], w)
            w.write(2, f"Ready:\t{print_bool(st.get('ready'))}\n")
            w.write(2, f"Restart Count:\t{st.get('restartCount', 0)}\n")
        describe_resources(c.get("resources"), w, 2)
        for key, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"),
                           ("startupProbe", "Startup")):
            if c.get(key):
                w.write(2, f"{title}:\t{describe_probe(c[key])}\n")
        if c.get("envFrom"):
            w.write(2, "Environment Variables from:\n")
            for e in c["envFrom"]:
                if e.get("configMapRef") is not None:
                    src, ref = "ConfigMap", e["configMapRef"]
                else:
                    src, ref = "Secret", e.get("secretRef") or {}
                opt = go_bool(ref.get("optional"))
                if e.get("prefix"):
                    w.write(3, f"{ref.get('name', '')}\t{src} with prefix '{e['prefix']}'\tOptional: {opt}\n")
                else:
                    w.write(3, f"{ref.get('name', '')}\t{src}\tOptional: {opt}\n")
        env = c.get("env") or []
        w.write(2, f"Environment:{'' if env else chr(9) + '<none>'}\n")
        for e in env:
            vf = e.get("valueFrom")
            if vf is None:
                for i, s in enumerate(str(e.get("value", "")).split("\n")):
                    w.write(3, f"{e['name']}:\t{s}\n" if i == 0 else f"\t{s}\n")
            elif vf.get("fieldRef") is not None:
                fr = vf["fieldRef"]
                val = _field_value(pod, fr.get("fieldPath", "")) if pod else ""
                w.write(3, f"{e['name']}:\t{val} ({fr.get('apiVersion', 'v1')}:{fr.get('fieldPath')})\n")
            elif vf.get("resourceFieldRef") is not None:
                rf = vf["resourceFieldRef"]
                w.write(3, f"{e['name']}:\t{_resource_field(c, rf)} ({rf.get('resource')})\n")
            elif vf.get("secretKeyRef") is not None:
                r = vf["secretKeyRef"]
                w.write(3, f"{e['name']}:\t<set to the key '{r.get('key')}' in secret '{r.get('name')}'>"
                           f"\tOptional: {go_bool(r.get('optional'))}\n")
            elif vf.get("configMapKeyRef") is not None:
                r = vf["configMapKeyRef"]
                w.write(3, f"{e['name']}:\t<set to the key '{r.get('key')}' of config map '{r.get('name')}'>"
                           f"\tOptional: {go_bool(r.get('optional'))}\n")
        mounts = sorted(c.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
        w.write(2, f"Mounts:{'' if mounts else chr(9) + '<none>'}\n")
        for m in mounts:
            flags = ["ro" if m.get("readOnly") else "rw"]
            if m.get("subPath"):
                flags.append(f'path="{m["subPath"]}"')
            w.write(3, f"{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")


def _resource_field(c: dict, rf: dict) -> str:
    res = rf.get("resource", "")
    kind, _, name = res.partition(".")
    val = ((c.get("resources") or {}).get(kind) or {}).get(name)
    if val is None:
        return "node allocatable" if res in ("limits.cpu", "limits.memory") else "0"
    if name == "cpu":
        return str(-(-cpu_millis(val) // cpu_millis(rf.get("divisor", "1"))))
    return str(-(-memory_bytes(val) // memory_bytes(rf.get("divisor", "1"))))


def describe_volumes(volumes: list | None, w: PrefixWriter, space: str) -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    indent = " " if space else ""
    for v in volumes:
        w.write(1, f"{indent}{v['name']}:\n")
        if "hostPath" in v:
            h = v["hostPath"]
            w.write(2, f"Type:\tHostPath (bare host directory volume)\n    Path:\t{h.get('path')}\n"
                       f"    HostPathType:\t{h.get('type') or '<none>'}\n")
        elif "emptyDir" in v:
            e = v["emptyDir"] or {}
            size = e.get("sizeLimit")
            w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                       f"    Medium:\t{e.get('medium', '')}\n    SizeLimit:\t{size if size else '<unset>'}\n")
        elif "secret" in v:
            s = v["secret"]
            w.write(2, f"Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{s.get('secretName')}\n"
                       f"    Optional:\t{go_bool(s.get('optional'))}\n")
        elif "configMap" in v:
            s = v["configMap"]
            w.write(2, f"Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{s.get('name')}\n"
                       f"    Optional:\t{go_bool(s.get('optional'))}\n")
        elif "persistentVolumeClaim" in v:
            s = v["persistentVolumeClaim"]
            w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
                       f"namespace)\n    ClaimName:\t{s.get('claimName')}\n    ReadOnly:\t{go_bool(s.get('readOnly'))}\n")
        elif "downwardAPI" in v:
            w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n")
            for it in v["downwardAPI"].get("items") or []:
                if it.get("fieldRef"):
                    w.write(3, f"{it['fieldRef'].get('fieldPath')} -> {it.get('path')}\n")
                if it.get("resourceFieldRef"):
                    w.write(3, f"{it['resourceFieldRef'].get('resource')} -> {it.get('path')}\n")
        elif "projected" in v:
            w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
            for src in v["projected"].get("sources") or []:
                if src.get("secret") is not None:
                    w.write(2, f"SecretName:\t{src['secret'].get('name')}\n    Optional:\t"
                               f"{go_bool(src['secret'].get('optional'))}\n")
                elif src.get("downwardAPI") is not None:
                    w.write(2, "DownwardAPI:\ttrue\n")
                elif src.get("configMap") is not None:
                    w.write(2, f"ConfigMapName:\t{src['configMap'].get('name')}\n    Optional:\t"
                               f"{go_bool(src['configMap'].get('optional'))}\n")
                elif src.get("serviceAccountToken") is not None:
                    w.write(2, f"TokenExpirationSeconds:\t"
                               f"{src['serviceAccountToken'].get('expirationSeconds', 3607)}\n")
        elif "nfs" in v:
            s = v["nfs"]
            w.write(2, f"Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{s.get('server')}\n"
                       f"    Path:\t{s.get('path')}\n    ReadOnly:\t{go_bool(s.get('readOnly'))}\n")
        else:
            w.write(1, "<unknown>\n")


def describe_pod_template(tpl: dict | None, w: PrefixWriter) -> None:
    """DescribePodTemplate: the ``Pod Template:`` section of workloads."""
    w.write(0, "Pod Template:\n")
    if tpl is None:
        w.write(1, "<unset>")
        return
    md = tpl.get("metadata") or {}
    spec = tpl.get("spec") or {}
    labels_multiline(w, "  Labels", md.get("labels"))
    if md.get("annotations"):
        annotations_multiline(w, "  Annotations", md["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        describe_containers("Init Containers", spec["initContainers"], None, None, w, "  ")
    describe_containers("Containers", spec.get("containers") or [], None, None, w, "  ")
    describe_volumes(spec.get("volumes"), w, "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


def pod_requests(pod: dict) -> dict[str, int]:
    """PodRequests: max(sum of app containers (+ sidecars), each init container) per resource.

    cpu in millicores, memory in bytes
    (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers).
    """
    return _pod_resources(pod, "requests")


def pod_limits(pod: dict) -> dict[str, int]:
    return _pod_resources(pod, "limits")


def _container_res(c: dict, which: str) -> dict[str, int]:
    r = (c.get("resources") or {}).get(which) or {}
    if which == "requests":
        # A limit without a request defaults the request (API defaulting).
        lim = (c.get("resources") or {}).get("limits") or {}
        r = {**lim, **r}
    out = {}
    if "cpu" in r:
        out["cpu"] = cpu_millis(r["cpu"])
    if "memory" in r:
        out["memory"] = memory_bytes(r["memory"])
    return out


def _pod_resources(pod: dict, which: str) -> dict[str, int]:
    spec = pod.get("spec") or {}
    total = {"cpu": 0, "memory": 0}
    for c in spec.get("containers") or []:
        for k, v in _container_res(c, which).items():
            total[k] += v
    sidecars = {"cpu": 0, "memory": 0}
    for c in spec.get("initContainers") or []:
        r = _container_res(c, which)
        if c.get("restartPolicy") == "Always":
            for k, v in r.items():
                total[k] += v
                sidecars[k] += v
        else:
            for k, v in r.items():
                total[k] = max(total[k], v + sidecars[k])
    return total


def qos_class(pod: dict) -> str:
    """The pod's QoS class: status.qosClass, else computed as upstream (qos.GetPodQOS)."""
    q = (pod.get("status") or {}).get("qosClass")
    if q:
        return q
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    requests, limits = {}, {}
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req = {k: v for k, v in (res.get("requests") or {}).items() if k in ("cpu", "memory")}
        lim = {k: v for k, v in (res.get("limits") or {}).items() if k in ("cpu", "memory")}
        for k, v in req.items():
            if (cpu_millis(v) if k == "cpu" else memory_bytes(v)) != 0:
                requests[k] = True
        for k, v in lim.items():
            if (cpu_millis(v) if k == "cpu" else memory_bytes(v)) != 0:
                limits[k] = True
        if set(lim) != {"cpu", "memory"}:
            guaranteed = False
        for k in ("cpu", "memory"):
            if k in req and k in lim:
                a = cpu_millis if k == "cpu" else memory_bytes
                if a(req[k]) != a(lim[k]):
                    guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and set(limits) == {"cpu", "memory"}:
        return "Guaranteed"
    return "Burstable"


def describe_pod(pod: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    if not spec.get("nodeName"):
        w.write(0, "Node:\t<none>\n")
    else:
        w.write(0, f"Node:\t{spec['nodeName']}/{st.get('hostIP', '')}\n")
    if st.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(st['startTime'])}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    if md.get("deletionTimestamp") and st.get("phase") not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {since(md['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{md.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{st.get('phase', '')}\n")
    if st.get("reason"):
        w.write(0, f"Reason:\t{st['reason']}\n")
    if st.get("message"):
        w.write(0, f"Message:\t{st['message']}\n")
    w.write(0, f"IP:\t{st.get('podIP', '')}\n")
    if not st.get("podIPs"):
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in st["podIPs"]:
            w.write(1, f"IP:\t{ip.get('ip')}\n")
    ctl = controlled_by(pod)
    if ctl:
        w.write(0, f"Controlled By:\t{ctl}\n")
    if st.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{st['nominatedNodeName']}\n")
    if spec.get("initContainers"):
        describe_containers("Init Containers", spec["initContainers"], st.get("initContainerStatuses"),
                            pod, w, "")
    describe_containers("Containers", spec.get("containers") or [], st.get("containerStatuses"), pod, w, "")
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for g in spec["readinessGates"]:
            status = next((c["status"] for c in st.get("conditions") or []
                           if c.get("type") == g.get("conditionType")), "<none>")
            w.write(1, f"{g.get('conditionType')} \t{status} \n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \n")
    describe_volumes(spec.get("volumes"), w, "")
    w.write(0, f"QoS Class:\t{qos_class(pod)}\n")
    labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    describe_events(events, w, now)
    return w.text()
