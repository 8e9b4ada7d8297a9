"""kube-scheduler: the component (:mod:`.scheduler`) and its scheduling framework.

https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/
"""
