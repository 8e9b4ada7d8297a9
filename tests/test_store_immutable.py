"""What etcd stored is never changed behind its back.

The API server hands every watcher the stored object itself (informer caches share it, as
client-go's do), and a status update shares the unchanged spec of the previous object. Both are
safe only if no component, controller, kubelet or kubectl command ever modifies a stored object
in place: a write must store a new object. This test runs a busy cluster (a Deployment rolled to
a new image, a Service, a Job, a DaemonSet, probes, a node failure, kubectl commands) and then
checks that every object ever committed still reads exactly as it did when it was committed.
"""

from __future__ import annotations

import json

from minik8s import Cluster

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: pi, image: busybox, command: [sh, -c, "sleep 3; echo done"]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: agent, image: busybox, command: [sh, -c, "while true; do sleep 5; done"]}
"""


def test_no_committed_object_is_ever_modified():
    c = Cluster(nodes=3, seed=3, trace=True)
    committed: list[tuple[dict, str]] = []
    c.apiserver.store.add_listener(lambda ev: committed.append((ev.obj, json.dumps(ev.obj, sort_keys=True))))

    c.apply(MANIFESTS)
    c.run(40)
    c.kubectl("set image deployment/web nginx=nginx:1.28")
    c.run(40)
    c.kubectl("scale deployment web --replicas=5")
    c.kubectl("label pods --all checked=yes")
    c.stop("kubelet", node="node-2")
    c.run(400)                 # node-2 Unknown after 50 s, its pods evicted 300 s later
    c.kubectl("get pods -o wide")
    c.kubectl("describe deployment web")
    c.kubectl("rollout undo deployment/web")
    c.run(60)
    c.kubectl("delete job pi")
    c.run(30)

    assert len(committed) > 500, "the scenario should exercise many writes"
    changed = [json.loads(text)["metadata"].get("name") for obj, text in committed
               if json.dumps(obj, sort_keys=True) != text]
    assert changed == [], f"stored objects modified in place after their commit: {sorted(set(changed))[:10]}"
