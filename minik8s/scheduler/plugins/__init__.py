"""The default kube-scheduler plugins, one module each, each a few small pure functions.

https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins lists them;
the code is pkg/scheduler/framework/plugins/ in kubernetes/kubernetes (v1.33), one
directory per plugin as here.

A *filter* answers "can this pod run on this node?": it returns the reasons it
cannot (an empty list means yes). The reason strings are upstream's, because
they end up, counted, in the ``FailedScheduling`` event.

A *score* answers "how good is this node?" with an integer; scores of plugins
that need it are normalised to 0..100 over all feasible nodes, multiplied by
the plugin's weight and summed. The node with the highest total wins.

Every function takes a pod (a dict or a :class:`~minik8s.scheduler.node_info.PodInfo`) and a
node (a dict or a :class:`~minik8s.scheduler.node_info.NodeInfo`, which also knows the pods
already on the node). Which plugins run, in which order and with which weights, is the
default profile: :mod:`minik8s.scheduler.profile`.
"""
