"""Checks for the chapter 8 exercise (DNS), run by the otter tests of `ch8-dns.ipynb` through
`minik8s.grading.run_check`, in a clean process.

Each function gets the student's answer (a value, or for a function answer a proxy that calls the
student's function in its own process) and returns a JSON report of what a fresh, seeded minik8s
cluster did with it. Expected values are what minik8s does with its own code, never constants.
"""

from minik8s import ApiError, Cluster
import minik8s.network.resolver as resolver

SEED = 0
REFERENCE = resolver.search_candidates


def _apply(c, manifest, namespace=None):
    """Apply the student's manifest; an error becomes the report's `error`, worded as kubectl would."""
    if not isinstance(manifest, str) or not manifest.strip():
        return "the answer must be a YAML manifest in a string"
    try:
        out = c.kubectl("apply -f -" + (f" -n {namespace}" if namespace else ""), stdin=manifest)
    except Exception as e:          # YAML syntax and the like
        return f"applying your manifest failed: {type(e).__name__}: {e}"
    bad = [line for line in out.splitlines() if line.strip() and not line.startswith("Warning:")
           and not line.rstrip().endswith(("created", "configured", "unchanged"))]
    if bad:
        return f"applying your manifest failed: {out.strip()}"
    return None


def _busybox(name, namespace="default", spec=None):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
           "spec": {"containers": [{"name": "shell", "image": "busybox:1.36", "command": ["sleep", "36000"]}]}}
    pod["spec"].update(spec or {})
    return pod


def _service(name, namespace, **spec):
    base = {"selector": {"app": name}, "ports": [{"name": "http", "port": 80}]}
    base.update(spec)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}, "spec": base}


def _namespace(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def _outcome(r):
    """What one lookup did: the names asked, in order, and the answer."""
    if r.timed_out:
        answer = "timed out"
    elif r.ok:
        answer = ",".join(r.ips) or r.answer.rcode
    else:
        answer = r.answer.rcode
    return {"asked": list(r.tried), "answer": answer}


# --- q1: the search list ------------------------------------------------------------------------

Q1_PODS = {  # pod name -> (namespace, extra spec); public: the first one
    "client": ("default", {}),
    "tuned": ("prod", {"dnsConfig": {"searches": ["corp.example"], "options": [{"name": "ndots", "value": "2"}]}}),
    "bare": ("default", {"dnsPolicy": "None", "dnsConfig": {"nameservers": ["10.96.0.10"]}}),
}
Q1_LOOKUPS = [  # (pod, name, public)
    ("client", "web.prod", True),
    ("client", "web", True),
    ("client", "cart", True),
    ("client", "kubernetes.io", True),
    ("client", "example.com.", True),
    ("client", "web.prod.svc.cluster.local", True),
    ("tuned", "web", False),
    ("tuned", "cart.default", False),
    ("tuned", "www.example.com", False),
    ("tuned", "web.prod.svc", False),
    ("tuned", "kubernetes.io.", False),
    ("bare", "web.prod", False),
    ("bare", "github.com", False),
    ("bare", "web", False),
]


def _q1_cluster():
    c = Cluster(nodes=1, seed=SEED)
    for ns in ("prod", "io"):
        c.apply(_namespace(ns))
    c.apply(_service("web", "prod"))
    c.apply(_service("cart", "default"))
    c.apply(_service("kubernetes", "io"))        # a Service that shadows the site kubernetes.io
    for pod, (ns, spec) in Q1_PODS.items():
        c.apply(_busybox(pod, ns, spec))
    c.run(15)
    return c


def q1(candidates):
    """The student's search_candidates(name, search, ndots) plugged into the stub resolver of every
    container (minik8s.network.resolver, what nslookup, wget and c.dns use), against the resolver's
    own: the names asked, in order, and the answer, for lookups from Pods with several resolv.conf
    files. (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#namespaces-of-services,
    resolv.conf(5): ndots, search)"""
    problems = []

    def plugged(name, search, ndots):
        got = candidates(name, list(search), ndots)
        if not (isinstance(got, list) and all(isinstance(x, str) for x in got)):
            problems.append(f"search_candidates({name!r}, {list(search)!r}, {ndots}) returned {got!r}: "
                            "expected a list of names (strings)")
            return REFERENCE(name, search, ndots)
        return got

    c = _q1_cluster()
    resolv = {pod: c.exec(pod, "cat /etc/resolv.conf", namespace=ns) for pod, (ns, _s) in Q1_PODS.items()}
    expected = [_outcome(c.dns(name, from_pod=pod, namespace=Q1_PODS[pod][0])) for pod, name, _p in Q1_LOOKUPS]
    resolver.search_candidates = plugged
    try:
        happened = [_outcome(c.dns(name, from_pod=pod, namespace=Q1_PODS[pod][0])) for pod, name, _p in Q1_LOOKUPS]
        nslookup = c.exec("client", "nslookup web.prod")
    finally:
        resolver.search_candidates = REFERENCE
    if problems:
        return {"error": problems[0]}
    cases = [{"pod": pod, "namespace": Q1_PODS[pod][0], "resolv.conf": resolv[pod], "name": name,
              "expected": e, "happened": h, "public": public}
             for (pod, name, public), e, h in zip(Q1_LOOKUPS, expected, happened)]
    return {"cases": cases, "nslookupWorks": "Address: " in nslookup}


# --- q2: stable names for a StatefulSet's Pods ----------------------------------------------------

def q2(manifest):
    """The student's headless Service `db-peers` and StatefulSet `db` (3 replicas): from a Pod in
    `default` and one in another namespace, `db-<i>.db-peers` (and `.default`) resolve to that Pod's
    IP, `db-peers` to all three, and `_web._tcp.db-peers` lists the three Pods on port 80; a re-created
    `db-1` keeps its name. (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id,
    https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#srv-records)"""
    c = Cluster(nodes=2, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    c.apply(_namespace("other"))
    c.apply(_busybox("client"))
    c.apply(_busybox("far", "other"))
    c.run(30)
    kinds = {}
    for kind, name in (("statefulset", "db"), ("service", "db-peers")):
        try:
            kinds[name] = c.get(kind, name)
        except ApiError:
            return {"error": f"no {kind} named {name} in namespace default: check kind and metadata.name"}
    pods = {f"db-{i}": None for i in range(3)}
    for p in c.list("pods", selector=None):
        if p["metadata"]["name"] in pods:
            pods[p["metadata"]["name"]] = p["status"].get("podIP")
    names = {}
    for i in range(3):
        names[f"db-{i}.db-peers"] = _outcome(c.dns(f"db-{i}.db-peers", from_pod="client"))["answer"]
        names[f"db-{i}.db-peers.default (from namespace other)"] = _outcome(
            c.dns(f"db-{i}.db-peers.default", from_pod="far", namespace="other"))["answer"]
    peers = c.dns("db-peers", from_pod="client")
    srv = c.dns("_web._tcp.db-peers.default.svc.cluster.local.", from_pod="client", qtype="SRV")
    srv_records = sorted(r.data for r in srv.answer.records) if srv.answer is not None else []
    old_ip = pods["db-1"]
    c.delete("pod", "db-1")
    c.run(60)
    new_ip = next((p["status"].get("podIP") for p in c.list("pods") if p["metadata"]["name"] == "db-1"), None)
    after = _outcome(c.dns("db-1.db-peers", from_pod="client"))["answer"]
    return {"podIPs": pods, "names": names,
            "db-peers": sorted(peers.ips) if peers.ok else (peers.answer.rcode if peers.answer else "timed out"),
            "srv": srv_records, "clusterIP": kinds["db-peers"]["spec"].get("clusterIP"),
            "serviceName": kinds["db"]["spec"].get("serviceName"),
            "recreated": {"oldIP": old_ip, "newIP": new_ip, "db-1.db-peers": after}}


# --- q3: a Pod with dnsPolicy None ---------------------------------------------------------------

Q3_LOOKUPS = ["db", "cache", "web.other", "github.com", "registry.k8s.io"]


def q3(manifest):
    """The student's Pod `app` in namespace `shop` with dnsPolicy None: which names it resolves, in
    how many queries. (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-dns-config)"""
    c = Cluster(nodes=1, seed=SEED)
    for ns in ("shop", "shared", "other"):
        c.apply(_namespace(ns))
    c.apply(_service("db", "shop"))
    c.apply(_service("cache", "shared"))
    c.apply(_service("web", "other"))
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    try:
        pod = c.get("pod", "app", "shop")
    except ApiError:
        return {"error": "no Pod named app in namespace shop: set metadata.name: app and metadata.namespace: shop"}
    c.run(15)
    pod = c.get("pod", "app", "shop")
    if pod["status"].get("phase") != "Running":
        return {"error": f"the Pod app is {pod['status'].get('phase')}, not Running (kubectl get pod app -n shop)"}
    lookups = {}
    for name in Q3_LOOKUPS:
        r = c.dns(name, from_pod="app", namespace="shop")
        out = _outcome(r)
        out["queries"] = r.queries
        lookups[name] = out
    return {"dnsPolicy": pod["spec"].get("dnsPolicy"),
            "resolv.conf": c.exec("app", "cat /etc/resolv.conf", namespace="shop"),
            "lookups": lookups,
            "ips": {"db": c.get("service", "db", "shop")["spec"]["clusterIP"],
                    "cache": c.get("service", "cache", "shared")["spec"]["clusterIP"],
                    "web.other": c.get("service", "web", "other")["spec"]["clusterIP"]}}


# --- q4: predict which lookups fail ---------------------------------------------------------------

Q4_NAMES = ["web", "web.prod", "web.prod.svc", "web.prod.svc.cluster", "db.prod", "docs", "kube-dns",
            "kubernetes"]


def _q4_cluster():
    c = Cluster(nodes=1, seed=SEED)
    c.apply(_namespace("prod"))
    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "prod"},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}},
                                   "spec": {"containers": [{"name": "app", "image": "minik8s/app:1.0"}]}}}})
    c.apply(_service("web", "prod", ports=[{"name": "http", "port": 80, "targetPort": 8080}]))
    c.apply(_service("db", "prod", clusterIP="None", ports=[{"port": 5432}]))   # no Pod has app=db
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "docs"},
             "spec": {"type": "ExternalName", "externalName": "kubernetes.io"}})
    c.apply(_busybox("client"))
    c.run(20)
    return c


def q4(prediction):
    """Which names the Pod `client` (namespace default, dnsPolicy ClusterFirst) resolves, as minik8s's
    CoreDNS and the Pod's resolver answer them.
    (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/)"""
    if not isinstance(prediction, dict):
        return {"error": "q4_resolves must be a dict: {name: True or False}"}
    c = _q4_cluster()
    report = {}
    for name in Q4_NAMES:
        r = c.dns(name, from_pod="client")
        report[name] = {"predicted": prediction.get(name), "actual": r.ok}
    return {"names": report}
