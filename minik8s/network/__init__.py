"""Service networking: how pods find and reach each other
(https://kubernetes.io/docs/concepts/services-networking/).

* ``ipam.py`` -- the API server's ClusterIP and NodePort allocators;
* ``kube_proxy.py`` -- kube-proxy, one per node: Service IPs -> ready endpoints;
* ``coredns.py`` -- CoreDNS serving the ``cluster.local`` zone, and the upstream it forwards to;
* ``resolver.py`` -- the stub resolver inside containers (resolv.conf search list and ndots);
* ``dns_config.py`` -- the ``/etc/resolv.conf`` the kubelet writes for a pod's dnsPolicy;
* ``tools.py`` -- busybox's ``nslookup``, ``wget`` and ``nc`` on that network;
* ``cloud_controller_manager.py`` -- external IPs for ``type: LoadBalancer`` Services;
* ``client.py`` -- ``c.http``, ``c.dns`` and ``c.port_forward`` for notebooks;
* ``params.py`` -- the tunables (ranges, addresses, periods), each with its flag or document.

The wire itself (pod IPs, ports, HTTP) is the runtime's ``PodNetwork`` (``minik8s/runtime/network.py``).
"""
