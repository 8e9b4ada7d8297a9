"""Checks for the chapter 1 exercise (VMs and containers), run by the otter tests of
`ch1-containers.ipynb` through `minik8s.grading.run_check`.

Each function gets the student's answer (a value, or for a function answer a proxy that calls the
student's function in its own process) and returns a JSON report of what a fresh, seeded minik8s
cluster did. The tests in the notebook compare the report with what is expected. Nothing here is
run in the student's process.
"""

from minik8s import Cluster, ApiError
from minik8s.api.quantity import memory_bytes

SEED = 0


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


def q1(manifest):
    """The fixed memory-hog: a Pod `stress` whose `stress` container holds 250M without being
    OOM-killed, under a memory limit of at most 512Mi. Runs the Pod for 120 virtual seconds.
    (Memory limits and the OOM killer:
    https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/)"""
    c = Cluster(nodes=2, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    try:
        pod = c.get("pod", "stress")
    except ApiError:
        return {"error": "no Pod named stress: set metadata.name to stress"}
    c.run(120)
    pod = c.get("pod", "stress")
    ctrs = pod["spec"]["containers"]
    ctr = next((x for x in ctrs if x["name"] == "stress"), None)
    if ctr is None:
        return {"error": "the Pod has no container named stress (spec.containers[].name)"}
    st = next((s for s in pod["status"].get("containerStatuses", []) if s["name"] == "stress"), {})
    limit = ctr.get("resources", {}).get("limits", {}).get("memory")
    argv = list(ctr.get("command") or []) + list(ctr.get("args") or [])
    return {
        "phase": pod["status"].get("phase"),
        "state": sorted(st.get("state", {}))[:1],
        "restartCount": st.get("restartCount"),
        "lastStateReason": st.get("lastState", {}).get("terminated", {}).get("reason"),
        "image": ctr.get("image"),
        "argv": argv,
        "limits.memory": limit,
        "limit_bytes": memory_bytes(limit) if limit else None,
    }


def _memory_hog():
    c = Cluster(nodes=2, seed=SEED)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: memory-hog
spec:
  containers:
  - name: stress
    image: polinux/stress
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]
    resources:
      limits:
        memory: 100Mi
""")
    c.run(15)
    return c.get("pod", "memory-hog")["status"]["containerStatuses"][0]


def q2(prediction):
    """The predicted `lastState.terminated` of the memory-hog of the chapter, against what
    minik8s records. (Container states: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-states)"""
    if not isinstance(prediction, dict):
        return {"error": "q2_prediction must be a dict like {\"reason\": ..., \"exitCode\": ...}"}
    term = _memory_hog().get("lastState", {}).get("terminated", {})
    return {"predicted": {k: prediction.get(k) for k in ("reason", "exitCode")},
            "actual": {"reason": term.get("reason"), "exitCode": term.get("exitCode")}}


def _namespaces(c, pod_name, container):
    pod = c.get("pod", pod_name)
    rt = c.kubelets[pod["spec"]["nodeName"]].runtime
    cid = next(s["containerID"] for s in pod["status"]["containerStatuses"] if s["name"] == container)
    return rt.namespaces(cid.split("://")[1])


def _shared():
    """Namespaces shared by two containers of one Pod, and by containers of two Pods on one node."""
    c = Cluster(nodes=1, seed=SEED)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two"},
             "spec": {"containers": [
                 {"name": "web", "image": "nginx:1.27"},
                 {"name": "shell", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}})
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "other"},
             "spec": {"containers": [{"name": "shell", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}})
    c.run(20)
    web, shell, other = (_namespaces(c, "two", "web"), _namespaces(c, "two", "shell"),
                         _namespaces(c, "other", "shell"))
    kinds = ("net", "ipc", "uts", "pid", "mnt")
    return {"samePod": sorted(k for k in kinds if web[k] == shell[k]),
            "otherPod": sorted(k for k in kinds if shell[k] == other[k])}


def q3(prediction):
    """Which namespaces two containers of one Pod share, and two containers of different Pods on
    the same node, as the runtime reports them (the identities `ls -l /proc/PID/ns` shows).
    (https://kubernetes.io/docs/concepts/workloads/pods/#how-pods-manage-multiple-containers)"""
    if not isinstance(prediction, dict):
        return {"error": "q3_shared must be a dict with the keys \"samePod\" and \"otherPod\""}
    actual = _shared()
    out = {}
    for key in ("samePod", "otherPod"):
        p = prediction.get(key)
        out[key] = {"predicted": sorted(p) if isinstance(p, list) else p, "actual": actual[key]}
    return out


LIMITS_PUBLIC = ["250m", "1", None]
LIMITS_HIDDEN = ["100m", "1.5", "2", "750m", "10m", "500m"]


def q4(cpu_max):
    """The student's cpu_max(limit) against the `cpu.max` file the runtime writes for containers with
    those `limits.cpu`. (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-limits-are-run)"""
    limits = LIMITS_PUBLIC + LIMITS_HIDDEN
    c = Cluster(nodes=1, seed=SEED)
    ctrs = []
    for i, lim in enumerate(limits):
        ctr = {"name": f"c{i}", "image": "busybox:1.36", "command": ["sleep", "3600"]}
        if lim is not None:
            # a small request, so that the Pod fits on the node whatever the limits add up to
            ctr["resources"] = {"limits": {"cpu": lim}, "requests": {"cpu": "1m"}}
        ctrs.append(ctr)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cpu"}, "spec": {"containers": ctrs}})
    c.run_until(lambda c: c.get("pod", "cpu")["status"].get("phase") == "Running", timeout=300)
    cases = []
    for i, lim in enumerate(limits):
        actual = c.kubectl(f"exec cpu -c c{i} -- cat /sys/fs/cgroup/cpu.max").strip()
        try:
            got = cpu_max(lim)
        except AnswerRaised as e:      # noqa: F821 (provided by the checker)
            got = f"raised {e}"
        cases.append({"limit": lim, "expected": actual, "returned": got,
                      "public": lim in LIMITS_PUBLIC})
    return {"cases": cases}
