"""Admission: what the API server does to a request after defaulting and before storing it.

Kubernetes runs a chain of admission plugins on every write
(https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/).
Mutating plugins may change the object, validating ones may only refuse it. minik8s
runs the default-enabled plugins that shape what ``kubectl get -o yaml`` shows:

* **ServiceAccount** - a pod without ``serviceAccountName`` runs as ``default``, and the
  service account must exist;
* **Priority** - ``spec.priority`` (and ``preemptionPolicy``) come from the pod's
  ``priorityClassName``, or the global default class, or 0;
* **DefaultTolerationSeconds** - every pod tolerates the ``not-ready`` and ``unreachable``
  NoExecute taints for 300 s unless it says otherwise;
* **DefaultStorageClass** - a claim without ``storageClassName`` gets the default class.

Also here, because they are the pod and job *registry strategies* of the API server
(pkg/registry/core/pod/strategy.go, pkg/registry/batch/job/strategy.go):

* a pod's initial status (``phase: Pending`` and its QoS class, see :func:`qos_class`);
* a Job's generated selector (``batch.kubernetes.io/controller-uid``);
* how long a pod's deletion is graceful (:func:`pod_grace_period`);
* the ``default`` ServiceAccount of a new namespace, created with the namespace. In
  Kubernetes the ServiceAccount controller of kube-controller-manager creates it a moment
  later; minik8s creates it at once so that a pod created right after its namespace never
  races it.

:func:`install` wires all of these into an :class:`~minik8s.apiserver.server.APIServer`.
"""

from __future__ import annotations

from .. import errors
from .quantity import QuantityError, parse_quantity

# https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#defaulttolerationseconds
DEFAULT_TOLERATION_SECONDS = 300
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"

# https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#priorityclass
SYSTEM_PRIORITY_CLASSES = {
    "system-node-critical": 2000001000,     # scheduling.SystemCriticalPriority + 1000
    "system-cluster-critical": 2000000000,  # scheduling.SystemCriticalPriority
}
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"
DEFAULT_SERVICE_ACCOUNT = "default"
DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"

# Job selector labels (pkg/apis/batch/types.go)
JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
LEGACY_JOB_NAME_LABEL = "job-name"


def forbidden(resource: str, name: str, reason: str) -> errors.ApiError:
    """admission.NewForbidden: ``pods "x" is forbidden: <reason>`` (403)."""
    return errors.ApiError(403, "Forbidden", f'{resource} "{name}" is forbidden: {reason}',
                           {"name": name, "kind": resource})


# --- pure functions ------------------------------------------------------------------------

def qos_class(pod: dict) -> str:
    """The QoS class of a pod: ``Guaranteed``, ``Burstable`` or ``BestEffort``.

    ComputePodQOS (pkg/apis/core/helper/qos): only cpu and memory count; a request or
    limit of zero counts as unset. BestEffort when nothing is set; Guaranteed when every
    container (init containers included) sets non-zero cpu and memory limits and the
    pod's summed requests equal its summed limits; Burstable otherwise.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/
    """
    spec = pod.get("spec") or {}
    requests: dict = {}
    limits: dict = {}
    guaranteed = True
    for c in list(spec.get("containers") or []) + list(spec.get("initContainers") or []):
        res = (c.get("resources") or {}) if isinstance(c, dict) else {}
        for name, q in sorted((res.get("requests") or {}).items()):
            v = _positive(name, q)
            if v is not None:
                requests[name] = requests.get(name, 0) + v
        found = set()
        for name, q in sorted((res.get("limits") or {}).items()):
            v = _positive(name, q)
            if v is not None:
                found.add(name)
                limits[name] = limits.get(name, 0) + v
        if not {"cpu", "memory"} <= found:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for name, req in requests.items():
            if limits.get(name) != req:
                guaranteed = False
                break
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _positive(name: str, q):
    if name not in ("cpu", "memory"):
        return None
    try:
        v = parse_quantity(q)
    except QuantityError:
        return None
    return v if v > 0 else None


def default_tolerations(tolerations: list) -> list:
    """DefaultTolerationSeconds: the tolerations a pod ends up with.

    Unless a toleration already covers it (same key or empty key, effect NoExecute or
    empty), add ``node.kubernetes.io/not-ready`` and ``node.kubernetes.io/unreachable``
    with ``operator: Exists``, ``effect: NoExecute``, ``tolerationSeconds: 300``.
    """
    out = list(tolerations)
    has = {TAINT_NOT_READY: False, TAINT_UNREACHABLE: False}
    for t in out:
        if not isinstance(t, dict):
            continue
        for key in has:
            if t.get("key") in (key, None, "") and t.get("effect") in ("NoExecute", None, ""):
                has[key] = True
    for key in (TAINT_NOT_READY, TAINT_UNREACHABLE):
        if not has[key]:
            out.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                        "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
    return out


def pod_grace_period(pod: dict, requested: int | None) -> int:
    """How many seconds a pod's deletion waits for its kubelet (podStrategy.CheckGracefulDelete).

    The request's ``gracePeriodSeconds`` if given, else ``spec.terminationGracePeriodSeconds``;
    but 0 (delete at once) when the pod was never bound to a node or has already
    finished (Succeeded/Failed). ``kubectl delete --grace-period=0 --force`` asks for 0.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
    """
    spec = pod.get("spec") or {}
    if requested is not None:
        period = int(requested)
    else:
        period = int(spec.get("terminationGracePeriodSeconds") or 0)
    if not spec.get("nodeName"):
        period = 0
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        period = 0
    if period < 0:
        period = 1
    return period


def initial_pod_status(pod: dict) -> dict:
    """podStrategy.PrepareForCreate: a new pod's status is Pending with its QoS class; a pod
    with scheduling gates also says why it is not scheduled."""
    status = {"phase": "Pending", "qosClass": qos_class(pod)}
    if (pod.get("spec") or {}).get("schedulingGates"):
        # https://kubernetes.io/docs/concepts/scheduling-eviction/pod-scheduling-readiness/
        status["conditions"] = [{"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                                 "lastTransitionTime": None, "reason": "SchedulingGated",
                                 "message": "Scheduling is blocked due to non-empty scheduling gates"}]
    return status


def generate_job_selector(job: dict) -> None:
    """generateSelector (job strategy): label the template with the job's name and uid and
    select on ``batch.kubernetes.io/controller-uid`` (unless ``manualSelector`` is true).

    https://kubernetes.io/docs/concepts/workloads/controllers/job/#specifying-your-own-pod-selector
    """
    spec = job.get("spec") or {}
    if spec.get("manualSelector") is True:
        return
    md = job["metadata"]
    tmd = spec.setdefault("template", {}).setdefault("metadata", {})
    labels = tmd.get("labels")
    if not isinstance(labels, dict):
        labels = tmd["labels"] = {}
    for key in (LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL):
        labels.setdefault(key, md["name"])
    for key in (LEGACY_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL):
        labels.setdefault(key, md["uid"])
    sel = spec.get("selector")
    if not isinstance(sel, dict):
        sel = spec["selector"] = {}
    ml = sel.get("matchLabels")
    if not isinstance(ml, dict):
        ml = sel["matchLabels"] = {}
    ml.setdefault(JOB_CONTROLLER_UID_LABEL, md["uid"])
    if not md.get("labels"):
        md["labels"] = dict(labels)      # SetDefaults_Job, as seen on every read


# --- plugins -------------------------------------------------------------------------------

class Admission:
    """The admission chain of one API server (its plugins read other objects through it)."""

    def __init__(self, apiserver):
        self.api = apiserver

    def _peek(self, plural: str, key: str):
        return self.api.store.peek(plural, key)

    def service_account(self, op, res, obj, old) -> None:
        """ServiceAccount: pods run as ``default`` unless they name another; it must exist."""
        if res.kind != "Pod" or op != "CREATE":
            return
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
        spec["serviceAccountName"] = name
        spec["serviceAccount"] = name
        ns = obj["metadata"]["namespace"]
        if self._peek("serviceaccounts", f"{ns}/{name}") is None:
            raise forbidden("pods", obj["metadata"].get("name", ""),
                            f'error looking up service account {ns}/{name}: '
                            f'serviceaccount "{name}" not found')

    def _priority_class(self, name: str):
        pc = self._peek("priorityclasses", name)
        if pc is not None:
            return pc.get("value", 0), pc.get("preemptionPolicy") or DEFAULT_PREEMPTION_POLICY
        if name in SYSTEM_PRIORITY_CLASSES:
            return SYSTEM_PRIORITY_CLASSES[name], DEFAULT_PREEMPTION_POLICY
        return None

    def _global_default(self):
        best = None
        for _key, pc in self.api.store.iter_raw("priorityclasses"):
            if pc.get("globalDefault") and (best is None or pc.get("value", 0) > best.get("value", 0)):
                best = pc
        return best

    def priority(self, op, res, obj, old) -> None:
        """Priority: resolve ``priorityClassName`` into ``spec.priority`` and ``preemptionPolicy``."""
        if res.kind != "Pod" or op != "CREATE":
            return
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        name = spec.get("priorityClassName")
        podname = obj["metadata"].get("name", "")
        if name:
            found = self._priority_class(name)
            if found is None:
                raise forbidden("pods", podname, f"no PriorityClass with name {name} was found")
            value, policy = found
        else:
            pc = self._global_default()
            if pc is not None:
                value = pc.get("value", 0)
                policy = pc.get("preemptionPolicy") or DEFAULT_PREEMPTION_POLICY
                spec["priorityClassName"] = pc["metadata"]["name"]
            else:
                value, policy = 0, DEFAULT_PREEMPTION_POLICY
        if spec.get("priority") is not None and spec["priority"] != value:
            raise forbidden("pods", podname,
                            f"the integer value of priority ({spec['priority']}) must not be provided in "
                            f"pod spec; priority admission controller computed {value} from the given "
                            f"PriorityClass name")
        if spec.get("preemptionPolicy") and spec["preemptionPolicy"] != policy:
            raise forbidden("pods", podname,
                            f"the string value of PreemptionPolicy ({spec['preemptionPolicy']}) must not be "
                            f"provided in pod spec; priority admission controller computed {policy} from "
                            f"the given PriorityClass name")
        spec["priority"] = value
        spec["preemptionPolicy"] = policy

    def default_toleration_seconds(self, op, res, obj, old) -> None:
        """DefaultTolerationSeconds (see :func:`default_tolerations`)."""
        if res.kind != "Pod" or op != "CREATE":
            return
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        tols = spec.get("tolerations")
        if tols is not None and not isinstance(tols, list):
            return                               # validation reports it
        spec["tolerations"] = default_tolerations(tols or [])

    def default_storage_class(self, op, res, obj, old) -> None:
        """DefaultStorageClass: a claim that names no class gets the cluster's default class."""
        if res.kind != "PersistentVolumeClaim" or op != "CREATE":
            return
        spec = obj.get("spec")
        if not isinstance(spec, dict) or "storageClassName" in spec:
            return
        defaults = [sc for _k, sc in self.api.store.iter_raw("storageclasses")
                    if ((sc["metadata"].get("annotations") or {}).get(DEFAULT_STORAGE_CLASS_ANNOTATION)
                        == "true")]
        if defaults:
            # The newest default wins (pkg/volume/util GetDefaultClass); ties by name, ascending.
            newest = max(sc["metadata"].get("creationTimestamp", "") for sc in defaults)
            spec["storageClassName"] = min(sc["metadata"]["name"] for sc in defaults
                                           if sc["metadata"].get("creationTimestamp", "") == newest)

    def storage_object_in_use_protection(self, op, res, obj, old) -> None:
        """StorageObjectInUseProtection: new claims and volumes carry the ``kubernetes.io/pvc-protection``
        / ``kubernetes.io/pv-protection`` finalizer, so one in use is not removed under its pod
        (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#storage-object-in-use-protection).
        ``storage/protection.py`` removes it once nothing uses the object."""
        if op != "CREATE" or res.kind not in ("PersistentVolumeClaim", "PersistentVolume"):
            return
        md = obj.setdefault("metadata", {})
        fin = "kubernetes.io/pvc-protection" if res.kind == "PersistentVolumeClaim" else "kubernetes.io/pv-protection"
        if fin not in (md.get("finalizers") or []):
            md["finalizers"] = list(md.get("finalizers") or []) + [fin]

    def persistent_volume_claim_resize(self, op, res, obj, old) -> None:
        """PersistentVolumeClaimResize: a claim may grow only if its class allows volume expansion
        (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#expanding-persistent-volumes-claims)."""
        if op != "UPDATE" or res.kind != "PersistentVolumeClaim" or old is None:
            return
        from .quantity import memory_bytes

        def size(o):
            req = (((o.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")
            return memory_bytes(str(req)) if req is not None else 0
        if size(obj) <= size(old):
            return
        cls = (obj.get("spec") or {}).get("storageClassName") or ""
        sc = self._peek("storageclasses", cls) if cls else None
        if not (sc and sc.get("allowVolumeExpansion") and cls == ((old.get("spec") or {}).get("storageClassName") or "")):
            raise errors.forbidden(f'persistentvolumeclaims "{obj["metadata"]["name"]}" is forbidden: only dynamically '
                                   "provisioned pvc can be resized and the storageclass that provisions the pvc must "
                                   "support resize")

    # --- registry strategies ---------------------------------------------------------------
    def prepare_pod(self, pod: dict) -> None:
        pod["status"] = initial_pod_status(pod)

    def prepare_job(self, job: dict) -> None:
        generate_job_selector(job)
        job.pop("status", None)

    def namespace_created(self, ns: dict) -> None:
        """Create the namespace's ``default`` ServiceAccount (the ServiceAccount controller's job)."""
        name = ns["metadata"]["name"]
        if self._peek("serviceaccounts", f"{name}/{DEFAULT_SERVICE_ACCOUNT}") is None:
            self.api.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                "metadata": {"name": DEFAULT_SERVICE_ACCOUNT,
                                                             "namespace": name}}, name)


def install(apiserver) -> Admission:
    """Wire the admission plugins and registry strategies into ``apiserver`` (upstream's order:
    ServiceAccount, Priority, DefaultTolerationSeconds, DefaultStorageClass, StorageObjectInUseProtection)."""
    adm = Admission(apiserver)
    apiserver.mutating_admission.extend([adm.service_account, adm.priority,
                                         adm.default_toleration_seconds, adm.default_storage_class,
                                         adm.storage_object_in_use_protection])
    apiserver.validating_admission.append(adm.persistent_volume_claim_resize)
    apiserver.prepare_create["Pod"] = adm.prepare_pod
    apiserver.prepare_create["Job"] = adm.prepare_job
    apiserver.grace_period["Pod"] = pod_grace_period
    apiserver.after_create["Namespace"] = adm.namespace_created
    return adm
