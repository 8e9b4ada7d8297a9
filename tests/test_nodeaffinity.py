"""The one node-selector term matcher (minik8s.api.nodeaffinity), used by the scheduler's
NodeAffinity plugin, the DaemonSet controller and PersistentVolume node affinity.
https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity
(operators In, NotIn, Exists, DoesNotExist, Gt, Lt; terms ORed, expressions ANDed)."""

from minik8s.api.nodeaffinity import match_expression, match_node_selector_term, match_node_selector_terms
from minik8s.api.persistentvolume import node_affinity_allows
from minik8s.controllers.daemonset import node_matches_affinity
from minik8s.scheduler.plugins.nodeaffinity import node_affinity

LABELS = {"disk": "ssd", "cores": "8"}


def test_operators():
    assert match_expression({"operator": "In", "values": ["ssd", "nvme"]}, "ssd")
    assert not match_expression({"operator": "In", "values": ["hdd"]}, "ssd")
    assert not match_expression({"operator": "In", "values": ["ssd"]}, None)
    assert match_expression({"operator": "NotIn", "values": ["hdd"]}, None)
    assert match_expression({"operator": "Exists"}, "") and not match_expression({"operator": "Exists"}, None)
    assert match_expression({"operator": "DoesNotExist"}, None)
    assert match_expression({"operator": "Gt", "values": ["4"]}, "8")
    assert not match_expression({"operator": "Lt", "values": ["4"]}, "8")
    assert not match_expression({"operator": "Gt", "values": ["x"]}, "8")     # not an integer


def test_terms_and_fields():
    ssd = {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]},
                                {"key": "cores", "operator": "Gt", "values": ["4"]}]}
    by_name = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]}
    assert match_node_selector_term(ssd, LABELS, "n1")
    assert not match_node_selector_term(by_name, LABELS, "n1")
    assert match_node_selector_terms([by_name, ssd], LABELS, "n1")            # ORed
    assert not match_node_selector_term({}, LABELS, "n1")                      # an empty term matches nothing


def test_the_three_users_agree():
    terms = [{"matchExpressions": [{"key": "disk", "operator": "NotIn", "values": ["hdd"]}]},
             {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n3"]}]}]
    for name, labels, want in (("n1", {"disk": "ssd"}, True), ("n2", {"disk": "hdd"}, False),
                               ("n3", {"disk": "hdd"}, True)):
        node = {"metadata": {"name": name, "labels": labels}, "status": {"allocatable": {"pods": "10"}}}
        spec = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                                              {"nodeSelectorTerms": terms}}}, "containers": []}
        pv = {"spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": terms}}}}
        assert node_matches_affinity(spec, node) is want
        assert (node_affinity({"metadata": {"name": "p"}, "spec": spec}, node) == []) is want
        assert node_affinity_allows(pv, node) is want
