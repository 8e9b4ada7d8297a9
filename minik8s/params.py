"""Every tunable of minik8s in one place, as xv6's ``param.h``: one constant a line, each with
its Kubernetes v1.33 default and the page (or flag, or source file) it comes from. Components
import these names; tests and chapters pin them.

Sections: the API server and Service networking; kube-controller-manager's controllers;
kube-scheduler; the kubelet (https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/).
"""

from __future__ import annotations

# === the API server and Service networking ======================================================
# https://kubernetes.io/docs/concepts/services-networking/cluster-ip-allocation/ (ranges),
# https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/ (DNS)
SERVICE_CIDR = "10.96.0.0/12"          # kube-apiserver --service-cluster-ip-range (kubeadm's default)
KUBERNETES_SERVICE_IP = "10.96.0.1"    # the first address of the range: the `kubernetes` Service
KUBE_DNS_IP = "10.96.0.10"             # kubeadm's CoreDNS Service IP (kubelet --cluster-dns)
NODE_PORT_RANGE = (30000, 32767)       # kube-apiserver --service-node-port-range
CLUSTER_DOMAIN = "cluster.local"       # kubelet --cluster-domain, CoreDNS's zone
APISERVER_PORT = 6443                  # kube-apiserver --secure-port (the `kubernetes` Service's targetPort)
CONTROL_PLANE_IP = "172.18.0.254"      # kube-apiserver --advertise-address (the `kubernetes` endpoint)
NODE_RESOLVER_IP = "172.18.0.1"        # the nodes' /etc/resolv.conf nameserver (kind's network gateway)
MAX_ENDPOINTS_PER_SLICE = 100          # kube-controller-manager --max-endpoints-per-slice
DEFAULT_CLIENT_IP_TIMEOUT = 10800      # sessionAffinityConfig.clientIP.timeoutSeconds default (3 h)
DNS_TTL = 30                           # CoreDNS kubernetes plugin ttl (kubeadm Corefile: ttl 30)
LB_POOL = ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14",
           "192.0.2.15", "192.0.2.16", "192.0.2.17"]   # the fake cloud's external IPs (TEST-NET-1)
CLUSTER_CIDR = "10.244.0.0/16"         # kube-proxy --cluster-cidr (the pods' addresses: node i has 10.244.i.0/24)
KUBE_PROXY_MODE = "iptables"           # kube-proxy --proxy-mode (Linux default)
KUBE_PROXY_MIN_SYNC_PERIOD = 1.0      # kube-proxy iptables.minSyncPeriod: rule syncs at most once a second
COREDNS_CACHE_SECONDS = 30             # kubeadm Corefile: cache 30 (answers and NXDOMAINs from upstream reused 30 s; cluster.local never cached)


# === kube-controller-manager's controllers ========================================================
# https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/

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


# --- PersistentVolumes (pkg/controller/volume/persistentvolume) ---------------------------------
# https://kubernetes.io/docs/concepts/storage/persistent-volumes/
PV_RESYNC_PERIOD = 15.0              # --pvclaimbinder-sync-period
# --- EndpointSlice mirroring (pkg/controller/endpointslicemirroring) ------------------------------
# https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#endpointslice-mirroring
MAX_MIRRORED_ENDPOINTS = 1000        # --mirroring-max-endpoints-per-subset
# --- CronJob, continued ------------------------------------------------------------------------------
CRONJOB_NEXT_SCHEDULE_DELTA = 0.1    # nextScheduleDelta: look again 100 ms after the schedule time


# === kube-scheduler ==================================================================================
# https://kubernetes.io/docs/reference/config-api/kube-scheduler-config.v1/
POD_INITIAL_BACKOFF = 1.0            # podInitialBackoffSeconds
POD_MAX_BACKOFF = 10.0               # podMaxBackoffSeconds
POD_MAX_IN_UNSCHEDULABLE_DURATION = 300.0   # podMaxInUnschedulablePodsDuration (5 min)
# percentageOfNodesToScore, adaptive (https://kubernetes.io/docs/concepts/scheduling-eviction/scheduler-perf-tuning/)
MIN_FEASIBLE_NODES_TO_FIND = 100     # minFeasibleNodesToFind
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5   # minFeasibleNodesPercentageToFind


# === the kubelet ====================================================================================
# https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/ (CLUSTER_DOMAIN: above)

# --- versions the node reports (kubectl get nodes -o wide shows them) ----------------------
KUBELET_VERSION = "v1.33.1"
CONTAINER_RUNTIME_VERSION = "containerd://2.1.1"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
KERNEL_VERSION = "6.8.0-60-generic"
OPERATING_SYSTEM = "linux"
ARCHITECTURE = "amd64"
KUBELET_PORT = 10250                      # daemonEndpoints.kubeletEndpoint.Port

# --- node defaults when a node spec says nothing ------------------------------------------
DEFAULT_CPU = "2"
DEFAULT_MEMORY = "4Gi"
DEFAULT_PODS = 110                        # maxPods (kubelet-config: maxPods, default 110)
DEFAULT_EPHEMERAL_STORAGE = "61255492Ki"
POD_CIDR_FORMAT = "10.244.{n}.0/24"       # one /24 per node, as kube-controller-manager's node IPAM gives
NODE_IP_FORMAT = "172.18.0.{n}"           # the node's InternalIP (kind's docker network numbering)
CLUSTER_DNS = "10.96.0.10"                # kubelet-config: clusterDNS (kubeadm's default Service IP of CoreDNS)

# --- heartbeats (https://kubernetes.io/docs/concepts/architecture/nodes/#node-heartbeats) ---
NODE_LEASE_DURATION = 40                  # nodeLeaseDurationSeconds: Lease.spec.leaseDurationSeconds
NODE_LEASE_RENEW_INTERVAL = 10.0          # 0.25 x nodeLeaseDurationSeconds (kubelet renews its Lease)
NODE_STATUS_UPDATE_FREQUENCY = 10.0       # nodeStatusUpdateFrequency: compute node status this often
NODE_STATUS_REPORT_FREQUENCY = 300.0      # nodeStatusReportFrequency: post it even if unchanged
NODE_LEASE_NAMESPACE = "kube-node-lease"

# --- restarts and image pulls (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts)
CRASH_BACKOFF_INITIAL = 10.0              # first delay before restarting a crashed container (the 2nd restart)
CRASH_BACKOFF_MAX = 300.0                 # "capped at five minutes"
BACKOFF_RESET_AFTER = 2 * CRASH_BACKOFF_MAX   # ran this long without trouble: back-off forgotten (10 minutes)
IMAGE_BACKOFF_INITIAL = 10.0              # https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff
IMAGE_BACKOFF_MAX = 300.0
POD_WORKER_ERROR_RESYNC = 10.0            # a sync that ended in an error is retried this much later
                                          # (kubelet's backOffPeriod; upstream adds up to 50% jitter, we do not)

# --- termination (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination)
DEFAULT_TERMINATION_GRACE_PERIOD = 30     # used when a pod leaves terminationGracePeriodSeconds unset

# --- termination messages (https://kubernetes.io/docs/tasks/debug/debug-application/determine-reason-pod-failure/)
TERMINATION_MESSAGE_PATH = "/dev/termination-log"   # terminationMessagePath default
MAX_TERMINATION_MESSAGE_LENGTH = 4096     # kubecontainer.MaxContainerTerminationMessageLength
MAX_TERMINATION_MESSAGE_LOG_LINES = 80    # FallbackToLogsOnError: the last 80 lines ...
MAX_TERMINATION_MESSAGE_LOG_LENGTH = 2048 # ... or 2048 bytes, whichever is smaller

# --- container ids as the CRI reports them -----------------------------------------------------
CONTAINER_ID_PREFIX = "containerd://"
MINIMUM_GRACE_PERIOD = 2                  # a pod removed from the API (force delete) still gets SIGTERM and
                                          # this long (kubelet's minimumGracePeriodInSeconds)

# --- node-pressure eviction (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/)
EVICTION_HARD_MEMORY_AVAILABLE = "100Mi"  # evictionHard: memory.available<100Mi (the Linux default)
EVICTION_HARD_NODEFS_AVAILABLE = 0.10     # evictionHard: nodefs.available<10% (reserved out of allocatable
                                          # ephemeral-storage; minik8s models no disk pressure)
EVICTION_MONITORING_PERIOD = 10.0         # evictionMonitoringPeriod (housekeeping interval)
EVICTION_PRESSURE_TRANSITION_PERIOD = 300.0   # evictionPressureTransitionPeriod: 5m0s
EVICTION_GRACE_PERIOD = 1                 # hard eviction kills with immediateEvictionGracePeriodSeconds

# --- swap (https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/)
DEFAULT_SWAP_BEHAVIOR = "NoSwap"          # memorySwap.swapBehavior (failSwapOn: true by default)

# --- what `kubectl top node` counts besides the pods (kubelet, containerd, the OS) -----------
NODE_SYSTEM_CPU_MILLICORES = 60
NODE_SYSTEM_MEMORY_BYTES = 600 * 2 ** 20
