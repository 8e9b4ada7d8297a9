"""Deployment controller: rolling update arithmetic and scenarios.

https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
"""

import pytest

from minik8s.api.podtemplate import templates_equal
from minik8s.controllers.deployment import max_surge_and_unavailable, proportional_sizes, rolling_update_step
from minik8s.controllers.deployment_util import pod_template_hash, safe_encode

from ctrl_helpers import finish_deleting, make_cluster, run_all, template

DOC = "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/"


# --- pure arithmetic ------------------------------------------------------------------------------

def test_max_surge_rounds_up_and_max_unavailable_rounds_down():
    """#max-surge / #max-unavailable: percentages of surge round up, of unavailable round down."""
    assert max_surge_and_unavailable(10, "25%", "25%") == (3, 2)
    assert max_surge_and_unavailable(3, "25%", "25%") == (1, 0)
    assert max_surge_and_unavailable(4, 1, 1) == (1, 1)
    assert max_surge_and_unavailable(10, "30%", "30%") == (3, 3)


def test_both_zero_is_invalid_but_rounding_to_zero_allows_one_unavailable():
    with pytest.raises(ValueError, match="may not be 0 when maxSurge is 0"):
        max_surge_and_unavailable(4, 0, 0)
    # ResolveFenceposts: 0 surge and 10% of 5 (rounds down to 0) -> 1 may be unavailable.
    assert max_surge_and_unavailable(5, 0, "10%") == (0, 1)


def _simulate(desired, surge, unavailable, old, become_available=True):
    """Apply rolling_update_step until stable; new pods become available between steps."""
    new, olds = 0, [old]
    seq = [(new, tuple(olds))]
    for _ in range(50):
        n, o = rolling_update_step(desired, surge, unavailable, (new, new if become_available else 0),
                                   [(x, x) for x in olds])
        if (n, o) == (new, olds):
            break
        new, olds = n, o
        seq.append((new, tuple(olds)))
    return seq


def test_documented_three_replica_rollout_creates_one_then_deletes_one():
    """#rolling-update-deployment: with 3 replicas and the 25%/25% default the controller "first
    creates a new Pod, then deletes an old Pod, and creates another new one" — at least 3 pods
    available (25% of 3 rounds down to 0 unavailable) and at most 4 in total."""
    assert _simulate(3, "25%", "25%", 3) == [
        (0, (3,)), (1, (3,)), (1, (2,)), (2, (2,)), (2, (1,)), (3, (1,)), (3, (0,))]


def test_four_replicas_surge_one_unavailable_one():
    """4 replicas, maxSurge 1, maxUnavailable 1, new pods available at once: at most 5 pods, at least
    3 available; an available new pod lets two old ones go at once."""
    assert _simulate(4, 1, 1, 4) == [
        (0, (4,)), (1, (4,)), (1, (2,)), (3, (2,)), (3, (0,)), (4, (0,))]


def test_unavailable_new_pods_stop_the_rollout():
    """#proportional-scaling: 10 replicas, maxSurge 3, maxUnavailable 2, an image that never starts:
    the new ReplicaSet reaches 5 and the old one stays at 8 (13 = 10 + 3 pods)."""
    assert _simulate(10, 3, 2, 10, become_available=False)[-1] == (5, (8,))


def test_proportional_scaling_documented_example():
    """#proportional-scaling: scaling that Deployment to 15 spreads 5 replicas: 3 to the old
    ReplicaSet (8 -> 11) and 2 to the new one (5 -> 7)."""
    # indices: 0 = new (5), 1 = old (8); both carry max-replicas 13 from before the scale.
    assert proportional_sizes(15, 3, [5, 8], [13, 13], [1, 0]) == [7, 11]


def test_pod_template_hash_shape_and_normalisation():
    t = template({"app": "web"})
    h = pod_template_hash(t)
    assert 1 <= len(h) <= 10 and set(h) <= set(safe_encode("0123456789"))
    noisy = {"metadata": {"labels": {"app": "web", "pod-template-hash": h}, "creationTimestamp": None},
             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {}}]}}
    assert templates_equal(t, noisy) and pod_template_hash(noisy) == h
    assert pod_template_hash(t, 1) != h


# --- scenarios ------------------------------------------------------------------------------------

def deploy(name="web", replicas=4, surge=1, unavailable=1, strategy="RollingUpdate", image="nginx:1.27", **spec):
    s = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
         "template": template({"app": name}, image)}
    if strategy == "RollingUpdate":
        s["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}
    else:
        s["strategy"] = {"type": "Recreate"}
    s.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": s}


def rs_sizes(c):
    rss = sorted(c.list("rs"), key=lambda r: int(r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))
    return tuple(r["spec"]["replicas"] for r in rss)


def set_image(c, image, name="web"):
    c.apiserver.patch("deployments", name, {"spec": {"template": {"spec": {
        "containers": [{"name": "nginx", "image": image}]}}}}, "default")
    c.run(0)


def test_creates_replicaset_with_hash_name_label_and_revision():
    c = make_cluster()
    c.apply(deploy(replicas=3))
    c.run(1)
    (rs,) = c.list("rs")
    h = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{h}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": h}
    ann = rs["metadata"]["annotations"]
    assert ann["deployment.kubernetes.io/revision"] == "1"
    assert ann["deployment.kubernetes.io/desired-replicas"] == "3"
    assert ann["deployment.kubernetes.io/max-replicas"] == "4"
    assert all(p["metadata"]["labels"]["pod-template-hash"] == h for p in c.list("pods"))
    assert c.get("deploy", "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    ev = [e["message"] for e in c.events() if e["reason"] == "ScalingReplicaSet"]
    assert ev == [f"Scaled up replica set web-{h} from 0 to 3"]
    st = c.get("deploy", "web")["status"]
    assert {x["type"]: x["reason"] for x in st["conditions"]}["Progressing"] == "ReplicaSetUpdated"
    run_all(c)
    c.run(1)
    st = c.get("deploy", "web")["status"]
    assert (st["replicas"], st["updatedReplicas"], st["readyReplicas"], st["availableReplicas"]) == (3, 3, 3, 3)
    conds = {x["type"]: (x["status"], x["reason"], x["message"]) for x in st["conditions"]}
    assert conds["Available"] == ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    assert conds["Progressing"] == ("True", "NewReplicaSetAvailable",
                                    f'ReplicaSet "web-{h}" has successfully progressed.')


def test_rolling_update_four_replicas_surge_one_unavailable_one_step_by_step():
    """#rolling-update-deployment: the ReplicaSet sizes (old, new) at each step, pods ready at once."""
    c = make_cluster()
    c.apply(deploy(replicas=4))
    c.run(1)
    run_all(c)
    c.run(1)
    set_image(c, "nginx:1.28")
    seen = [rs_sizes(c)]
    for _ in range(6):
        finish_deleting(c)
        run_all(c)
        c.run(1)
        if rs_sizes(c) != seen[-1]:
            seen.append(rs_sizes(c))
    assert seen == [(3, 2), (1, 4), (0, 4)]
    msgs = [e["message"].split(" replica set ")[0] + " " + e["message"].split(" from ")[1]
            for e in c.events() if e["reason"] == "ScalingReplicaSet"]
    assert msgs == ["Scaled up 0 to 4", "Scaled up 0 to 1", "Scaled down 4 to 3", "Scaled up 1 to 2",
                    "Scaled down 3 to 1", "Scaled up 2 to 4", "Scaled down 1 to 0"]


def test_rollback_makes_old_template_the_newest_revision():
    """#rolling-back-a-deployment: history 1,2 -> undo -> 2,3 (the old ReplicaSet becomes revision 3)."""
    c = make_cluster()
    c.apply(deploy(replicas=2))
    c.run(1); run_all(c); c.run(1)
    set_image(c, "nginx:1.28")
    for _ in range(4):
        finish_deleting(c); run_all(c); c.run(1)
    first = [r for r in c.list("rs") if r["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"][0]
    # kubectl rollout undo: copy the old template (without pod-template-hash) into the Deployment.
    tmpl = first["spec"]["template"]
    tmpl["metadata"]["labels"].pop("pod-template-hash")
    tmpl["metadata"]["creationTimestamp"] = None
    tmpl["spec"]["containers"][0]["resources"] = {}
    d = c.get("deploy", "web")
    d["spec"]["template"] = tmpl
    c.apiserver.update("deployments", d, "default")
    c.run(1)
    for _ in range(4):
        finish_deleting(c); run_all(c); c.run(1)
    revs = {r["metadata"]["name"]: r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            for r in c.list("rs")}
    assert len(revs) == 2 and revs[first["metadata"]["name"]] == "3"
    assert sorted(revs.values()) == ["2", "3"]
    again = c.get("rs", first["metadata"]["name"])
    assert again["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert again["spec"]["replicas"] == 2
    assert c.get("deploy", "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"


def test_revision_history_limit_prunes_empty_old_replicasets():
    """#clean-up-policy: revisionHistoryLimit old ReplicaSets are kept."""
    c = make_cluster()
    c.apply(deploy(replicas=1, revisionHistoryLimit=1))
    c.run(1); run_all(c); c.run(1)
    for tag in ("1.28", "1.29", "1.30"):
        set_image(c, f"nginx:{tag}")
        for _ in range(4):
            finish_deleting(c); run_all(c); c.run(1)
    revs = sorted(r["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for r in c.list("rs"))
    assert revs == ["3", "4"]


def test_change_cause_annotation_is_copied_to_the_replicaset():
    """#checking-rollout-history-of-a-deployment: CHANGE-CAUSE comes from kubernetes.io/change-cause."""
    c = make_cluster()
    m = deploy(replicas=1)
    m["metadata"]["annotations"] = {"kubernetes.io/change-cause": "first"}
    c.apply(m)
    c.run(1)
    assert c.list("rs")[0]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "first"


def test_paused_deployment_does_not_roll_out_until_resumed():
    """#pausing-and-resuming-a-deployment."""
    c = make_cluster()
    c.apply(deploy(replicas=2))
    c.run(1); run_all(c); c.run(1)
    c.apiserver.patch("deployments", "web", {"spec": {"paused": True}}, "default")
    c.run(1)
    set_image(c, "nginx:1.28")
    c.run(5)
    assert len(c.list("rs")) == 1
    cond = [x for x in c.get("deploy", "web")["status"]["conditions"] if x["type"] == "Progressing"][0]
    assert (cond["status"], cond["reason"], cond["message"]) == ("Unknown", "DeploymentPaused", "Deployment is paused")
    c.apiserver.patch("deployments", "web", {"spec": {"paused": False}}, "default")
    c.run(1)
    assert len(c.list("rs")) == 2


def test_progress_deadline_exceeded():
    """#failed-deployment: no progress for progressDeadlineSeconds -> Progressing=False,
    reason ProgressDeadlineExceeded (checked one second after the deadline, as upstream requeues)."""
    c = make_cluster()
    c.apply(deploy(replicas=2, progressDeadlineSeconds=30))
    c.run(1); run_all(c); c.run(1)
    set_image(c, "nginx:does-not-exist")
    t0 = c.now
    c.run(1)   # the new pods never become ready
    c.run(29)
    cond = [x for x in c.get("deploy", "web")["status"]["conditions"] if x["type"] == "Progressing"][0]
    assert cond["reason"] == "ReplicaSetUpdated"
    c.run(2.5)
    cond = [x for x in c.get("deploy", "web")["status"]["conditions"] if x["type"] == "Progressing"][0]
    assert (cond["status"], cond["reason"]) == ("False", "ProgressDeadlineExceeded")
    new = sorted(c.list("rs"), key=lambda r: r["metadata"]["annotations"]["deployment.kubernetes.io/revision"])[-1]
    assert cond["message"] == f'ReplicaSet "{new["metadata"]["name"]}" has timed out progressing.'
    assert t0 + 31 <= 2 + c.now


def test_proportional_scaling_mid_rollout_matches_the_docs():
    """#proportional-scaling: 10 replicas (maxSurge 3, maxUnavailable 2) stuck on a bad image: old 8,
    new 5; scaling to 15 makes them 11 and 7."""
    c = make_cluster()
    c.apply(deploy(replicas=10, surge=3, unavailable=2))
    c.run(1); run_all(c); c.run(1)
    set_image(c, "nginx:sometag")
    for _ in range(3):
        finish_deleting(c); c.run(1)
    assert rs_sizes(c) == (8, 5)
    c.apiserver.patch("deployments", "web", {"spec": {"replicas": 15}}, "default")
    c.run(1)
    assert rs_sizes(c) == (11, 7)


def test_recreate_scales_old_to_zero_before_creating_new_pods():
    """#recreate-deployment: all existing Pods are killed before new ones are created."""
    c = make_cluster()
    c.apply(deploy(replicas=3, strategy="Recreate"))
    c.run(1); run_all(c); c.run(1)
    set_image(c, "nginx:1.28")
    c.run(1)
    assert rs_sizes(c) == (0,)            # old scaled down; new not created while old pods terminate
    finish_deleting(c)
    c.run(1)
    assert rs_sizes(c) == (0, 3)


# --- end to end, with real kubelets, the scheduler and kubectl ------------------------------------------

def test_end_to_end_rollout_and_undo_with_kubectl():
    """#updating-a-deployment and #rolling-back-a-deployment with kubectl on a real (virtual) cluster."""
    from minik8s import Cluster
    c = Cluster(nodes=2, seed=3)
    c.apply(deploy(replicas=3, surge="25%", unavailable="25%"))
    c.run_until(lambda c: c.get("deploy", "web").get("status", {}).get("availableReplicas") == 3, timeout=120)
    c.kubectl("set image deployment/web nginx=nginx:1.28")
    c.run_until(lambda c: (lambda s: s.get("updatedReplicas") == 3 and s.get("availableReplicas") == 3
                           and s.get("replicas") == 3)(c.get("deploy", "web")["status"]), timeout=300)
    assert c.kubectl("rollout status deployment/web").strip() == 'deployment "web" successfully rolled out'
    c.kubectl("rollout undo deployment/web")
    c.run_until(lambda c: (lambda s: s.get("updatedReplicas") == 3 and s.get("availableReplicas") == 3
                           and s.get("replicas") == 3)(c.get("deploy", "web")["status"]), timeout=300)
    revs = sorted(int(r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]) for r in c.list("rs"))
    assert revs == [2, 3]
    images = {p["spec"]["containers"][0]["image"] for p in c.list("pods") if not p["metadata"].get("deletionTimestamp")}
    assert images == {"nginx:1.27"}
    hist = c.kubectl("rollout history deployment/web")
    assert "2         <none>" in hist and "3         <none>" in hist and "1         <none>" not in hist


# --- invariants (hypothesis) ---------------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

_int_or_pct = st.one_of(st.integers(0, 5), st.sampled_from(["0%", "10%", "25%", "50%", "100%"]))


@settings(max_examples=200, deadline=None)
@given(desired=st.integers(1, 30), surge=_int_or_pct, unavailable=_int_or_pct, old=st.integers(0, 30))
def test_rolling_update_invariants(desired, surge, unavailable, old):
    """#rolling-update-deployment: the total never exceeds replicas + maxSurge (once within it), at least
    replicas - maxUnavailable stay available, and the rollout always finishes with the new ReplicaSet
    holding every replica."""
    if surge in (0, "0%") and unavailable in (0, "0%"):
        with pytest.raises(ValueError):
            rolling_update_step(desired, surge, unavailable, (0, 0), [(old, old)])
        return
    max_s, max_u = max_surge_and_unavailable(desired, surge, unavailable)
    new, olds = 0, [old]
    for _ in range(200):
        n, o = rolling_update_step(desired, surge, unavailable, (new, new), [(x, x) for x in olds])
        if (n, o) == (new, olds):
            break
        if n + sum(o) > new + sum(olds):                         # a scale-up step
            assert n + sum(o) <= desired + max_s
        if n + sum(o) < new + sum(olds) and new + sum(olds) >= desired - min(max_u, desired):
            assert n + sum(o) >= desired - min(max_u, desired)   # a scale-down keeps enough available
        new, olds = n, o
    assert (new, olds) == (desired, [0])


def test_replica_failure_shows_on_the_deployment():
    """#failed-deployment: "insufficient quota" shows as a ReplicaFailure condition (FailedCreate)."""
    from minik8s import errors
    c = make_cluster()

    def quota(op, res, obj, old):
        if op == "CREATE" and res.kind == "Pod":
            raise errors.forbidden(f'pods "{obj["metadata"]["name"]}" is forbidden: exceeded quota: compute')
    c.apiserver.validating_admission.append(quota)
    c.apply(deploy(replicas=2))
    c.run(1)
    conds = {x["type"]: x for x in c.get("deploy", "web")["status"]["conditions"]}
    assert (conds["ReplicaFailure"]["status"], conds["ReplicaFailure"]["reason"]) == ("True", "FailedCreate")
    assert "exceeded quota" in conds["ReplicaFailure"]["message"]
    c.apiserver.validating_admission.remove(quota)
    c.run(5)
    conds = {x["type"] for x in c.get("deploy", "web")["status"]["conditions"]}
    assert "ReplicaFailure" not in conds


def test_rolling_update_waits_for_min_ready_seconds():
    """#min-ready-seconds: a new pod counts as available only after minReadySeconds; with maxUnavailable 0
    no old pod goes before that (the ReplicaSet looks again minReadySeconds + 1 s after readiness)."""
    c = make_cluster()
    c.apply(deploy(replicas=2, surge=1, unavailable=0, minReadySeconds=10))
    c.run(1); run_all(c); c.run(12)
    assert c.get("deploy", "web")["status"]["availableReplicas"] == 2
    set_image(c, "nginx:1.28")
    c.run(1)
    assert rs_sizes(c) == (2, 1)
    run_all(c)
    t_ready = c.now
    c.run(10.5)
    assert rs_sizes(c) == (2, 1)          # ready, not yet available
    c.run(t_ready + 11.5 - c.now)
    assert rs_sizes(c)[0] == 1            # available now: one old pod may go
