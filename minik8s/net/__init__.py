"""Cluster networking: the pod network and the components that let pods find and reach each other
(https://kubernetes.io/docs/concepts/services-networking/).

* ``podnetwork.py`` -- the pod network (the data plane, one flat layer-3 wire): pod IPs, network
  namespaces, HTTP and TCP clients; the runtime plugs sandboxes into it, as containerd calls CNI;
* ``kube_proxy.py`` -- kube-proxy, one per node: Service IPs -> ready endpoints, and the Router
  that sends each connection through the rules of the node it leaves from;
* ``coredns.py`` -- CoreDNS serving the ``cluster.local`` zone, and the upstream it forwards to;
* ``resolver.py`` -- the stub resolver inside containers (resolv.conf search list and ndots);
* ``dns_config.py`` -- the ``/etc/resolv.conf`` the kubelet writes for a pod's dnsPolicy;
* ``applets.py`` -- busybox's ``nslookup``, ``wget`` and ``nc`` on that network.

The API server's Service IP and port allocators are :mod:`minik8s.apiserver.allocator`; the
LoadBalancer IPs come from :mod:`minik8s.controllers.cloud_controller_manager`; the notebook's
``c.http`` / ``c.dns`` / ``c.port_forward`` are :mod:`minik8s.notebook.net`; the tunables are in
:mod:`minik8s.params`.
"""
