"""containerd: the container runtime the kubelet drives through the CRI.

The kubelet does not run containers itself: it asks a CRI runtime (containerd,
CRI-O) to pull images, to create a *pod sandbox* (the network namespace every
container of the pod shares, kept alive by the ``pause`` process) and to
create, start, stop and remove containers in it
(https://kubernetes.io/docs/concepts/architecture/cri/). This module is that
runtime for one node. What makes a container here (:mod:`.container`) is what makes one on Linux:

* a PID namespace: the entrypoint is PID 1, ``ps`` sees only the container's processes;
* a mount namespace: its own copy of the image's files, plus volumes and the pod's
  ``/etc/hosts``, ``/etc/resolv.conf`` and ``/etc/hostname``;
* a UTS namespace: ``hostname`` is the pod's hostname;
* the pod's network namespace, shared with the other containers of the pod (same IP,
  ``localhost`` reaches their ports);
* a cgroup: a memory limit enforced by the OOM killer, a CPU quota that throttles.

Stopping a container is ``SIGTERM`` to PID 1, then ``SIGKILL`` when the grace
period ends (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).
Every state change is announced to subscribers, as the kubelet's PLEG (pod
lifecycle event generator) learns of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..api.expansion import expand_env_refs
from ..api.meta import rfc3339_micro
from .capabilities import capability_set
from .command import command_line
from .container import Container, ContainerStatus
from .cpu import NodeCpu
from .fs import FsError
from .images import CATALOGUE, PULL_OVERHEAD, ImagePullError, ImageRegistry, PullFailure, normalize
from ..net.podnetwork import HttpResponse, PodNetwork, http_request, tcp_connect
from .process import Cgroup, PidNamespace, Stream
from .sandbox import Sandbox, default_hosts
# The sandbox (infra) container's image: the kubelet's --pod-infra-container-image default in v1.33.
SANDBOX_IMAGE = "registry.k8s.io/pause:3.10"
# The first host PID the node hands out to containers (PIDs below belong to systemd, kubelet, ...).
FIRST_HOST_PID = 4000


@dataclass
class ExecResult:
    """The outcome of an exec: exit code, combined stdout+stderr, and whether it timed out."""

    exit_code: int
    output: str
    timed_out: bool = False


class ContainerRuntime:
    """containerd on one node, as the kubelet sees it through the CRI (see HACKING.md)."""

    def __init__(self, clock, rng, node_name: str, network: PodNetwork | None = None,
                 registry: ImageRegistry | None = None, cpu_capacity: float | None = None):
        self.clock = clock
        # the node's cores (millicores; None: as many as anyone wants). The kubelet may set
        # rt.cpu.capacity to the node's CPU capacity so busy pods compete as on a real node.
        self.cpu = NodeCpu(clock, cpu_capacity)
        self.rng = rng
        self.node_name = node_name
        self.network = network if network is not None else PodNetwork()
        if registry is None:
            registry = getattr(self.network, "registry", None)
            if registry is None:          # one registry per cluster, reachable from every node
                registry = ImageRegistry(parent=CATALOGUE)
                self.network.registry = registry
        self.registry = registry
        from .catalogue import PROGRAMS
        # The command table: program name -> fn(proc). Other modules add theirs
        # (``rt.programs["wget"] = fn``); a busybox applet with no program here prints
        # "applet not found".
        self.programs: dict = dict(PROGRAMS)
        self.images: dict[str, object] = {}            # full ref -> Image (the node's image store)
        # How a process turns a host name into an IP (curl, wget): fn(proc, name) -> ip | None.
        # The network module installs the resolv.conf/CoreDNS resolver; without it only IPs work.
        self.resolver = None
        # fn(cid) called after a container's memory grew: the node-level OOM killer (the kubelet
        # installs it with the node's capacity and each container's oom_score_adj), or None
        self.memory_watch = None
        # the node's kubepods cgroup: every container in self.containers is its child, so its
        # memory is the sum of max(0, cgroup memory) over them (see memory_bound)
        self.kubepods = Cgroup()
        self.sandboxes: dict[str, Sandbox] = {}
        self.containers: dict[str, Container] = {}
        self._subscribers: list = []
        self._seq = 0
        self._host_pid = FIRST_HOST_PID
        self._ns_inode = 4026532000           # namespace inode numbers start about here on Linux

    @property
    def memory_bound(self) -> int:
        """An upper bound of the RAM the running containers use (the kubepods cgroup's memory),
        which lets the node's OOM check skip its sum while the node has room."""
        return self.kubepods.memory

    def _new_id(self, *parts) -> str:
        self._seq += 1
        text = "/".join([self.node_name, str(self._seq)] + [str(p) for p in parts])
        return hashlib.sha256(text.encode()).hexdigest()

    def _alloc_host_pid(self) -> int:
        self._host_pid += 1
        return self._host_pid

    def _alloc_ns_inode(self) -> int:
        """A namespace's inode number (what ``ls -l /proc/PID/ns`` shows)."""
        self._ns_inode += 1
        return self._ns_inode

    # --- the node's view ---------------------------------------------------------------------
    def node_ps(self) -> str:
        """``ps`` on the node: every container's processes, with the node's PIDs next to the PIDs
        their own namespace gives them -- a container is just processes of the node."""
        rows = ["  PID  NSPID  CONTAINER            POD                  COMMAND"]
        procs = []
        for sb in [self.sandboxes[k] for k in sorted(self.sandboxes)]:
            for c in ([sb.pause] if sb.pause is not None else []) + \
                     [self.containers[cid] for cid in sb.containers if cid in self.containers]:
                procs.extend((p.host_pid, p, c, sb) for p in c.own.values() if p.alive)
        for host_pid, p, c, sb in sorted(procs, key=lambda x: x[0]):
            rows.append(f"{host_pid:5d}  {p.pid:5d}  {c.name[:20]:<20} {sb.name[:20]:<20} {p.cmdline}")
        return "\n".join(rows) + "\n"

    def namespaces(self, cid: str) -> dict:
        """The container's namespaces as ``ls -l /proc/PID/ns`` names them, and its cgroup.

        A pod's containers share the network, IPC and UTS namespaces (the sandbox's); each has
        its own mount namespace, and its own PID namespace unless the pod shares one.
        """
        c = self.containers[cid]
        sb = c.sandbox
        return {"net": f"net:[{sb.ns_inodes['net']}]", "ipc": f"ipc:[{sb.ns_inodes['ipc']}]",
                "uts": f"uts:[{sb.ns_inodes['uts']}]", "pid": f"pid:[{c.pidns.inode}]",
                "mnt": f"mnt:[{c.mnt_inode}]", "cgroup": f"{sb.cgroup_parent}/cri-containerd-{c.id}.scope"}

    # --- images -------------------------------------------------------------------------
    def image_known(self, ref: str) -> bool:
        try:
            self.registry.resolve(ref)
            return True
        except ImagePullError:
            return False

    def has_image(self, ref: str) -> bool:
        try:
            return normalize(ref) in self.images
        except ImagePullError:
            return False

    def pull_image(self, ref: str, on_done) -> None:
        """Pull ``ref``; ``on_done(error, image_id)`` runs when the pull ends (virtual seconds later)."""
        try:
            img = self.registry.resolve(ref)
        except ImagePullError as e:
            # the failed resolve takes a round trip to the registry
            self.clock.call_later(PULL_OVERHEAD, on_done, PullFailure(str(e), e.code), None)
            return

        def done():
            self.images[img.ref] = img
            on_done(None, img.repo_digest)
        self.clock.call_later(self.registry.pull_seconds(img), done)

    def pull_seconds(self, ref: str) -> float:
        return self.registry.pull_seconds(self.registry.resolve(ref))

    def image_size(self, ref: str) -> int:
        try:
            return self.registry.resolve(ref).size
        except ImagePullError:
            return 0

    def list_images(self) -> list[str]:
        return sorted(self.images)

    def remove_image(self, ref: str) -> None:
        self.images.pop(normalize(ref), None)

    # --- pod sandboxes --------------------------------------------------------------------
    def run_pod_sandbox(self, pod_uid: str, name: str, namespace: str, hostname: str, ip: str,
                        hosts: str | None = None, resolv_conf: str | None = None,
                        share_process_namespace: bool = False, cgroup_parent: str | None = None) -> Sandbox:
        """The pod's sandbox. With ``share_process_namespace`` (``spec.shareProcessNamespace``) its
        containers share one PID namespace whose PID 1 is the sandbox's pause process.
        ``cgroup_parent``: the pod's cgroup, which the kubelet picks by QoS class
        (``/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice``)."""
        sid = self._new_id("sandbox", namespace, name, pod_uid)
        sb = Sandbox(sid, pod_uid, name, namespace, hostname, ip,
                     hosts if hosts is not None else default_hosts(hostname, ip),
                     resolv_conf if resolv_conf is not None else "nameserver 10.96.0.10\n")
        self.sandboxes[sid] = sb
        sb.ns_inodes = {kind: self._alloc_ns_inode() for kind in ("net", "ipc", "uts")}
        sb.cgroup_parent = cgroup_parent or f"/kubepods.slice/kubepods-pod{pod_uid.replace('-', '_')}.slice"
        if ip:
            self.network.attach(ip, sb)
        if share_process_namespace:
            sb.pidns = PidNamespace()
            sb.pidns.inode = self._alloc_ns_inode()
            img = self.registry.resolve(SANDBOX_IMAGE)
            sb.pause = Container(self, self._new_id("pause", sid), sb, "POD", img, ["/pause"], dict(img.env), "/",
                                 [], None, None, None, None, 0, False, False)
            sb.pause.start(notify=False)
        return sb

    def stop_pod_sandbox(self, sid: str) -> None:
        sb = self.sandboxes.get(sid)
        if sb is None:
            return
        for cid in list(sb.containers):
            c = self.containers.get(cid)
            if c is not None and c.state == "running":
                self.signal(cid, "SIGKILL")
        if sb.pause is not None and sb.pause.state == "running":
            sb.pause.init.signal("SIGTERM")           # pause exits 0 on it
        sb.state = "notready"
        if sb.ip:
            self.network.detach(sb.ip, sb)

    def remove_pod_sandbox(self, sid: str) -> None:
        self.stop_pod_sandbox(sid)
        sb = self.sandboxes.pop(sid, None)
        if sb is not None:
            for cid in list(sb.containers):
                c = self.containers.pop(cid, None)
                if c is not None:
                    c.cgroup.detach()

    # --- containers -------------------------------------------------------------------------
    def create_container(self, sandbox_id: str, name: str, image: str, command=None, args=None, env=None,
                         working_dir=None, mounts=None, memory_limit=None, cpu_limit=None,
                         memory_request=None, cpu_request=None, tty=False, stdin=False,
                         run_as_user=None, swap_limit=None, run_as_group=None, supplemental_groups=None,
                         read_only_root=False, target_container=None, cap_add=None, cap_drop=None,
                         privileged=False) -> str:
        """Create (not start) a container; ``command``/``args`` override ENTRYPOINT/CMD as Kubernetes does.

        https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes
        """
        sb = self.sandboxes[sandbox_id]
        img = self.images.get(normalize(image)) or self.registry.resolve(image)
        argv = command_line(img.entrypoint, img.cmd, command, args)
        full_env = dict(img.env)
        full_env["HOSTNAME"] = sb.hostname
        full_env.setdefault("HOME", "/root")
        for k, v in (env or {}).items():
            full_env[k] = str(v)
        argv = [expand_env_refs(a, full_env) for a in argv]
        cid = self._new_id("container", sandbox_id, name)
        uid = img.user if run_as_user is None else int(run_as_user)
        c = Container(self, cid, sb, name, img, argv, full_env, working_dir or img.workdir, mounts,
                      memory_limit, cpu_limit, memory_request, cpu_request, uid, stdin, tty, swap_limit or 0)
        c.caps = capability_set(cap_add, cap_drop, privileged)
        if read_only_root:                     # securityContext.readOnlyRootFilesystem
            c.fs.mounts["/"] = (c.fs.root, True)
        if target_container is not None:       # an ephemeral container's targetContainerName (kubectl debug)
            target = self.containers[target_container]
            c.pidns = target.pidns
        c.gid = int(run_as_group) if run_as_group is not None else 0
        c.groups = sorted(int(g) for g in supplemental_groups or [])
        self.containers[cid] = c
        c.cgroup.attach(self.kubepods)
        sb.containers.append(cid)
        return cid

    def start_container(self, cid: str) -> None:
        self.containers[cid].start()

    def stop_container(self, cid: str, grace_seconds: float, on_done=None) -> None:
        """SIGTERM to PID 1, SIGKILL after ``grace_seconds``; ``on_done()`` once it has exited."""
        c = self.containers.get(cid)
        if c is None or c.state != "running":
            if on_done is not None:
                self.clock.call_soon(on_done)
            return
        if on_done is not None:
            c._stop_callbacks.append(on_done)
        if c._kill_timer is None:
            c._kill_timer = self.clock.call_later(max(0.0, grace_seconds), self._kill_after_grace, cid)
        if grace_seconds <= 0:
            return
        self.signal(cid, "SIGTERM")

    def _kill_after_grace(self, cid: str) -> None:
        c = self.containers.get(cid)
        if c is not None:
            c._kill_timer = None
            if c.state == "running":
                self.signal(cid, "SIGKILL")

    def signal(self, cid: str, sig: str) -> None:
        """Send ``sig`` to the container's PID 1 (``kill`` on the node, outside the namespace)."""
        c = self.containers.get(cid)
        if c is None or c.state != "running":
            return
        init = c.init
        if init is None or not init.alive:
            return
        if sig == "SIGKILL":
            # from outside the namespace SIGKILL always works, even on PID 1
            init._finish(137, "SIGKILL")
        else:
            init.signal(sig)

    def remove_container(self, cid: str) -> None:
        c = self.containers.pop(cid, None)
        if c is not None:
            c.cgroup.detach()
            if c.state == "running" and c.init is not None:
                c.init._finish(137, "SIGKILL")
            if cid in c.sandbox.containers:
                c.sandbox.containers.remove(cid)

    def container_status(self, cid: str) -> ContainerStatus:
        return self.containers[cid].status()

    def container_state(self, cid: str) -> str:
        """``container_status(cid).state`` ("created" | "running" | "exited") without building the
        whole status: the kubelet often needs only the state, several times per pod sync."""
        return self.containers[cid].state

    def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]:
        return [c.status() for _, c in sorted(self.containers.items())
                if sandbox_id is None or c.sandbox.id == sandbox_id]

    def subscribe(self, fn) -> None:
        """PLEG: ``fn(cid, "started"|"exited")`` on every container state change."""
        self._subscribers.append(fn)

    def _notify(self, cid: str, event: str) -> None:
        for fn in list(self._subscribers):
            fn(cid, event)

    # --- logs, exec, stats ------------------------------------------------------------------
    def logs(self, cid: str, tail: int | None = None, timestamps: bool = False, since: float | None = None) -> str:
        """What ``kubectl logs`` prints for this container instance: stdout and stderr interleaved as
        written; a last line without a newline (``echo -n``, a shell prompt) is printed without one.
        ``since`` is a virtual time; ``timestamps`` prefixes RFC 3339 times as ``--timestamps`` does."""
        c = self.containers[cid]
        pending = [(self.clock.now, s, p, False) for s, p in c._partial.items() if p]
        lines = [(t, text, done) for t, _, text, done in c.log + pending if since is None or t >= since]
        if tail is not None and tail >= 0:
            lines = lines[-tail:] if tail else []
        if timestamps:
            return "".join(f"{rfc3339_micro(t).replace('Z', '000Z')} {text}" + ("\n" if done else "")
                           for t, text, done in lines)
        return "".join(text + ("\n" if done else "") for _, text, done in lines)

    def exec_async(self, cid: str, argv: list[str], on_done, timeout: float | None = None,
                   stdin: str | None = None) -> None:
        """Run ``argv`` inside the container (its namespaces, env, working dir); ``on_done(ExecResult)``."""
        c = self.containers.get(cid)
        if c is None or c.state != "running":
            self.clock.call_soon(on_done, ExecResult(126, "OCI runtime exec failed: exec failed: cannot exec in "
                                                          "a stopped container: unknown\n"))
            return
        out: list[str] = []
        sink = Stream(out.append)
        path, program = c.find_program(argv[0], c.env, c.working_dir) if argv else (None, None)
        if program is None:
            msg = ("OCI runtime exec failed: exec failed: unable to start container process: exec: "
                   f'"{argv[0] if argv else ""}": executable file not found in $PATH: unknown\n')
            self.clock.call_soon(on_done, ExecResult(126, msg))
            return
        state = {"done": False, "timer": None}
        proc = c.spawn(list(argv), c.env, c.working_dir, sink, sink, stdin=stdin, uid=c.uid, program=program)

        def finished(code):
            if state["done"]:
                return
            state["done"] = True
            if state["timer"] is not None:
                state["timer"].cancel()
            on_done(ExecResult(code, "".join(out)))

        def expired():
            if state["done"]:
                return
            state["done"] = True
            if proc.alive:
                proc._finish(137, "SIGKILL")
            on_done(ExecResult(137, "".join(out), timed_out=True))

        if not proc.alive:
            self.clock.call_soon(finished, proc.exit_code)
        else:
            proc._waiters.append(finished)
            if timeout is not None:
                state["timer"] = self.clock.call_later(timeout, expired)

    def exec_sync(self, cid: str, argv: list[str], stdin: str | None = None, timeout: float = 60) -> ExecResult:
        """exec and run the clock until the command ends (or ``timeout`` virtual seconds pass).

        For callers outside the event loop (``kubectl exec`` from a notebook); code running inside a
        clock callback (a probe, a hook) must use :meth:`exec_async`.
        """
        box: list[ExecResult] = []
        self.exec_async(cid, argv, box.append, timeout=timeout, stdin=stdin)
        while not box and self.clock.step():
            pass
        return box[0] if box else ExecResult(137, "", timed_out=True)

    def read_file(self, cid: str, path: str) -> str | None:
        """A file in the container's filesystem, or None (the kubelet reads the termination message,
        ``terminationMessagePath``, /dev/termination-log by default, when a container exits)."""
        c = self.containers.get(cid)
        if c is None:
            return None
        try:
            return c.fs.read(path)
        except FsError:
            return None

    def oom_kill(self, cid: str) -> None:
        """The node's OOM killer picks this container (the kubelet's eviction, issue 5, decides which)."""
        c = self.containers.get(cid)
        if c is not None and c.state == "running":
            c.oom_kill()

    def stats(self, cid: str) -> dict:
        """Memory working set (bytes) and CPU in use (millicores), as cAdvisor reports them."""
        c = self.containers[cid]
        self.cpu.account(cid)
        running = c.state == "running"
        return {"memory": c.cgroup.ram if running else 0, "swap": c.cgroup.swap if running else 0,
                "cpu": int(round(c.cgroup.running_millis)) if running else 0,
                "cpu_seconds": c.cgroup.cpu_seconds, "throttled_seconds": c.cgroup.throttled_seconds,
                "nr_throttled": c.cgroup.nr_throttled}

    def sandbox_stats(self, sid: str) -> dict:
        totals = {"memory": 0, "cpu": 0}
        for cid in self.sandboxes[sid].containers:
            s = self.stats(cid)
            totals["memory"] += s["memory"]
            totals["cpu"] += s["cpu"]
        return totals

    # --- the network, seen from the node or from a pod --------------------------------------
    def _src(self, src):
        if src is None or isinstance(src, Sandbox):
            return src
        return self.sandboxes[src]

    def http(self, ip_or_sandbox, port: int, method: str = "GET", path: str = "/", headers: dict | None = None,
             timeout: float | None = None, body: str = "", src=None) -> HttpResponse:
        """An HTTP request to ``ip:port`` (from the node, or from sandbox ``src``), or to a sandbox's localhost.

        Raises ConnectionRefused / NoRouteToHost / Timeout (``network.py``); the response's
        ``delay`` says how many virtual seconds the server took.
        """
        if isinstance(ip_or_sandbox, Sandbox) or ip_or_sandbox in self.sandboxes:
            sb = self._src(ip_or_sandbox)
            return http_request(self.network, sb, "127.0.0.1", port, method, path, headers, body, timeout)
        return http_request(self.network, self._src(src), ip_or_sandbox, port, method, path, headers, body,
                            timeout)

    def tcp_connect(self, ip_or_sandbox, port: int, src=None) -> bool:
        if isinstance(ip_or_sandbox, Sandbox) or ip_or_sandbox in self.sandboxes:
            return tcp_connect(self.network, self._src(ip_or_sandbox), "127.0.0.1", port)
        return tcp_connect(self.network, self._src(src), ip_or_sandbox, port)
