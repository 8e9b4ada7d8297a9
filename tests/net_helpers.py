"""Shared set-ups for the Service networking tests (test_services, test_endpointslices,
test_kube_proxy, test_dns): a Deployment of the teaching app behind a Service, and a client pod."""

from minik8s import Cluster


def web(replicas: int = 3, *, service: dict | None = None, pod_spec: dict | None = None, labels=None,
        name: str = "web") -> list[dict]:
    labels = labels or {"app": name}
    spec = {"containers": [{"name": "app", "image": "minik8s/app:1.0",
                            "ports": [{"containerPort": 8080, "name": "http"}]}]}
    spec.update(pod_spec or {})
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
           "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": spec}}}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
           "spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
    for k, v in (service or {}).items():
        svc["spec"][k] = v
    return [dep, svc]


CLIENT = """
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: c, image: busybox:1.36, command: [sleep, "36000"]}]
"""


def cluster_with(*manifests, nodes: int = 3, seed: int = 0, run: float = 30, **kw) -> Cluster:
    c = Cluster(nodes=nodes, seed=seed, **kw)
    for m in manifests:
        c.apply(m)
    c.run(run)
    return c


def running(c, selector: str) -> list[dict]:
    return [p for p in c.list("pods", selector=selector) if p["status"].get("phase") == "Running"]


def hostnames(c, url: str, n: int, from_pod: str = "client") -> dict[str, int]:
    out: dict[str, int] = {}
    for _ in range(n):
        h = c.http(url, from_pod=from_pod).headers["X-Served-By"]
        out[h] = out.get(h, 0) + 1
    return out
