"""``kubectl describe``: a human-readable page about one object and its events.

kubectl's describers (``k8s.io/kubectl/pkg/describe/describe.go``) write each page
through a prefix writer into Go's tabwriter (:mod:`.writer`), then one
``describe_<kind>`` function per kind, written in the same order as upstream's so
that the output matches kubectl v1.33 line for line
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_describe/):
:mod:`.pods`, :mod:`.nodes`, :mod:`.workloads` (Deployment, ReplicaSet, DaemonSet,
StatefulSet, Job, CronJob), :mod:`.services` (Service, EndpointSlice, Endpoints),
:mod:`.config` (ConfigMap, Secret, Namespace, ServiceAccount, PriorityClass),
:mod:`.storage` (PV, PVC, StorageClass) and :mod:`.generic` for every other kind.

Every describer is a pure function of the object and what the API server returns
for it (events, pods, ReplicaSets), so a chapter can show it and a test can pin it.
``now`` (virtual seconds) decides the ages (``5s``, ``3m2s``).
``kubectl describe`` itself (fetching those objects) is :mod:`..cmd_describe`.
"""
