"""The kubelet's prober: liveness, readiness and startup probes.

What the real kubelet does (pkg/kubelet/prober: prober_manager.go, worker.go, prober.go;
https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/,
https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes):

* ``AddPod`` creates one *worker* per (container, probe type) when the kubelet first syncs
  the pod. A worker ticks every ``periodSeconds`` from that moment; upstream also sleeps a
  random part of the period when the kubelet has just started - minik8s does not, so every
  probe happens at an exact virtual time.
* Each tick is ``doProbe``: nothing while the container has no ID yet; a new container ID
  resets the cached result to the probe type's initial value (liveness Success, readiness
  Failure, startup Unknown); no probing during ``initialDelaySeconds`` (whole seconds since
  the container started, truncated as Go's ``int32(...Seconds())``); the startup probe runs
  until the container has *started*, the others only after that.
* A result only changes after ``failureThreshold`` failures or ``successThreshold`` successes in
  a row. A liveness or startup probe that turns Failure puts the worker *on hold* until it
  sees a new container, and wakes the pod worker, which kills the container
  (``Killing``: ``Container app failed liveness probe, will be restarted``).
* Every failed probe records an ``Unhealthy`` Warning event: ``Liveness probe failed: HTTP
  probe failed with statuscode: 500``.
* While the pod is being deleted, liveness and startup probes stop (their result becomes Success).

The handlers are small pure functions over the runtime: :func:`http_probe`, :func:`tcp_probe`,
:func:`grpc_probe`, :func:`exec_probe`; each calls ``done(result, output)`` with the outcome
at the virtual time the answer arrives (never later than ``timeoutSeconds``).
"""

from __future__ import annotations

from ..api.defaults.pods import probe_settings
from .. import params as C

SUCCESS, FAILURE, UNKNOWN = "Success", "Failure", "Unknown"

INITIAL_RESULT = {"liveness": SUCCESS, "readiness": FAILURE, "startup": UNKNOWN}
PROBE_FIELDS = {"liveness": "livenessProbe", "readiness": "readinessProbe", "startup": "startupProbe"}

USER_AGENT = "kube-probe/" + C.KUBELET_VERSION.lstrip("v").rsplit(".", 1)[0]   # kube-probe/1.33
GRPC_HEALTH_PATH = "/grpc.health.v1.Health/Check"


def resolve_port(port, container: dict):
    """A probe's port: a number, or the name of one of the container's ``ports``.
    Returns (port, None) or (None, error) as findPortByName words it."""
    if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
        return int(port), None
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return int(p["containerPort"]), None
    return None, f"couldn't find port: {port} in {container.get('name')}"


def http_url(scheme: str, host: str, port: int, path: str) -> str:
    """The URL the HTTP prober requests (pkg/probe/http/request.go: formatURL)."""
    if path and not path.startswith("/"):
        path = "/" + path
    return f"{scheme.lower()}://{host}:{port}{path or ''}"


def http_probe(rt, ip: str, container: dict, action: dict, timeout: float, done) -> None:
    """httpGet: success when 200 <= status < 400 (https://kubernetes.io/docs/concepts/workloads/pods/
    pod-lifecycle/#probe-check-methods). Sends ``User-Agent: kube-probe/1.33`` and ``Accept: */*``
    unless the probe's httpHeaders set them."""
    from ..net.podnetwork import NetworkError, Timeout
    port, err = resolve_port(action.get("port"), container)
    if err:
        rt.clock.call_soon(done, UNKNOWN, err)
        return
    host = action.get("host") or ip
    url = http_url(action.get("scheme") or "HTTP", host, port, action.get("path") or "")
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    for h in action.get("httpHeaders") or []:
        name = "-".join(w.capitalize() for w in str(h.get("name", "")).split("-"))
        headers[name] = h.get("value", "")
    headers.setdefault("Host", f"{host}:{port}")
    try:
        resp = rt.http(host, port, "GET", url.split(f":{port}", 1)[1] or "/", headers=headers, timeout=timeout)
    except Timeout:
        rt.clock.call_later(timeout, done, FAILURE,
                            f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)')
        return
    except NetworkError as e:
        rt.clock.call_soon(done, FAILURE, f'Get "{url}": {e}' if not str(e).startswith("Get ") else str(e))
        return
    if 200 <= resp.status < 400:
        rt.clock.call_later(resp.delay, done, SUCCESS, "")
    else:
        rt.clock.call_later(resp.delay, done, FAILURE, f"HTTP probe failed with statuscode: {resp.status}")


def tcp_probe(rt, ip: str, container: dict, action: dict, timeout: float, done) -> None:
    """tcpSocket: success when a TCP connection opens (pkg/probe/tcp)."""
    port, err = resolve_port(action.get("port"), container)
    if err:
        rt.clock.call_soon(done, UNKNOWN, err)
        return
    host = action.get("host") or ip
    if rt.tcp_connect(host, port):
        rt.clock.call_soon(done, SUCCESS, "")
    elif rt.network.lookup(host) is None:
        rt.clock.call_later(timeout, done, FAILURE, f"dial tcp {host}:{port}: i/o timeout")
    else:
        rt.clock.call_soon(done, FAILURE, f"dial tcp {host}:{port}: connect: connection refused")


def grpc_probe(rt, ip: str, container: dict, action: dict, timeout: float, done) -> None:
    """grpc: the gRPC Health Checking Protocol (pkg/probe/grpc). The server answers
    ``SERVING`` for success; a program implements it by handling ``POST /grpc.health.v1.Health/Check``
    (the body is the requested service name) and replying with the status name."""
    from ..net.podnetwork import NetworkError, Timeout
    port = int(action.get("port"))
    addr = f"{ip}:{port}"
    headers = {"User-Agent": USER_AGENT, "Content-Type": "application/grpc"}
    try:
        resp = rt.http(ip, port, "POST", GRPC_HEALTH_PATH, headers=headers, timeout=timeout,
                       body=action.get("service") or "")
    except Timeout:
        rt.clock.call_later(timeout, done, FAILURE, f'timeout: health rpc did not complete within {go_secs(timeout)}')
        return
    except NetworkError:
        rt.clock.call_later(timeout, done, FAILURE, f'timeout: failed to connect service "{addr}" within '
                                                    f'{go_secs(timeout)}: context deadline exceeded')
        return
    if resp.status == 404 or resp.status >= 500 and resp.status != 503:
        rt.clock.call_later(resp.delay, done, FAILURE,
                            'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): '
                            'rpc error: code = Unimplemented desc = unknown service grpc.health.v1.Health')
        return
    status = resp.body.strip() or ("SERVING" if resp.status == 200 else "NOT_SERVING")
    if status == "SERVING":
        rt.clock.call_later(resp.delay, done, SUCCESS, "")
    else:
        rt.clock.call_later(resp.delay, done, FAILURE, f'service unhealthy (responded with "{status}")')


def exec_probe(rt, cid: str, action: dict, timeout: float, done) -> None:
    """exec: success when the command exits 0; the output is what the event shows (pkg/probe/exec).
    A command still running after ``timeoutSeconds`` fails: ``command "sh -c sleep 5" timed out``."""
    argv = list(action.get("command") or [])

    def finished(res):
        if res.timed_out:
            done(FAILURE, f'command "{" ".join(argv)}" timed out')
        elif res.exit_code == 0:
            done(SUCCESS, res.output)
        else:
            done(FAILURE, res.output)
    rt.exec_async(cid, argv, finished, timeout=timeout)


def go_secs(seconds: float) -> str:
    """``1s``, ``1.5s``: a time.Duration as %v prints it (whole seconds here)."""
    return f"{seconds:g}s"


def run_probe(rt, pod_ip: str, cid: str, container: dict, probe: dict, done) -> None:
    """Run whichever handler ``probe`` names; ``done(result, output)``."""
    timeout = probe_settings(probe)["timeoutSeconds"]
    if probe.get("exec") is not None:
        exec_probe(rt, cid, probe["exec"], timeout, done)
    elif probe.get("httpGet") is not None:
        http_probe(rt, pod_ip, container, probe["httpGet"], timeout, done)
    elif probe.get("tcpSocket") is not None:
        tcp_probe(rt, pod_ip, container, probe["tcpSocket"], timeout, done)
    elif probe.get("grpc") is not None:
        grpc_probe(rt, pod_ip, container, probe["grpc"], timeout, done)
    else:
        rt.clock.call_soon(done, UNKNOWN, "missing probe handler")


def event_message(kind: str, result: str, output: str) -> str:
    """The ``Unhealthy`` event text (prober.go: ``%s probe failed: %s``; Unknown: ``%s probe errored: %s``)."""
    verb = "failed" if result == FAILURE else "errored"
    return f"{kind.capitalize()} probe {verb}: {output}"


class ProbeResults:
    """The prober's results manager (pkg/kubelet/prober/results): the latest result of each probe
    of each container, by (container ID, probe kind). Results flow one way: probe workers
    :meth:`set` them, the pod worker reads them (:meth:`get`) when it builds the pod's status. A change
    calls ``on_change(pod key)``, the kubelet's sync of that pod (syncLoop's probe channels)."""

    def __init__(self, on_change):
        self.on_change = on_change
        self._results: dict[tuple[str, str], str] = {}

    def set(self, cid: str, kind: str, result: str, pod_key: str) -> None:
        if self._results.get((cid, kind)) != result:
            self._results[(cid, kind)] = result
            self.on_change(pod_key)

    def get(self, cid: str | None, kind: str) -> str | None:
        return self._results.get((cid, kind))

    def remove(self, cid: str | None, kind: str) -> None:
        self._results.pop((cid, kind), None)


def trigger_readiness(statuses: list[dict], workers: dict) -> None:
    """prober_manager.UpdatePodStatus's manual trigger: a started container whose readiness is not
    known to be Success (``started`` and not ``ready`` in the status just built) asks its readiness
    worker for a run now (``manualTriggerCh``), so it is marked ready as soon as the probe can tell.
    The pod worker calls this with the statuses it built; building them only read the results."""
    for s in statuses:
        if s.get("started") and not s.get("ready"):
            w = workers.get((s["name"], "readiness"))
            if w is not None:
                w.trigger()


class ProbeWorker:
    """One probe of one container (worker.go). ``pw`` is the pod worker; ``name`` the container."""

    def __init__(self, pw, container: dict, kind: str, init: bool = False):
        self.pw = pw
        self.kl = pw.kl
        self.container = container
        self.name = container["name"]
        self.kind = kind
        self.init = init
        self.spec = container[PROBE_FIELDS[kind]]
        self.settings = probe_settings(self.spec)
        self.initial = INITIAL_RESULT[kind]
        self.results: ProbeResults = self.kl.probe_results   # where this worker's results go
        self.cid: str | None = None
        self.last_result: str | None = None
        self.result_run = 0
        self.on_hold = False
        self.in_flight = False
        self.stopped = False
        self.timer = None
        self.last_manual: float | None = None
        self.last_probe: float | None = None    # when the last probe was sent
        self.probes = 0                         # probes run (for tests and the chapter's counters)

    @property
    def result(self) -> str | None:
        """The results manager's value for this worker's container (None before its first look)."""
        return self.results.get(self.cid, self.kind)

    # --- the ticker -------------------------------------------------------------------------
    def start(self) -> None:
        """``go w.run()``: probe now, then every periodSeconds. AddPod runs before the sync starts
        the containers, so this first look finds no container yet."""
        self._tick()

    def _tick(self) -> None:
        if self.stopped or not self.kl.running:
            return
        self.timer = self.kl.after(self.settings["periodSeconds"], self._tick)
        if not self.in_flight:
            if not self.do_probe():
                self.stop()

    def trigger(self) -> None:
        """``manualTriggerCh``: run the probe now (the status manager asks for a readiness result)."""
        now = self.kl.clock.now
        rec = self.pw.record(self.name, self.init)
        # the worker reads the status manager's copy, one sync behind: a container it has not
        # seen at a tick yet is not probed by a manual trigger
        if self.stopped or self.in_flight or self.last_manual == now or self.last_probe == now \
                or rec is None or rec.cid is None or rec.cid != self.cid:
            return
        self.last_manual = now
        self.kl.clock.call_soon(self._manual)

    def _manual(self) -> None:
        if not self.stopped and not self.in_flight and self.kl.running:
            if not self.do_probe():
                self.stop()

    def stop(self) -> None:
        self.stopped = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    # --- doProbe ----------------------------------------------------------------------------
    def set_result(self, result: str) -> None:
        """Write to the results manager (a change wakes the pod worker)."""
        self.results.set(self.cid, self.kind, result, self.pw.key)

    def do_probe(self) -> bool:
        """One tick of worker.go's doProbe; False when the worker should end."""
        pw, kl = self.pw, self.kl
        if pw.finished:
            return False
        rec = pw.record(self.name, self.init)
        if rec is None or rec.cid is None:
            return True
        st = kl.runtime.container_status(rec.cid)
        if self.cid != rec.cid:
            self.results.remove(self.cid, self.kind)    # the old container's result goes with it
            self.cid = rec.cid
            self.set_result(self.initial)
            self.on_hold = False
            self.result_run = 0
            self.last_result = None
        if self.on_hold:
            return True
        if st.state != "running" or rec.stopping:
            if st.state == "exited":
                self.set_result(FAILURE)
                restart = pw.restart_policy_for(self.container, self.init)
                return restart != "Never"
            return True
        if pw.deleting and self.kind in ("liveness", "startup"):
            self.set_result(SUCCESS)
            return False
        if int(kl.clock.now - st.started_at) < self.settings["initialDelaySeconds"]:
            return True
        started = pw.is_started(self.name, self.init)
        if started and self.kind == "startup":
            return True
        if not started and self.kind != "startup":
            return True
        self.in_flight = True
        self.last_probe = kl.clock.now
        self.probes += 1
        cid = rec.cid
        run_probe(kl.runtime, pw.ip, cid, self.container, self.spec,
                  lambda result, output: self._done(cid, result, output))
        return True

    def _done(self, cid: str, result: str, output: str) -> None:
        self.in_flight = False
        if self.stopped or not self.kl.running or cid != self.cid:
            return
        rec = self.pw.record(self.name, self.init)
        if rec is None or rec.cid != cid:
            return
        pod = self.pw.pod
        if result != SUCCESS and pod is not None:
            self.kl.event_for(pod, "Warning", "Unhealthy", event_message(self.kind, result, output), self.name,
                              init=self.init)
        if result == UNKNOWN:
            return                          # an error: nothing changes (``if err != nil { return true }``)
        if result == self.last_result:
            self.result_run += 1
        else:
            self.last_result = result
            self.result_run = 1
        s = self.settings
        if (result == FAILURE and self.result_run < s["failureThreshold"]) or \
                (result == SUCCESS and self.result_run < s["successThreshold"]):
            return
        self.kl.traced(self.pw.key, self.kl.observe,
                       f"{self.name}: {self.kind} probe {result.lower()} ({self.result_run} in a row)")
        self.set_result(result)
        if self.kind in ("liveness", "startup") and result == FAILURE:
            self.on_hold = True
            self.result_run = 0
