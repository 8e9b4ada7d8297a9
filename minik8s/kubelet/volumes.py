"""The kubelet's volume manager: the directories a pod's containers mount.

Before the kubelet starts a pod's containers it waits until every volume of the pod is
attached and mounted (``WaitForAttachAndMount`` in pkg/kubelet/volumemanager). A volume here
is a :class:`~minik8s.runtime.Dir` (or a :class:`~minik8s.runtime.File` for a ``subPath`` of one
file) that the runtime mounts into each container at ``mountPath``
(https://kubernetes.io/docs/concepts/storage/volumes/). Where each type's data lives decides
when it dies:

* ``emptyDir`` - a fresh directory per pod, shared by its containers, kept across container
  restarts, gone with the pod; ``medium: Memory`` is a tmpfs whose files count against the
  writing container's memory limit;
* ``hostPath`` - a directory of the *node* (:attr:`VolumeManager.node_root`): it outlives the pod
  and is shared by the pods of that node only; ``type`` is checked (``DirectoryOrCreate``, ...);
* ``configMap`` / ``secret`` / ``downwardAPI`` / ``projected`` - files the kubelet writes, one per
  key (``items`` pick keys and paths, ``defaultMode``/``mode`` set permissions), refreshed every
  sync period (:data:`SYNC_FREQUENCY`) - never for a ``subPath`` mount, which keeps the file it
  got (https://kubernetes.io/docs/concepts/configuration/configmap/#mounted-configmaps-are-updated-automatically);
* ``persistentVolumeClaim`` - the bound PersistentVolume's data: a ``hostPath``/``local`` PV is a
  directory of the node; any other PV (csi, nfs, ...) is a disk of the cluster's storage backend
  (:func:`minik8s.storage.backend.disks`), which outlives pods and nodes
  (https://kubernetes.io/docs/concepts/storage/persistent-volumes/).

A volume that cannot be set up (a missing ConfigMap, an unbound claim) keeps the pod in
``ContainerCreating`` with a ``FailedMount`` event in the kubelet's words, retried with the
exponential back-off of the operation executor (500 ms doubling to 2 min 2 s).
"""

from __future__ import annotations

import base64

from .. import errors
from ..api.quantity import memory_bytes
from ..runtime import Dir, Mount
from ..storage.backend import attachments, disks
from .volume_sources import (DEFAULT_MODE, MountError, config_files, downward_value, hostpath_check,
                             service_account_token, walk_files, write_files)

SYNC_FREQUENCY = 60.0              # kubelet --sync-frequency: mounted ConfigMaps/Secrets refresh this often
MOUNT_BACKOFF_INITIAL = 0.5        # nestedpendingoperations: initialDurationBeforeRetry
MOUNT_BACKOFF_MAX = 122.0          # maxDurationBeforeRetry (2m2s)
MOUNT_WAIT_TIMEOUT = 123.0         # podAttachAndMountTimeout: 2 min + 3 s, then "timed out waiting"
LIMIT_CHECK_PERIOD = 10.0          # the eviction manager's housekeeping interval (evictionMonitoringPeriod)


class PodVolumes:
    """What the volume manager keeps for one pod (by uid): its mounted volumes."""

    def __init__(self, uid: str):
        self.uid = uid
        self.dirs: dict[str, object] = {}        # volume name -> Dir/File
        self.sources: dict[str, dict] = {}       # volume name -> what its files were built from (refresh)
        self.backoff: dict[str, tuple] = {}      # volume name -> (next try at, delay)
        self.attached: dict[str, str] = {}       # volume name -> backend disk attached for it
        self.read_only: set[str] = set()         # volumes mounted read-only whatever the volumeMount says
        self.refresh_timer = None
        self.limit_timer = None                  # the sizeLimit check of its emptyDirs
        self.waiting_since: float | None = None  # when this round of WaitForAttachAndMount began
        self.unattached: set[str] = set()        # volumes whose attach failed


class VolumeManager:
    """One kubelet's volume manager. ``node_root`` is the node's own filesystem (hostPath, local PVs).

    The kubelet calls :meth:`setup` before it syncs a pod and :meth:`mounts` when it creates a
    container; the manager answers from its own state and asks the kubelet only through the
    three calls it was given (``live_uids``, ``pod_state``, ``evict``)."""

    def __init__(self, clock, api, recorder, node_name: str, ctx, live_uids, pod_state, evict):
        self.clock = clock
        self.api = api                      # the kubelet's API client
        self.recorder = recorder            # the kubelet component: trace steps (diff/observe) and events
        self.node_name = node_name
        self.ctx = ctx                      # the cluster's storage backend (disks, attachments)
        # what the volume manager asks the kubelet (it does not read the kubelet's tables):
        self.live_uids = live_uids          # () -> uids of the pods the kubelet runs
        self.pod_state = pod_state          # (uid) -> None (no pod worker) | (key, pod | None, active)
        self.evict = evict                  # (key, pod, message): the kubelet evicts the pod
        self.node_root = Dir(0o755)
        self.pods: dict[str, PodVolumes] = {}

    # --- WaitForAttachAndMount ----------------------------------------------------------------
    def setup(self, pod: dict) -> float | None:
        """Mount every volume of ``pod``. None when all are ready, else seconds until the next try
        (each failure is a ``FailedMount`` Warning event, as the kubelet's reconciler reports it)."""
        uid = pod["metadata"]["uid"]
        pv = self.pods.get(uid)
        if pv is None:
            self.forget_orphans()            # a new pod: tear down what pods gone since left behind
            pv = self.pods[uid] = PodVolumes(uid)
        now = self.clock.now
        wait = None
        for vol in pod["spec"].get("volumes") or []:
            name = vol.get("name")
            if name in pv.dirs:
                continue
            nxt, delay = pv.backoff.get(name, (0.0, 0.0))
            if now < nxt:
                wait = min(wait or nxt - now, nxt - now)
                continue
            try:
                pv.dirs[name] = self.set_up(pod, vol, pv)
                pv.backoff.pop(name, None)
                pv.unattached.discard(name)
                self.recorder.diff(f"volume {name}: mounted")
            except MountError as e:
                if getattr(e, "reason", "") == "FailedAttachVolume":
                    pv.unattached.add(name)
                delay = MOUNT_BACKOFF_INITIAL if not delay else min(delay * 2, MOUNT_BACKOFF_MAX)
                pv.backoff[name] = (now + delay, delay)
                msg = str(e)
                self.recorder.observe(f"volume {name}: {msg}")
                self.recorder.event(pod, "Warning", getattr(e, "reason", "FailedMount"),
                         msg if getattr(e, "whole", False) else
                         f'MountVolume.SetUp failed for volume "{name}" : {msg}')
                wait = min(wait or delay, delay)
        if wait is None:
            pv.waiting_since = None
        elif pv.waiting_since is None:
            pv.waiting_since = now
        elif now - pv.waiting_since >= MOUNT_WAIT_TIMEOUT:
            # syncPod gave up waiting for this round: say which volumes are still missing
            pv.waiting_since = now
            missing = [v["name"] for v in pod["spec"].get("volumes") or [] if v["name"] not in pv.dirs]
            self.recorder.event(pod, "Warning", "FailedMount", unmounted_message(missing, sorted(pv.unattached)))
        if pv.waiting_since is not None:
            wait = min(wait, max(pv.waiting_since + MOUNT_WAIT_TIMEOUT - now, 0.0) or MOUNT_WAIT_TIMEOUT)
        if pv.sources and pv.refresh_timer is None:
            pv.refresh_timer = self.clock.call_later(SYNC_FREQUENCY, self._refresh, uid)
        if pv.limit_timer is None and size_limits(pod):
            pv.limit_timer = self.clock.call_later(LIMIT_CHECK_PERIOD, self._check_limits, uid)
        return wait

    def mounts(self, pod: dict, c: dict) -> list:
        """Container ``c``'s ``volumeMounts`` as runtime Mounts (mountPath, readOnly, subPath)."""
        pv = self.pods.get(pod["metadata"]["uid"])
        out = []
        if pv is None:
            return out
        for vm in c.get("volumeMounts") or []:
            node = pv.dirs.get(vm.get("name"))
            if node is None:
                continue
            # configMap & co are always read-only, and so is a claim with persistentVolumeClaim.readOnly
            read_only = bool(vm.get("readOnly")) or vm.get("name") in pv.sources or vm.get("name") in pv.read_only
            sub = vm.get("subPath") or None
            if sub and isinstance(node, Dir):
                target = node
                for part in [p for p in sub.split("/") if p]:
                    nxt = target.entries.get(part) if isinstance(target, Dir) else None
                    if nxt is None and isinstance(target, Dir):
                        nxt = target.entries[part] = Dir(0o755, mtime=self.clock.now)
                    target = nxt
                out.append(Mount(vm["mountPath"], target, read_only))   # a bind mount of that entry now
            else:
                out.append(Mount(vm["mountPath"], node, read_only))
        return out

    def forget_orphans(self) -> None:
        """Volumes of pods the kubelet no longer runs are torn down (emptyDir data is gone)."""
        live = self.live_uids()
        # in uid order; only the orphans are sorted (usually there are none), not every pod here
        for uid in sorted([uid for uid in self.pods if uid not in live]):
            pv = self.pods.pop(uid)
            for t in (pv.refresh_timer, pv.limit_timer):
                if t is not None:
                    t.cancel()
            for name in sorted(pv.dirs):
                self._detach(pv, name)

    # --- one volume ---------------------------------------------------------------------------
    def set_up(self, pod: dict, vol: dict, pv: PodVolumes):
        now = self.clock.now
        name = vol["name"]
        if "emptyDir" in vol:
            d = Dir(0o777, mtime=now)
            if (vol.get("emptyDir") or {}).get("medium") == "Memory":
                d.tmpfs = True
            return d
        if "hostPath" in vol:
            hp = vol["hostPath"] or {}
            return hostpath_check(self.node_root, hp.get("path", "/"), hp.get("type") or "", now)
        if any(k in vol for k in ("configMap", "secret", "downwardAPI", "projected")):
            d = Dir(0o777 if "projected" in vol else 0o755, mtime=now)
            files = self.projected_files(pod, vol)
            write_files(d, files, now)
            pv.sources[name] = vol
            return d
        if "persistentVolumeClaim" in vol:
            if (vol.get("persistentVolumeClaim") or {}).get("readOnly"):
                pv.read_only.add(name)        # persistentVolumeClaim.readOnly: every mount is read-only
            return self.claim_dir(pod, vol, pv)
        raise MountError(f"volume type of {name} is not supported by minik8s")

    def projected_files(self, pod: dict, vol: dict) -> dict:
        """The files of a configMap, secret, downwardAPI or projected volume, read now."""
        ns = pod["metadata"].get("namespace", "default")
        if "projected" in vol:
            spec = vol["projected"] or {}
            out = {}
            for src in spec.get("sources") or []:
                out.update(self._source_files(pod, ns, src, spec.get("defaultMode")))
            return out
        return self._source_files(pod, ns, vol, None)

    def _source_files(self, pod, ns, src, default_mode) -> dict:
        for key, kind, what in (("configMap", "configmaps", "configmap"), ("secret", "secrets", "secret")):
            if key not in src:
                continue
            ref = src[key] or {}
            obj_name = ref.get("name") if key == "configMap" else (ref.get("secretName") or ref.get("name"))
            try:
                obj = self.api.get(kind, obj_name, ns)
            except errors.ApiError as e:
                if e.code != 404:
                    raise MountError(e.message) from None
                if ref.get("optional"):
                    return {}
                raise MountError(f'{what} "{obj_name}" not found') from None
            data = dict(obj.get("data") or {})
            if key == "secret":      # base64 in the API, plain bytes in the container
                data = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in data.items()}
            elif obj.get("binaryData"):
                for k, v in obj["binaryData"].items():
                    data[k] = base64.b64decode(v).decode("utf-8", "replace")
            mode = ref.get("defaultMode", default_mode)
            return config_files(data, ref.get("items"), mode, bool(ref.get("optional")), what, obj_name)
        if "downwardAPI" in src:
            spec = src["downwardAPI"] or {}
            mode = spec.get("defaultMode", default_mode)
            mode = DEFAULT_MODE if mode is None else int(mode)
            return {it["path"]: (downward_value(pod, it), int(it.get("mode", mode)))
                    for it in spec.get("items") or []}
        if "serviceAccountToken" in src:
            tok = src["serviceAccountToken"] or {}
            sa = pod["spec"].get("serviceAccountName") or "default"
            return {tok.get("path", "token"): (service_account_token(pod, sa), DEFAULT_MODE if default_mode is None
                                                else int(default_mode))}
        return {}

    def _check_limits(self, uid: str) -> None:
        """localStorageEviction for emptyDir: a pod whose emptyDir holds more than its ``sizeLimit``
        is evicted (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir-configuration-example)."""
        pv = self.pods.get(uid)
        if pv is None:
            return
        pv.limit_timer = None
        state = self.pod_state(uid)
        if state is None:
            return
        pv.limit_timer = self.clock.call_later(LIMIT_CHECK_PERIOD, self._check_limits, uid)
        key, pod, active = state
        if pod is None or not active:
            return
        for name, limit_text, limit in size_limits(pod):
            d = pv.dirs.get(name)
            used = sum(len(f.data) for _rel, f in walk_files(d)) if isinstance(d, Dir) else 0
            if used > limit:
                msg = f'Usage of EmptyDir volume "{name}" exceeds the limit "{limit_text}". '
                self.recorder.traced(key, self.evict, key, pod, msg)   # evictPod, as the eviction manager
                return

    def _refresh(self, uid: str) -> None:
        """Every sync period: rewrite the files of the pod's configMap/secret/downwardAPI volumes."""
        pv = self.pods.get(uid)
        if pv is None:
            return
        pv.refresh_timer = None
        state = self.pod_state(uid)
        if state is None:
            self.forget_orphans()
            return
        pv.refresh_timer = self.clock.call_later(SYNC_FREQUENCY, self._refresh, uid)
        key, pod, _active = state
        if pod is None:
            return             # a stopped kubelet refreshes nothing
        for name in sorted(pv.sources):
            try:
                files = self.projected_files(pod, pv.sources[name])
            except MountError:
                continue       # the object went away: the files stay as they were
            d = pv.dirs[name]
            old = {_rel: (f.data, f.mode) for _rel, f in walk_files(d)}
            if old != files:
                self.recorder.traced(key, self.recorder.diff, f"volume {name}: files updated")
                write_files(d, files, self.clock.now)

    # --- persistentVolumeClaim ----------------------------------------------------------------
    def claim_dir(self, pod: dict, vol: dict, pv: PodVolumes):
        """The bound PV's data directory (waits while the claim is missing or unbound)."""
        api = self.api
        ns = pod["metadata"].get("namespace", "default")
        claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
        try:
            pvc = api.get("persistentvolumeclaims", claim, ns)
        except errors.ApiError:
            e = MountError(f'persistentvolumeclaim "{claim}" not found')
            raise e from None
        if (pvc.get("status") or {}).get("phase") != "Bound" or not (pvc.get("spec") or {}).get("volumeName"):
            raise MountError(f'PVC {ns}/{claim} is not bound')
        try:
            pvo = api.get("persistentvolumes", pvc["spec"]["volumeName"])
        except errors.ApiError:
            raise MountError(f'persistentvolume "{pvc["spec"]["volumeName"]}" not found') from None
        d = self.volume_data(pvo, pod)
        if "hostPath" not in pvo["spec"] and "local" not in pvo["spec"]:
            self.attach(pvo, pod, pv, vol["name"])
        return d

    def attach(self, pvo: dict, pod: dict, pv: PodVolumes, name: str) -> None:
        """Attach a backend disk to this node. A ReadWriteOnce disk attaches to one node at a time:
        a pod elsewhere gets a Multi-Attach error until the pods using it there are gone
        (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes)."""
        table = attachments(self.ctx)
        disk = disk_name(pvo)
        nodes = table.setdefault(disk, {})
        modes = set((pvo.get("spec") or {}).get("accessModes") or [])
        if not modes & {"ReadWriteMany", "ReadOnlyMany"}:
            others = sorted(n for n, uids in nodes.items() if uids and n != self.node_name)
            if others:
                # the attach/detach controller detaches the disk once the pods using it are deleted
                live = {p["metadata"]["uid"] for p in self.api.list("pods").get("items", [])}
                for n in others:
                    nodes[n] &= live
                others = [n for n in others if nodes[n]]
            if others:
                users = sorted(self._pods_using(disk, others, pod["metadata"].get("namespace")))
                e = MountError(f'Multi-Attach error for volume "{pvo["metadata"]["name"]}" Volume is already used by '
                               f'pod(s) {", ".join(users)}' if users else
                               f'Multi-Attach error for volume "{pvo["metadata"]["name"]}" Volume is already '
                               "exclusively attached to one node and can't be attached to another")
                e.reason, e.whole = "FailedAttachVolume", True
                raise e
        nodes.setdefault(self.node_name, set()).add(pod["metadata"]["uid"])
        pv.attached[name] = disk

    def _pods_using(self, disk: str, nodes: list, namespace: str) -> list:
        """Names of the pods (of ``namespace``) that hold ``disk`` on ``nodes``."""
        uids = set()
        for n in nodes:
            uids |= attachments(self.ctx)[disk].get(n, set())
        out = []
        for pod in self.api.list("pods", namespace).get("items", []):
            if pod["metadata"].get("uid") in uids:
                out.append(pod["metadata"]["name"])
        return out

    def volume_data(self, pvo: dict, pod: dict):
        """Where a PV's bytes are: the node's directory (hostPath, local) or a backend disk."""
        spec = pvo.get("spec") or {}
        now = self.clock.now
        if "hostPath" in spec:
            hp = spec["hostPath"] or {}
            return hostpath_check(self.node_root, hp.get("path", "/"), hp.get("type") or "", now)
        if "local" in spec:
            path = (spec["local"] or {}).get("path", "/")
            try:
                return hostpath_check(self.node_root, path, "Directory", now)
            except MountError:
                raise MountError(f'path "{path}" does not exist') from None
        store = disks(self.ctx)
        handle = disk_name(pvo)
        d = store.get(handle)
        if d is None:
            d = store[handle] = Dir(0o777, mtime=now)
        return d

    def _detach(self, pv: PodVolumes, name: str) -> None:
        pv.dirs.pop(name, None)
        disk = pv.attached.pop(name, None)
        if disk is not None:
            nodes = attachments(self.ctx).get(disk, {})
            nodes.get(self.node_name, set()).discard(pv.uid)
            if not nodes.get(self.node_name):
                nodes.pop(self.node_name, None)


def unmounted_message(unmounted: list, unattached: list) -> str:
    """The kubelet's event when WaitForAttachAndMount times out (volume_manager.go)."""
    return (f"Unable to attach or mount volumes: unmounted volumes=[{' '.join(unmounted)}], "
            f"unattached volumes=[{' '.join(unattached)}], failed to process volumes=[]: "
            "timed out waiting for the condition")


def size_limits(pod: dict) -> list:
    """``[(volume, sizeLimit text, bytes)]`` of the pod's emptyDir volumes with a ``sizeLimit``."""
    out = []
    for v in pod["spec"].get("volumes") or []:
        limit = (v.get("emptyDir") or {}).get("sizeLimit") if "emptyDir" in v else None
        if limit is not None:
            out.append((v["name"], str(limit), memory_bytes(str(limit))))
    return out


def disk_name(pvo: dict) -> str:
    """The backend disk of a non-local PV: its CSI volumeHandle, else the PV's name."""
    spec = pvo.get("spec") or {}
    return (spec.get("csi") or {}).get("volumeHandle") or pvo["metadata"]["name"]
