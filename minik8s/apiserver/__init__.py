"""kube-apiserver: the only component that talks to etcd.

* ``server.py`` -- :class:`~minik8s.apiserver.server.APIServer`: the verbs (create, get, list,
  update, patch, delete, watch), subresources, admission hooks, watch delivery;
* ``allocator.py`` -- the Service IP and NodePort allocators (an admission step of Service writes);
* ``bootstrap.py`` -- what it creates at start: the ``kubernetes`` Service and its endpoints.

https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
"""
