"""The namespace controller: empties a namespace that is being deleted, then lets it go.

Deleting a Namespace sets its ``deletionTimestamp`` and ``status.phase:
Terminating``; the API server then refuses new objects in it. This controller
(part of kube-controller-manager) deletes every namespaced object in it and,
once none remain, removes the ``kubernetes`` finalizer from ``spec.finalizers``
through the ``finalize`` subresource, after which the namespace is gone
(https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/).
"""

from __future__ import annotations

from .. import errors
from ..api import resources as R
from ..component import Component, Result


class NamespaceController(Component):
    name = "namespace-controller"

    def setup(self) -> None:
        self.namespaces = self.informer("namespaces", self.enqueue_obj)

    def reconcile(self, key: str) -> Result | None:
        ns = self.namespaces.get(key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return None
        remaining = 0
        for res in R.all_resources():
            if not res.namespaced:
                continue
            items = self.api.list(res, key)["items"]
            # Events go last, so the deletion itself can still be reported.
            if res.kind == "Event" and len(items) and remaining:
                remaining += len(items)
                continue
            for obj in items:
                remaining += 1
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.api.delete(res, obj["metadata"]["name"], key)
                except errors.ApiError as e:
                    if e.code != 404:
                        raise
        self.observe(f"namespace {key} is terminating; {remaining} object(s) left in it")
        if remaining:
            self.diff(f"{remaining} object(s) still in namespace {key}")
            return Result(requeue_after=1.0)
        if ns.get("spec", {}).get("finalizers"):
            self.diff("namespace is empty but still has the kubernetes finalizer")
            fin = dict(ns)
            fin["spec"] = dict(ns.get("spec", {}), finalizers=[])
            self.api.update("namespaces", fin, subresource="finalize")
        return None
