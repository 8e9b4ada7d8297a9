"""Checks for the chapter 7 exercise (Services and kube-proxy), run by the otter tests of
`ch7-services.ipynb` through `minik8s.grading.run_check`.

Each function gets the student's answer (a value, or for a function answer a proxy that calls the
student's function in its own process) and returns a JSON report of what a fresh, seeded minik8s
cluster did. Nothing here runs in the student's process; expected values are what minik8s does
with its own code.
"""

from minik8s import Cluster, ApiError
from minik8s.runtime.network import NetworkError
import minik8s.network.kube_proxy as kube_proxy

SEED = 0
REFERENCE_PICK = kube_proxy.iptables_pick

# The shop: a frontend Deployment (3 Pods) and an admin Deployment (1 Pod) that share the label
# app=shop; the frontend listens on 8081, in a container port named "web".
SHOP = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app: shop
      tier: frontend
  template:
    metadata:
      labels:
        app: shop
        tier: frontend
    spec:
      containers:
      - name: app
        image: minik8s/app:1.0
        env:
        - name: PORT
          value: "8081"
        ports:
        - name: web
          containerPort: 8081
        readinessProbe:
          httpGet:
            path: /ready
            port: web
          periodSeconds: 2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-admin
spec:
  replicas: 1
  selector:
    matchLabels:
      app: shop
      tier: admin
  template:
    metadata:
      labels:
        app: shop
        tier: admin
    spec:
      containers:
      - name: app
        image: minik8s/app:1.0
        env:
        - name: PORT
          value: "8081"
        ports:
        - name: web
          containerPort: 8081
---
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  containers:
  - name: client
    image: busybox:1.36
    command: ["sleep", "36000"]
"""


def _apply(c, manifest):
    """Apply the student's manifest; an error becomes the report's `error`, worded as kubectl would."""
    if not isinstance(manifest, str) or not manifest.strip():
        return "the answer must be a YAML manifest in a string"
    try:
        c.apply(manifest)
    except ApiError as e:
        return f"applying your manifest failed: {e}"
    except Exception as e:      # YAML syntax and the like
        return f"applying your manifest failed: {type(e).__name__}: {e}"
    return None


def _tier(c, pod_name):
    try:
        return (c.get("pod", pod_name)["metadata"].get("labels") or {}).get("tier", "?")
    except ApiError:
        return "?"


def _shop(manifest, replicas=3):
    """A fresh cluster running the shop, the client Pod and the student's manifest."""
    c = Cluster(nodes=3, seed=SEED)
    c.apply(SHOP.replace("replicas: 3", f"replicas: {replicas}", 1))
    c.run(10)
    err = _apply(c, manifest)
    c.run(10)
    return c, err


def _requests(c, url, n, from_pod=None):
    ok, failed, errors, tiers, pods = 0, 0, [], {}, set()
    for _ in range(n):
        try:
            resp = c.http(url, from_pod=from_pod)
        except NetworkError as e:
            failed += 1
            if len(errors) < 2:
                errors.append(str(e))
            continue
        if resp.status != 200:
            failed += 1
            if len(errors) < 2:
                errors.append(f"HTTP {resp.status}")
            continue
        ok += 1
        pod = resp.headers.get("X-Served-By", "")
        pods.add(pod)
        tier = _tier(c, pod)
        tiers[tier] = tiers.get(tier, 0) + 1
    return {"ok": ok, "failed": failed, "errors": errors, "byTier": tiers,
            "frontendPods": len([p for p in pods if _tier(c, p) == "frontend"])}


# --- q1: a Service in front of a Deployment ------------------------------------------------------

def q1(manifest):
    """The student's Service `shop`: 60 requests from a Pod to http://shop/ (the Service's name, port
    80) all succeed and reach only the frontend Pods, all three of them.
    (https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service: the
    selector picks the Pods; targetPort, a number or a container port's name, is where they listen)"""
    c, err = _shop(manifest)
    if err:
        return {"error": err}
    try:
        svc = c.get("service", "shop")
    except ApiError:
        return {"error": "no Service named shop: set kind: Service and metadata.name: shop"}
    spec = svc.get("spec") or {}
    report = _requests(c, "http://shop/", 60, from_pod="client")
    report.update({"type": spec.get("type"), "ports": [p.get("port") for p in spec.get("ports") or []]})
    return report


# --- q2: a NodePort reached through every node ---------------------------------------------------

def q2(manifest):
    """The student's NodePort Service `shop-np` on node port 30123: from outside the cluster, 20
    requests to each node's IP on 30123 all succeed and reach only frontend Pods; the frontend has 2
    Pods on 3 nodes, so at least one node has none and must forward.
    (https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport: every node
    proxies the port, 30000-32767, to the Service's endpoints wherever they run)"""
    c, err = _shop(manifest, replicas=2)
    if err:
        return {"error": err}
    try:
        svc = c.get("service", "shop-np")
    except ApiError:
        return {"error": "no Service named shop-np: set kind: Service and metadata.name: shop-np"}
    spec = svc.get("spec") or {}
    nodes = {}
    for node in sorted(c.list("nodes"), key=lambda n: n["metadata"]["name"]):
        ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
        r = _requests(c, f"http://{ip}:30123/", 20)
        r["ip"] = ip
        r["frontendPodsOnNode"] = sum(1 for p in c.list("pods", selector="tier=frontend")
                                      if p["spec"].get("nodeName") == node["metadata"]["name"])
        nodes[node["metadata"]["name"]] = r
    return {"type": spec.get("type"), "nodePorts": [p.get("nodePort") for p in spec.get("ports") or []],
            "nodes": nodes}


# --- q3: predict endpoint conditions -------------------------------------------------------------

SCENARIO = """
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: alpha
  labels: {app: web}
spec:
  containers:
  - name: app
    image: minik8s/app:1.0
    readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: beta
  labels: {app: web}
spec:
  containers:
  - name: app
    image: minik8s/app:1.0
    readinessProbe: {httpGet: {path: /missing, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: gamma
  labels: {app: web}
spec:
  containers:
  - name: app
    image: minik8s/app:1.0
    lifecycle: {preStop: {sleep: {seconds: 20}}}
    readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: delta
  labels: {app: web}
spec:
  containers:
  - name: app
    image: minik8s/app:1.0
    lifecycle: {preStop: {sleep: {seconds: 20}}}
    readinessProbe: {httpGet: {path: /missing, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: omega
  labels: {app: web}
spec:
  restartPolicy: Never
  containers:
  - name: job
    image: busybox:1.36
    command: ["sh", "-c", "echo done"]
"""

PODS = ["alpha", "beta", "gamma", "delta", "omega"]


def conditions_after_deletes():
    """The scenario of q3: every Pod's endpoint conditions in the Service's slices 5 s after gamma
    and delta are deleted (None: the Pod is in no slice)."""
    c = Cluster(nodes=2, seed=SEED)
    c.apply(SCENARIO)
    c.run(20)
    c.kubectl("delete pod gamma delta --wait=false")
    c.run(5)
    out = {p: None for p in PODS}
    for s in c.list("endpointslices", selector="kubernetes.io/service-name=web"):
        for e in s.get("endpoints") or []:
            name = (e.get("targetRef") or {}).get("name")
            cond = e.get("conditions") or {}
            if name in out:
                out[name] = {k: bool(cond.get(k)) for k in ("ready", "serving", "terminating")}
    return out


def q3(prediction):
    """Endpoint conditions: ready = Ready and not terminating; serving = Ready; terminating = being
    deleted; Pods that have finished (Succeeded/Failed) are left out.
    (https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#conditions)"""
    if not isinstance(prediction, dict):
        return {"error": "q3_conditions must be a dict: {pod name: {\"ready\": ..., \"serving\": ..., "
                         "\"terminating\": ...} or None}"}
    actual = conditions_after_deletes()
    out = {}
    for p in PODS:
        guess = prediction.get(p, "missing")
        if isinstance(guess, dict):
            guess = {k: guess.get(k) for k in ("ready", "serving", "terminating")}
        out[p] = {"predicted": guess, "actual": actual[p]}
    return out


# --- q4: kube-proxy's pick, plugged into kube-proxy ------------------------------------------------

CASES = [  # (n, draws): public ones first
    (1, []), (2, [0.3]), (2, [0.7]), (3, [0.2, 0.9]), (3, [0.5, 0.4]), (3, [0.5, 0.6]),
    (4, [0.9, 0.3, 0.1]), (4, [0.24, 0.9, 0.9]), (4, [0.26, 0.34, 0.9]), (5, [0.9, 0.9, 0.9, 0.6]),
    (5, [0.5, 0.3, 0.2, 0.49]), (6, [0.17, 0.9, 0.9, 0.9, 0.9]),
]
PUBLIC_CASES = 6


def _drawing(pick):
    """An iptables_pick for kube-proxy that draws n-1 numbers from kube-proxy's RNG and lets
    ``pick(n, draws)`` choose."""
    def iptables_pick(n, rng):
        draws = [rng.random() for _ in range(n - 1)]
        return pick(n, draws)
    return iptables_pick


def _reference(n, draws):
    for i in range(n - 1):
        if draws[i] < 1.0 / (n - i):
            return i
    return n - 1


def served_sequence(pick, n_requests=400, replicas=4):
    """Which Pod answered each of ``n_requests`` requests to a Service of ``replicas`` Pods, with
    ``pick`` deciding in every node's kube-proxy."""
    c = Cluster(nodes=2, seed=SEED)
    c.apply("""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: %d
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: minik8s/app:1.0
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  containers:
  - name: client
    image: busybox:1.36
    command: ["sleep", "36000"]
""" % replicas)
    c.run(15)
    ips = sorted(p["status"]["podIP"] for p in c.list("pods", selector="app=web"))
    names = {p["status"]["podIP"]: p["metadata"]["name"] for p in c.list("pods", selector="app=web")}
    order = {names[ip]: i for i, ip in enumerate(ips)}      # kube-proxy's chain order: by IP:port
    kube_proxy.iptables_pick = _drawing(pick)
    seq = []
    try:
        for _ in range(n_requests):
            try:
                pod = c.http("http://web/", from_pod="client").headers.get("X-Served-By")
                seq.append(order.get(pod, -1))
            except NetworkError:
                seq.append(-1)
    finally:
        kube_proxy.iptables_pick = REFERENCE_PICK
    return seq


def q4(pick):
    """The student's pick_endpoint(n, draws), against the iptables rule (rule i of n matches with
    probability 1/(n-i), the last always), then plugged into every node's kube-proxy: which Pod
    answers each of 400 requests, and how many each gets (1/4 each).
    (https://kubernetes.io/docs/reference/networking/virtual-ips/#proxy-mode-iptables)"""
    cases = []
    for i, (n, draws) in enumerate(CASES):
        try:
            got = pick(n, list(draws))
        except AnswerRaised as e:      # noqa: F821 (provided by the checker)
            got = f"raised {e}"
        cases.append({"n": n, "draws": draws, "expected": _reference(n, draws), "got": got,
                      "public": i < PUBLIC_CASES})

    def safe(n, draws):
        try:
            got = pick(n, draws)
        except AnswerRaised:           # noqa: F821
            return n                   # out of range: the connection fails below
        return got if isinstance(got, int) and 0 <= got < n else n

    def guarded(n, draws):
        i = safe(n, draws)
        if i >= n:
            raise IndexError("pick_endpoint returned no endpoint index")
        return i

    expected = served_sequence(_reference)
    try:
        happened = served_sequence(guarded)
    except IndexError as e:
        happened = str(e)
    counts = ([happened.count(i) for i in range(4)] if isinstance(happened, list) else None)
    return {"cases": cases, "sameSequence": happened == expected,
            "firstDifference": (next((k for k, (a, b) in enumerate(zip(expected, happened)) if a != b), None)
                                if isinstance(happened, list) else 0),
            "counts": counts, "expectedCounts": [expected.count(i) for i in range(4)]}
