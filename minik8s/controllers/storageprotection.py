"""Storage object in use protection: a claim a pod uses, or a bound volume, is not removed.

https://kubernetes.io/docs/concepts/storage/persistent-volumes/#storage-object-in-use-protection.
The API server's admission gives every new claim the ``kubernetes.io/pvc-protection`` finalizer and
every new volume ``kubernetes.io/pv-protection``; deleting one then only marks it (``Terminating``).
Two controllers of kube-controller-manager (``pkg/controller/volume/pvcprotection``,
``.../pvprotection``) remove the finalizer - and so let the deletion finish - once:

* a claim is used by no pod that may still run (a pod counts until it has finished or is gone);
* a volume is no longer ``Bound`` to a claim.
"""

from __future__ import annotations

from .. import errors
from ..api.meta import clone
from ..component import Component, Result

PVC_FINALIZER = "kubernetes.io/pvc-protection"
PV_FINALIZER = "kubernetes.io/pv-protection"


def pod_uses_claim(pod: dict, claim: str) -> bool:
    """Does this pod mount the claim (and may it still be running)?"""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    return any((v.get("persistentVolumeClaim") or {}).get("claimName") == claim
               for v in (pod.get("spec") or {}).get("volumes") or [])


class StorageProtectionController(Component):
    """pvc-protection and pv-protection: keys ``pvc/<ns>/<name>`` and ``pv/<name>``."""

    name = "pvc-protection-controller"
    process = "kube-controller-manager"

    def setup(self) -> None:
        if not self.informers:
            self.pvcs = self.informer("persistentvolumeclaims", self._on_pvc)
            self.pvs = self.informer("persistentvolumes", self._on_pv)
            self.pods = self.informer("pods", self._on_pod)

    def _on_pvc(self, typ, pvc, old=None) -> None:
        if typ != "DELETED" and pvc["metadata"].get("deletionTimestamp"):
            self.enqueue(f"pvc/{pvc['metadata'].get('namespace', 'default')}/{pvc['metadata']['name']}")

    def _on_pv(self, typ, pv, old=None) -> None:
        if typ != "DELETED" and pv["metadata"].get("deletionTimestamp"):
            self.enqueue("pv/" + pv["metadata"]["name"])

    def _on_pod(self, typ, pod, old=None) -> None:
        ns = pod["metadata"].get("namespace", "default")
        for v in (pod.get("spec") or {}).get("volumes") or []:
            claim = (v.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                pvc = self.pvcs.get(f"{ns}/{claim}")
                if pvc is not None and pvc["metadata"].get("deletionTimestamp"):
                    self.enqueue(f"pvc/{ns}/{claim}")

    def reconcile(self, key: str) -> Result | None:
        kind, _, rest = key.partition("/")
        if kind == "pv":
            pv = self.pvs.get(rest)
            if pv is None or PV_FINALIZER not in (pv["metadata"].get("finalizers") or []):
                return None
            if (pv.get("status") or {}).get("phase") == "Bound":
                self.observe(f"volume {rest} is Bound: keep it until its claim lets go")
                return None
            return self._drop(pv, "persistentvolumes", PV_FINALIZER, None)
        pvc = self.pvcs.get(rest)
        if pvc is None or PVC_FINALIZER not in (pvc["metadata"].get("finalizers") or []):
            return None
        ns, name = rest.split("/", 1)
        users = sorted(p["metadata"]["name"] for p in self.pods.list(ns) if pod_uses_claim(p, name))
        if users:
            self.observe(f"claim {rest} is used by {', '.join(users)}: keep it")
            return None
        return self._drop(pvc, "persistentvolumeclaims", PVC_FINALIZER, ns)

    def _drop(self, obj: dict, resource: str, finalizer: str, ns: str | None) -> Result | None:
        name = obj["metadata"]["name"]
        self.diff(f"{resource[:-1]} {name} is not in use: remove {finalizer}")
        new = clone(obj)
        new["metadata"]["finalizers"] = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
        try:
            self.api.update(resource, new, ns)
        except errors.ApiError as e:
            if e.code == 409:
                return Result(requeue_after=0.1)     # changed meanwhile: look again
            if e.code != 404:
                raise
        return None
