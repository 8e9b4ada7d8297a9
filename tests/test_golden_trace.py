"""Golden trace: a fixed-seed controller scenario gives the same trace, byte for byte.

Scenario (seed 7): a 4-replica Deployment (maxSurge 1, maxUnavailable 1) comes up on three
nodes, is rolled to a new image, then node-2's kubelet stops heartbeating: the node
lifecycle controller marks it Unknown after 50 s and taints it, the taint eviction
controller deletes its pods, the ReplicaSet replaces them. The scheduler and kubelets are
played by tests/ctrl_helpers.py, so the trace pins the controllers' decisions only.

Regenerate after an intended change: ``MINIK8S_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_trace.py``,
then read the diff.
"""

import os
from pathlib import Path

from ctrl_helpers import add_node, finish_deleting, make_cluster, renew_lease, run_all, template

GOLDEN = Path(__file__).parent / "golden" / "controllers_trace.txt"
CONTROLLERS = {"replicaset-controller", "deployment-controller", "garbage-collector-controller",
               "node-lifecycle-controller", "taint-eviction-controller"}


def scenario() -> str:
    c = make_cluster(seed=7)
    alive = {"node-1", "node-2", "node-3"}
    for n in sorted(alive):
        add_node(c, n)

    def beat():
        for n in sorted(alive):
            renew_lease(c, n)
        c.clock.call_later(10, beat)
    beat()

    def kubelets(rounds):
        # each round: the "scheduler" spreads pending pods over live nodes, the "kubelets" run them.
        for _ in range(rounds):
            finish_deleting(c)
            run_all(c, selector="app=web", nodes=sorted(alive))
            c.run(1)

    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                      "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
                      "template": template({"app": "web"})}})
    c.run(1)
    kubelets(3)
    c.apiserver.patch("deployments", "web", {"spec": {"template": {"spec": {
        "containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}}, "default")
    kubelets(6)
    alive.discard("node-2")
    c.run(370)                       # Unknown at ~T=65, evicted 300 s later (default tolerations)
    kubelets(3)
    steps = [s for s in c.trace.steps if s.component in CONTROLLERS]
    return c.trace.to_text(steps) + "\n"


def test_trace_is_deterministic_and_matches_the_golden_file():
    first = scenario()
    assert first == scenario(), "the same seed must give the same trace"
    if os.environ.get("MINIK8S_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(first)
    assert first == GOLDEN.read_text()
