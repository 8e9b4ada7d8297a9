"""The PersistentVolume controller: binds claims to volumes and reclaims released volumes.

It runs in kube-controller-manager (``pkg/controller/volume/persistentvolume/pv_controller.go``)
and follows https://kubernetes.io/docs/concepts/storage/persistent-volumes/:

* **binding** - a Pending claim gets the *smallest* Available volume that satisfies it
  (:func:`find_best_match`): capacity at least the request, every requested access mode
  offered (a superset binds, but volumes with fewer modes are tried first:
  :func:`access_mode_groups`), the same ``volumeMode``, the same ``storageClassName`` (a claim
  with ``""`` binds only to volumes with no class), a matching ``selector``. A volume whose
  ``claimRef`` names the claim, or a claim whose ``volumeName`` names a volume, is *pre-bound*.
  Binding writes both sides: ``pv.spec.claimRef`` then ``pvc.spec.volumeName``, phases
  ``Bound``;
* **waiting** - no volume fits: a class with a provisioner gets one provisioned
  (``ExternalProvisioning``); a class in ``WaitForFirstConsumer`` mode waits until the
  scheduler picked a node for the claim's first pod (the ``volume.kubernetes.io/selected-node``
  annotation) and then only binds volumes reachable from that node; a claim with no class
  stays Pending (``FailedBinding``);
* **reclaiming** - when a bound claim is deleted its volume is ``Released``; ``Retain`` keeps it
  (and its data) until an administrator removes its ``claimRef`` (it is ``Available`` again);
  ``Delete`` removes it (the provisioner deletes what it provisioned; an in-tree ``hostPath``
  volume outside ``/tmp`` cannot be deleted: ``Failed``);
* **lost** - a bound claim whose volume disappeared is ``Lost`` (``ClaimLost``).
"""

from __future__ import annotations

from .. import errors
from ..api.labels import selector_from_object
from ..api.meta import clone
from ..api.quantity import memory_bytes
from ..component import Component, Result

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
NO_PROVISIONER = "kubernetes.io/no-provisioner"
RESYNC_PERIOD = 15.0        # kube-controller-manager --pvclaimbinder-sync-period
SHORT_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


# --- pure functions a chapter can show ----------------------------------------------------------

def storage_request(pvc: dict) -> int:
    """The claim's ``resources.requests.storage`` in bytes (0 when missing)."""
    req = (((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")
    return memory_bytes(str(req)) if req is not None else 0


def pv_capacity(pv: dict) -> int:
    cap = ((pv.get("spec") or {}).get("capacity") or {}).get("storage")
    return memory_bytes(str(cap)) if cap is not None else 0


def claim_class(pvc: dict) -> str:
    """The claim's class: ``spec.storageClassName`` (``""`` = no class)."""
    return (pvc.get("spec") or {}).get("storageClassName") or ""


def claim_ref_matches(pv: dict, pvc: dict) -> bool:
    """Does ``pv.spec.claimRef`` name this claim (and, when it has a uid, this very object)?"""
    ref = (pv.get("spec") or {}).get("claimRef")
    if not ref:
        return False
    md = pvc["metadata"]
    if ref.get("name") != md["name"] or (ref.get("namespace") or "default") != md.get("namespace", "default"):
        return False
    return not ref.get("uid") or ref["uid"] == md.get("uid")


def node_affinity_allows(pv: dict, node: dict | None) -> bool:
    """Is the volume reachable from ``node`` (its ``spec.nodeAffinity.required`` terms, ORed)?"""
    req = (((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {})
    terms = req.get("nodeSelectorTerms") or []
    if not terms or node is None:
        return True
    labels = node["metadata"].get("labels") or {}
    name = node["metadata"]["name"]
    for term in terms:
        ok = True
        for expr in term.get("matchExpressions") or []:
            ok = ok and _match(expr, labels.get(expr.get("key")))
        for expr in term.get("matchFields") or []:
            ok = ok and _match(expr, name if expr.get("key") == "metadata.name" else None)
        if ok:
            return True
    return False


def _match(expr: dict, value) -> bool:
    op, values = expr.get("operator"), expr.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    return False


def mismatch(pv: dict, pvc: dict) -> str | None:
    """Why ``pv`` cannot serve ``pvc`` (checkVolumeSatisfyClaim's words), or None if it can."""
    spec, cspec = pv.get("spec") or {}, pvc.get("spec") or {}
    if pv_capacity(pv) < storage_request(pvc):
        return "requested PV is too small"
    if (spec.get("storageClassName") or "") != claim_class(pvc):
        return "storageClassName does not match"
    if (spec.get("volumeMode") or "Filesystem") != (cspec.get("volumeMode") or "Filesystem"):
        return "incompatible volumeMode"
    if not set(cspec.get("accessModes") or []) <= set(spec.get("accessModes") or []):
        return "incompatible accessMode"
    return None


def access_mode_groups(pvc: dict, pvs: list[dict]) -> list[list[dict]]:
    """allPossibleMatchingAccessModes: the volumes grouped by their *set* of access modes, only the
    sets that hold every mode the claim asks for, the sets with the fewest modes first - so a
    claim for ReadWriteOnce looks at plain ReadWriteOnce volumes before ReadWriteOnce+ReadWriteMany
    ones, whatever their sizes (pkg/controller/volume/persistentvolume/index.go). Sets of the same
    size come in the order of their sorted mode names."""
    wanted = set((pvc.get("spec") or {}).get("accessModes") or [])
    groups: dict[frozenset, list[dict]] = {}
    for pv in pvs:
        modes = frozenset((pv.get("spec") or {}).get("accessModes") or [])
        if wanted <= modes:
            groups.setdefault(modes, []).append(pv)
    return [groups[m] for m in sorted(groups, key=lambda m: (len(m), sorted(m)))]


def smallest_match(pvc: dict, pvs: list[dict], node: dict | None = None) -> dict | None:
    """FindMatchingVolume: among ``pvs``, the volume pre-bound to the claim, else the smallest
    Available one that satisfies it (capacity, access modes, volumeMode, class, selector, and - on
    the scheduler's path - the node affinity of ``node``). Equal sizes: the first name."""
    selector = (pvc.get("spec") or {}).get("selector")
    sel = selector_from_object(selector) if selector else None
    best = None
    for pv in sorted(pvs, key=lambda v: (pv_capacity(v), v["metadata"]["name"])):
        if pv["metadata"].get("deletionTimestamp"):
            continue
        if mismatch(pv, pvc) is not None:
            continue
        if node is not None and not node_affinity_allows(pv, node):
            continue
        if claim_ref_matches(pv, pvc):
            return pv                       # pre-bound to this claim
        if (pv.get("spec") or {}).get("claimRef"):
            continue                        # bound or pre-bound to another claim
        if (pv.get("status") or {}).get("phase") not in ("Available", "Pending", None):
            # upstream takes only Available; a volume created a moment ago (still Pending) is let
            # through so that a claim applied with it binds now, not at the next 15 s resync
            continue
        if sel is not None and not sel.matches(pv["metadata"].get("labels") or {}):
            continue
        if best is None:
            best = pv
    return best


def find_best_match(pvc: dict, pvs: list[dict], node: dict | None = None) -> dict | None:
    """The volume the binder chooses for ``pvc``, or None. The PV controller (``node`` None,
    findBestMatchForClaim) tries the access-mode groups of :func:`access_mode_groups` in turn and
    takes the :func:`smallest_match` of the first group that has one; the scheduler's path (a
    ``node``, WaitForFirstConsumer) looks at all the volumes at once."""
    if node is not None:
        return smallest_match(pvc, pvs, node)
    for group in access_mode_groups(pvc, pvs):
        best = smallest_match(pvc, group)
        if best is not None:
            return best
    return None


class PersistentVolumeController(Component):
    """persistentvolume-binder: keys are ``pvc/<ns>/<name>`` and ``pv/<name>``."""

    name = "persistentvolume-controller"
    process = "kube-controller-manager"

    def setup(self) -> None:
        if not self.informers:
            self.pvs = self.informer("persistentvolumes", self._on_pv)
            self.pvcs = self.informer("persistentvolumeclaims", self._on_pvc)
            self.classes = self.informer("storageclasses", self._on_class)
        self.every(RESYNC_PERIOD, self._resync)

    def _on_pv(self, typ, pv, old=None) -> None:
        self.enqueue("pv/" + pv["metadata"]["name"])
        ref = (pv.get("spec") or {}).get("claimRef")
        if ref:
            self.enqueue(f"pvc/{ref.get('namespace') or 'default'}/{ref.get('name')}")

    def _on_pvc(self, typ, pvc, old=None) -> None:
        md = pvc["metadata"]
        self.enqueue(f"pvc/{md.get('namespace', 'default')}/{md['name']}")
        name = (pvc.get("spec") or {}).get("volumeName")
        if name:
            self.enqueue("pv/" + name)
        if typ == "DELETED":
            for pv in self.pvs.list():
                if claim_ref_matches(pv, pvc):
                    self.enqueue("pv/" + pv["metadata"]["name"])

    def _on_class(self, typ, sc, old=None) -> None:
        for pvc in self.pvcs.list():
            if claim_class(pvc) == sc["metadata"]["name"] and (pvc.get("status") or {}).get("phase") == "Pending":
                self._on_pvc("MODIFIED", pvc)

    def _resync(self) -> None:
        """Every sync period: look again at the claims still waiting (a volume may fit now)."""
        for pvc in self.pvcs.list():
            if (pvc.get("status") or {}).get("phase") != "Bound":
                self._on_pvc("MODIFIED", pvc)

    def reconcile(self, key: str) -> Result | None:
        kind, _, rest = key.partition("/")
        if kind == "pv":
            pv = self.pvs.get(rest)
            return self.sync_volume(pv) if pv is not None else None
        pvc = self.pvcs.get(rest)
        return self.sync_claim(pvc) if pvc is not None else None

    # --- claims -------------------------------------------------------------------------------
    def storage_class(self, name: str) -> dict | None:
        return self.classes.get(name) if name else None

    def sync_claim(self, pvc: dict) -> Result | None:
        md = pvc["metadata"]
        if md.get("deletionTimestamp"):
            return None
        anns = md.get("annotations") or {}
        volume_name = (pvc.get("spec") or {}).get("volumeName")
        if volume_name and anns.get(ANN_BIND_COMPLETED):
            return self._sync_bound_claim(pvc, volume_name)
        if volume_name:
            return self._sync_prebound_claim(pvc, volume_name)
        cls = claim_class(pvc)
        sc = self.storage_class(cls)
        delay = sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer"
        node = None
        if delay:
            selected = anns.get(ANN_SELECTED_NODE)
            if not selected:
                self.observe(f"claim {md.get('namespace')}/{md['name']}: class {cls} waits for its first consumer")
                self.event(pvc, "Normal", "WaitForFirstConsumer",
                           "waiting for first consumer to be created before binding")
                return None
            try:
                node = self.api.get("nodes", selected)
            except errors.ApiError:
                node = {"metadata": {"name": selected, "labels": {"kubernetes.io/hostname": selected}}}
        cspec = pvc.get("spec") or {}
        want = ((cspec.get("resources") or {}).get("requests") or {}).get("storage")
        modes = ",".join(SHORT_MODES.get(m, m) for m in cspec.get("accessModes") or [])
        self.observe(f"claim {md.get('namespace')}/{md['name']} wants {want} {modes} of class "
                     f"{cls or chr(34) * 2}" + (" (selector)" if cspec.get("selector") else ""))
        pv = find_best_match(pvc, self.pvs.list(), node)
        if pv is not None:
            self.bind(pv, pvc)
            return None
        self.observe(f"no Available volume fits claim {md.get('namespace')}/{md['name']}")
        if not cls:
            self.observe(f"claim {md.get('namespace')}/{md['name']}: no volume fits and no class")
            self.event(pvc, "Normal", "FailedBinding",
                       "no persistent volumes available for this claim and no storage class is set")
            return None
        if sc is None:
            self.event(pvc, "Warning", "ProvisioningFailed", f'storageclass.storage.k8s.io "{cls}" not found')
            return None
        provisioner = sc.get("provisioner") or ""
        if provisioner == NO_PROVISIONER:
            self.event(pvc, "Warning", "ProvisioningFailed", f"no volume plugin matched name: {provisioner}")
            return None
        if anns.get(ANN_STORAGE_PROVISIONER) != provisioner:
            new = clone(pvc)
            a = new["metadata"].setdefault("annotations", {})
            a[ANN_STORAGE_PROVISIONER] = provisioner
            a[ANN_BETA_STORAGE_PROVISIONER] = provisioner
            self.diff(f"claim {md.get('namespace')}/{md['name']}: ask provisioner {provisioner} for a volume")
            try:
                self.api.update("persistentvolumeclaims", new, md.get("namespace"))
            except errors.ApiError:
                return Result(requeue_after=1.0)
        self.event(pvc, "Normal", "ExternalProvisioning",
                   f"Waiting for a volume to be created either by the external provisioner '{provisioner}' or "
                   "manually by the system administrator. If volume creation is delayed, please verify that the "
                   "provisioner is running and correctly registered.")
        return None

    def _sync_prebound_claim(self, pvc: dict, volume_name: str) -> Result | None:
        """The user asked for a volume by name (``spec.volumeName``)."""
        pv = self.pvs.get(volume_name)
        if pv is None:
            self.observe(f"claim {pvc['metadata']['name']}: requested volume {volume_name} not found yet")
            return None
        ref = (pv.get("spec") or {}).get("claimRef")
        if ref and not claim_ref_matches(pv, pvc):
            self.event(pvc, "Warning", "FailedBinding", "volume \"%s\" already bound to a different claim." % volume_name)
            return None
        why = mismatch(pv, pvc)
        if why is not None:
            self.event(pvc, "Warning", "VolumeMismatch", f'Cannot bind to requested volume "{volume_name}": {why}')
            return None
        self.bind(pv, pvc, by_controller=False)
        return None

    def _sync_bound_claim(self, pvc: dict, volume_name: str) -> Result | None:
        pv = self.pvs.get(volume_name)
        phase = (pvc.get("status") or {}).get("phase")
        if pv is None or ((pv.get("spec") or {}).get("claimRef") and not claim_ref_matches(pv, pvc)):
            if phase != "Lost":
                self.diff(f"claim {pvc['metadata']['name']}: its volume {volume_name} is gone: Lost")
                if pv is None:
                    self.event(pvc, "Warning", "ClaimLost",
                               "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
                else:
                    self.event(pvc, "Warning", "ClaimMisbound",
                               "Two claims are bound to the same volume, this one is bound incorrectly")
                self._claim_status(pvc, "Lost", None)
            return None
        if not (pv.get("spec") or {}).get("claimRef"):
            self.bind(pv, pvc)          # finish a half-done binding
            return None
        if phase != "Bound":
            self._claim_status(pvc, "Bound", pv)
        return None

    def bind(self, pv: dict, pvc: dict, by_controller: bool = True) -> None:
        """Bind both ways: the volume's claimRef first, then the claim's volumeName, then the phases."""
        md = pvc["metadata"]
        ns = md.get("namespace", "default")
        self.diff(f"bind claim {ns}/{md['name']} to volume {pv['metadata']['name']}")
        new_pv = clone(pv)
        spec = new_pv.setdefault("spec", {})
        if not claim_ref_matches(pv, pvc) or not (spec.get("claimRef") or {}).get("uid"):
            spec["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": ns, "name": md["name"],
                                "uid": md.get("uid"), "apiVersion": "v1",
                                "resourceVersion": md.get("resourceVersion")}
            if by_controller and not (pv.get("spec") or {}).get("claimRef"):
                new_pv["metadata"].setdefault("annotations", {})[ANN_BOUND_BY_CONTROLLER] = "yes"
        try:
            new_pv = self.api.update("persistentvolumes", new_pv)
            if (new_pv.get("status") or {}).get("phase") != "Bound":
                new_pv = clone(new_pv)
                new_pv["status"] = {"phase": "Bound"}
                new_pv = self.api.update("persistentvolumes", new_pv, subresource="status")
            new_pvc = clone(pvc)
            new_pvc["spec"]["volumeName"] = pv["metadata"]["name"]
            anns = new_pvc["metadata"].setdefault("annotations", {})
            anns[ANN_BIND_COMPLETED] = "yes"
            if by_controller:
                anns[ANN_BOUND_BY_CONTROLLER] = "yes"
            new_pvc = self.api.update("persistentvolumeclaims", new_pvc, ns)
            self._claim_status(new_pvc, "Bound", new_pv)
        except errors.ApiError as e:
            if e.code not in (404, 409):
                raise
            self.enqueue(f"pvc/{ns}/{md['name']}")

    def _claim_status(self, pvc: dict, phase: str, pv: dict | None) -> None:
        new = clone(pvc)
        st = {"phase": phase}
        if phase == "Bound" and pv is not None:
            st["accessModes"] = list((pv.get("spec") or {}).get("accessModes") or [])
            st["capacity"] = dict((pv.get("spec") or {}).get("capacity") or {})
        new["status"] = st
        try:
            self.api.update("persistentvolumeclaims", new, pvc["metadata"].get("namespace"), subresource="status")
        except errors.ApiError as e:
            if e.code not in (404, 409):
                raise

    # --- volumes ------------------------------------------------------------------------------
    def _pv_phase(self, pv: dict, phase: str, message: str | None = None) -> dict:
        new = clone(pv)
        new["status"] = {"phase": phase}
        if message:
            new["status"]["message"] = message
        if phase != (pv.get("status") or {}).get("phase"):
            self.diff(f"volume {pv['metadata']['name']}: {phase}")
        return self.api.update("persistentvolumes", new, subresource="status")

    def sync_volume(self, pv: dict) -> Result | None:
        md = pv["metadata"]
        if md.get("deletionTimestamp"):
            return None
        phase = (pv.get("status") or {}).get("phase")
        ref = (pv.get("spec") or {}).get("claimRef")
        if not ref:
            if phase != "Available":
                self._pv_phase(pv, "Available")
            return None
        pvc = self.pvcs.get(f"{ref.get('namespace') or 'default'}/{ref.get('name')}")
        if pvc is not None and ref.get("uid") and pvc["metadata"].get("uid") != ref["uid"]:
            pvc = None                        # a new claim with the old name is not ours
        if not ref.get("uid"):
            # pre-bound by an administrator: waits for that claim
            if phase != "Available":
                self._pv_phase(pv, "Available")
            if pvc is not None:
                self.enqueue(f"pvc/{pvc['metadata'].get('namespace')}/{pvc['metadata']['name']}")
            return None
        if pvc is not None:
            if (pvc.get("spec") or {}).get("volumeName") == md["name"]:
                if phase != "Bound":
                    self._pv_phase(pv, "Bound")
            elif not (pvc.get("spec") or {}).get("volumeName"):
                self.enqueue(f"pvc/{pvc['metadata'].get('namespace')}/{pvc['metadata']['name']}")
            return None
        # the claim is gone: the volume is released and reclaimed by its policy
        if phase in ("Released", "Failed"):
            if phase == "Released":
                return self.reclaim(pv)
            return None
        pv = self._pv_phase(pv, "Released")
        return self.reclaim(pv)

    def reclaim(self, pv: dict) -> Result | None:
        """reclaimVolume: ``Retain`` keeps it Released; ``Delete`` deletes it (through its provisioner)."""
        policy = (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") or "Retain"
        name = pv["metadata"]["name"]
        if policy == "Retain":
            self.observe(f"volume {name} is Released; policy Retain keeps it and its data")
            return None
        if policy == "Recycle":
            self.event(pv, "Warning", "VolumeFailedRecycle", "Recycle is not supported by minik8s")
            self._pv_phase(pv, "Failed", "Recycle is not supported by minik8s")
            return None
        provisioner = (pv["metadata"].get("annotations") or {}).get(ANN_PROVISIONED_BY)
        if provisioner:
            self.observe(f"volume {name}: policy Delete; the provisioner {provisioner} deletes it")
            return None                    # the external provisioner deletes it (provisioner.py)
        spec = pv.get("spec") or {}
        if "hostPath" in spec:
            path = (spec["hostPath"] or {}).get("path", "")
            if not path.startswith("/tmp/") or len(path) <= len("/tmp/"):
                msg = f"host_path deleter only supports /tmp/.+ but received provided {path}"
                self.event(pv, "Warning", "VolumeFailedDelete", msg)
                self._pv_phase(pv, "Failed", msg)
                return None
            self.diff(f"volume {name}: policy Delete: delete it")
            self.api.delete("persistentvolumes", name)
            return None
        msg = f'error getting deleter volume plugin for volume "{name}": no deletable volume plugin matched'
        self.event(pv, "Warning", "VolumeFailedDelete", msg)
        self._pv_phase(pv, "Failed", msg)
        return None
