"""What every defaulter uses: the registry (``@defaulter("Kind")``), upstream's default
values, and Go's notion of an unset field (absent, null, 0 or "" where the Go field is not a pointer).
"""

from __future__ import annotations

from typing import Callable

DEFAULTERS: dict[str, Callable[[dict], None]] = {}

# https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting
PULL_ALWAYS, PULL_IF_NOT_PRESENT = "Always", "IfNotPresent"
DEFAULT_GRACE_PERIOD = 30                   # v1.DefaultTerminationGracePeriodSeconds
DEFAULT_SCHEDULER = "default-scheduler"     # v1.DefaultSchedulerName
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_FILE_MODE = 420                     # 0644: secret/configMap/downwardAPI/projected volumes
# https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
PROBE_DEFAULTS = (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                  ("failureThreshold", 3))
VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
    "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
    "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral",
    "image",
)


def defaulter(kind: str):
    """Register ``fn(obj)`` as the defaulter of ``kind``; it fills in missing fields in place."""
    def register(fn):
        DEFAULTERS[kind] = fn
        return fn
    return register


def _dict(parent: dict, key: str) -> dict | None:
    """``parent[key]`` if it is a dict (a malformed manifest may hold anything; validation says so)."""
    v = parent.get(key)
    return v if isinstance(v, dict) else None


def _dicts(parent: dict, key: str) -> list[dict]:
    v = parent.get(key)
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def _unset(d: dict, key: str) -> bool:
    """Go's zero value: absent, None, 0 or "" (for non-pointer fields)."""
    return d.get(key) in (None, 0, "") and not isinstance(d.get(key), bool)
