"""Every tunable of the kube-controller-manager controllers, in one place.

As xv6's ``param.h``: one constant a line, each with the Kubernetes default and
the page (or source file) it comes from. Controllers import these names; tests
and chapters pin them.
"""

# --- ReplicaSet (pkg/controller/replicaset/replica_set.go) -------------------------------
# https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/
BURST_REPLICAS = 500                 # BurstReplicas: most pods created or deleted in one sync
SLOW_START_INITIAL_BATCH = 1         # SlowStartInitialBatchSize: creates go in batches 1, 2, 4, ...
EXPECTATIONS_TIMEOUT = 300.0         # ExpectationsTimeout: 5 min before unmet expectations are dropped

# --- Deployment (pkg/controller/deployment) -----------------------------------------------
# https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
DEPLOYMENT_PROGRESS_DEADLINE = 600   # spec.progressDeadlineSeconds default (#progress-deadline-seconds)
DEPLOYMENT_REVISION_HISTORY = 10     # spec.revisionHistoryLimit default (#revision-history-limit)
DEPLOYMENT_MAX_SURGE = "25%"         # spec.strategy.rollingUpdate.maxSurge default (#max-surge)
DEPLOYMENT_MAX_UNAVAILABLE = "25%"   # spec.strategy.rollingUpdate.maxUnavailable default (#max-unavailable)
POD_TEMPLATE_HASH_LABEL = "pod-template-hash"                 # DefaultDeploymentUniqueLabelKey
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt"  # kubectl rollout restart
# Annotations the Deployment does not copy to its ReplicaSets (annotationsToSkip).
ANNOTATIONS_NOT_COPIED = (
    "kubectl.kubernetes.io/last-applied-configuration", REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION,
    "deprecated.deployment.rollback.to",
)

# --- DaemonSet (pkg/controller/daemon) -----------------------------------------------------
# https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/
CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash"
DAEMONSET_BURST_REPLICAS = 250       # daemon.BurstReplicas

# --- Job (pkg/controller/job) ----------------------------------------------------------------
# https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy
JOB_BACKOFF_LIMIT = 6                # spec.backoffLimit default
JOB_BACKOFF_BASE = 10.0              # DefaultJobPodFailureBackOff: 10 s
JOB_BACKOFF_MAX = 360.0              # MaxJobPodFailureBackOff: capped at six minutes
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"

# --- CronJob (pkg/controller/cronjob) ---------------------------------------------------------
# https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
CRONJOB_SUCCESSFUL_HISTORY = 3       # spec.successfulJobsHistoryLimit default
CRONJOB_FAILED_HISTORY = 1           # spec.failedJobsHistoryLimit default
CRONJOB_MAX_MISSED = 100             # "too many missed start times (> 100)"
CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"

# --- Node lifecycle (pkg/controller/nodelifecycle) -------------------------------------------
# https://kubernetes.io/docs/concepts/architecture/nodes/#node-controller
NODE_MONITOR_PERIOD = 5.0            # --node-monitor-period
NODE_MONITOR_GRACE_PERIOD = 50.0     # --node-monitor-grace-period (v1.32+: 50 s)
NODE_STARTUP_GRACE_PERIOD = 60.0     # --node-startup-grace-period
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
TAINT_DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
TAINT_PID_PRESSURE = "node.kubernetes.io/pid-pressure"
TAINT_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"
# https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
DEFAULT_TOLERATION_SECONDS = 300     # DefaultTolerationSeconds admission plugin

# --- Garbage collector (pkg/controller/garbagecollector) --------------------------------------
# https://kubernetes.io/docs/concepts/architecture/garbage-collection/
FOREGROUND_FINALIZER = "foregroundDeletion"
ORPHAN_FINALIZER = "orphan"

# --- Pod deletion cost -------------------------------------------------------------------------
# https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#pod-deletion-cost
POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"
