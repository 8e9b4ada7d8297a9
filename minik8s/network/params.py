"""Service networking tunables, each with the document (or flag) it comes from."""

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
