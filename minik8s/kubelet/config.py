"""Every tunable of the kubelet, in one place, with the document each number comes from.

Like xv6's ``param.h``: read this file to know how long the kubelet waits for
anything. Values are the kubelet's defaults in Kubernetes v1.33
(https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/).
"""

from __future__ import annotations

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
CLUSTER_DOMAIN = "cluster.local"          # kubelet-config: clusterDomain

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
