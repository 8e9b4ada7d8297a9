"""The kubelet's own HTTPS server (port 10250), as the API server uses it.

``kubectl logs`` and ``kubectl exec`` go to the API server, which proxies them to the
kubelet of the pod's node (``pods/log``, ``pods/exec`` subresources); ``kubectl top``
reads the kubelet's Summary API through metrics-server
(https://kubernetes.io/docs/reference/instrumentation/node-metrics/).
The error messages are upstream's (pkg/registry/core/pod/strategy.go and
pkg/kubelet/kubelet_pods.go: validateContainerLogStatus).
"""

from __future__ import annotations

import shlex

from .. import errors
from ..api.meta import key_of
from .. import params as C


class KubeletServer:
    """One kubelet's server: logs / exec / stats, answered from that kubelet's pod workers and
    runtime. The API server holds it in ``apiserver.kubelets[node]`` (``kubelet.server``)."""

    def __init__(self, kubelet):
        self.kubelet = kubelet

    def _pick_container(self, pod: dict, container: str | None) -> str:
        name = pod["metadata"]["name"]
        names = [c["name"] for c in pod["spec"].get("containers") or []]
        inits = [c["name"] for c in pod["spec"].get("initContainers") or []]
        if not container:
            if len(names) == 1:
                return names[0]
            msg = f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
            if inits:
                msg += f" or one of the init containers: [{' '.join(inits)}]"
            raise errors.bad_request(msg)
        if container not in names and container not in inits:
            raise errors.bad_request(f"container {container} is not valid for pod {name}")
        return container

    def _container_status(self, pod: dict, container: str) -> dict:
        worker = self.kubelet.workers.get(key_of(pod))
        status = (worker.last_status if worker and worker.last_status else pod.get("status")) or {}
        for st in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []):
            if st["name"] == container:
                return st
        return {"name": container, "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}}

    def logs(self, pod: dict, container: str | None = None, previous: bool = False, tail: int | None = None,
             **_ignored) -> str:
        """``GET pods/log``: the container's output (kubelet_pods.go: validateContainerLogStatus)."""
        name = self._pick_container(pod, container)
        pod_name = pod["metadata"]["name"]
        if not self.kubelet.running:
            ns = pod["metadata"].get("namespace", "default")
            raise errors.internal(f'Get "https://{self.kubelet.node_ip}:{C.KUBELET_PORT}/containerLogs/{ns}/{pod_name}/'
                                  f'{name}": dial tcp {self.kubelet.node_ip}:{C.KUBELET_PORT}: connect: connection refused')
        st = self._container_status(pod, name)
        state, last = st.get("state") or {}, (st.get("lastState") or {}).get("terminated")
        if previous:
            if not last or not last.get("containerID"):
                raise errors.bad_request(f'previous terminated container "{name}" in pod "{pod_name}" not found')
            cid = last["containerID"]
        elif "running" in state:
            cid = st.get("containerID")
        elif "terminated" in state:
            cid = state["terminated"].get("containerID") or (last or {}).get("containerID")
            if not cid:
                raise errors.bad_request(f'container "{name}" in pod "{pod_name}" is terminated')
        elif last:
            cid = last.get("containerID")
            if not cid:
                raise errors.bad_request(f'container "{name}" in pod "{pod_name}" is terminated')
        else:
            reason = (state.get("waiting") or {}).get("reason", "ContainerCreating")
            if reason == "ErrImagePull":
                reason = "image can't be pulled"
            elif reason == "ImagePullBackOff":
                reason = "trying and failing to pull image"
            raise errors.bad_request(f'container "{name}" in pod "{pod_name}" is waiting to start: {reason}')
        cid = cid[len(C.CONTAINER_ID_PREFIX):] if cid.startswith(C.CONTAINER_ID_PREFIX) else cid
        return self.kubelet.runtime.logs(cid, tail=tail)

    def exec(self, pod: dict, command, container: str | None = None, stdin: str | None = None, **_ignored):
        """``POST pods/exec``: run ``command`` in a running container; returns the runtime's ExecResult."""
        name = self._pick_container(pod, container)
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            raise errors.bad_request(f"cannot exec into a container in a completed pod; current phase is {phase}")
        if not self.kubelet.running:
            raise errors.internal(f"error dialing backend: dial tcp {self.kubelet.node_ip}:{C.KUBELET_PORT}: "
                                  "connect: connection refused")
        worker = self.kubelet.workers.get(key_of(pod))
        rec = worker.containers.get(name) if worker else None
        if (rec is None or rec.cid is None or self.kubelet.runtime.container_state(rec.cid) != "running"
                ):
            raise errors.bad_request(f'unable to upgrade connection: container not found ("{name}")')
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        return self.kubelet.runtime.exec_sync(rec.cid, argv, stdin=stdin)

    def stats_summary(self) -> dict:
        """The Summary API (``/stats/summary``) ``kubectl top`` reads through metrics-server."""
        pods = []
        cpu = C.NODE_SYSTEM_CPU_MILLICORES
        mem = C.NODE_SYSTEM_MEMORY_BYTES
        for key in sorted(self.kubelet.workers):
            w = self.kubelet.workers[key]
            ns, name = key.split("/", 1)
            cs = []
            for cname in sorted(w.containers):
                rec = w.containers[cname]
                if rec.cid and self.kubelet.runtime.container_state(rec.cid) == "running":
                    s = self.kubelet.runtime.stats(rec.cid)
                    cs.append({"name": cname, "cpu_millicores": s.get("cpu", 0), "memory_bytes": s.get("memory", 0)})
                    cpu += s.get("cpu", 0)
                    mem += s.get("memory", 0)
            if cs:
                pods.append({"namespace": ns, "name": name, "containers": cs})
        return {"node": {"name": self.kubelet.node_name, "cpu_millicores": cpu, "memory_bytes": mem}, "pods": pods}
