"""kubectl rollout status|history|undo|pause|resume|restart.

Messages are those of k8s.io/kubectl/pkg/polymorphichelpers (rollout_status.go, history.go,
rollback.go); the walkthrough follows
https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ (creating, updating,
rolling back, pausing a Deployment).
"""

import pytest

from minik8s import Cluster
from minik8s.kubectl.cmd_rollout import (RolloutFailed, daemonset_status, deployment_status,
                                         statefulset_status)

NGINX = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
"""


def _d(desired=3, gen=2, observed=2, **status):
    return {"metadata": {"name": "web", "generation": gen}, "spec": {"replicas": desired},
            "status": {"observedGeneration": observed, **status}}


# --- the status sentences (pure functions) -----------------------------------------------------

def test_deployment_status_sentences():
    """rollout_status.go DeploymentStatusViewer, one sentence per stage of a rolling update."""
    assert deployment_status(_d(gen=3, observed=2)) == \
        ("Waiting for deployment spec update to be observed...", False)
    assert deployment_status(_d(updatedReplicas=1, replicas=4)) == \
        ('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...', False)
    assert deployment_status(_d(updatedReplicas=3, replicas=4)) == \
        ('Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...', False)
    assert deployment_status(_d(updatedReplicas=3, replicas=3, availableReplicas=2)) == \
        ('Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...', False)
    assert deployment_status(_d(updatedReplicas=3, replicas=3, availableReplicas=3)) == \
        ('deployment "web" successfully rolled out', True)


def test_deployment_status_progress_deadline():
    """progressDeadlineSeconds: Progressing=False, reason ProgressDeadlineExceeded ends `rollout status`
    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#failed-deployment)."""
    d = _d(updatedReplicas=1, conditions=[{"type": "Progressing", "status": "False",
                                           "reason": "ProgressDeadlineExceeded"}])
    with pytest.raises(RolloutFailed, match='deployment "web" exceeded its progress deadline'):
        deployment_status(d)


def test_daemonset_and_statefulset_status_sentences():
    ds = {"metadata": {"name": "fluentd", "generation": 1}, "spec": {"updateStrategy": {"type": "RollingUpdate"}},
          "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 1,
                     "numberAvailable": 1}}
    assert daemonset_status(ds)[0] == \
        'Waiting for daemon set "fluentd" rollout to finish: 1 out of 3 new pods have been updated...'
    ds["status"].update(updatedNumberScheduled=3, numberAvailable=2)
    assert daemonset_status(ds)[0] == \
        'Waiting for daemon set "fluentd" rollout to finish: 2 of 3 updated pods are available...'
    ds["status"]["numberAvailable"] = 3
    assert daemonset_status(ds) == ('daemon set "fluentd" successfully rolled out', True)
    ds["spec"]["updateStrategy"]["type"] = "OnDelete"
    with pytest.raises(RolloutFailed, match="only available for RollingUpdate strategy type"):
        daemonset_status(ds)
    sts = {"metadata": {"name": "web", "generation": 1},
           "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}},
           "status": {"observedGeneration": 1, "readyReplicas": 1, "updatedReplicas": 1}}
    assert statefulset_status(sts) == ("Waiting for 2 pods to be ready...", False)
    sts["status"].update(readyReplicas=3, updatedReplicas=3)
    assert statefulset_status(sts) == ("partitioned roll out complete: 3 new pods have been updated...", True)


# --- rollout status on the virtual clock ----------------------------------------------------------

def _hand_made(c):
    """A Deployment whose status a test writes by hand (no controller running)."""
    c.stop("kube-controller-manager")
    c.apiserver.create("deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}})

    def set_status(**st):
        d = c.apiserver.get("deployments", "web")
        d["status"] = {"observedGeneration": d["metadata"]["generation"], **st}
        c.apiserver.update("deployments", d, subresource="status")
    return set_status


def test_rollout_status_waits_on_the_virtual_clock_and_prints_each_sentence_once():
    c = Cluster(nodes=0)
    set_status = _hand_made(c)
    set_status(replicas=3, updatedReplicas=1, availableReplicas=0)
    t0 = c.now
    c.clock.call_at(t0 + 5, lambda: set_status(replicas=4, updatedReplicas=2, availableReplicas=1))
    c.clock.call_at(t0 + 6, lambda: set_status(replicas=4, updatedReplicas=2, availableReplicas=2))  # same sentence
    c.clock.call_at(t0 + 9, lambda: set_status(replicas=4, updatedReplicas=3, availableReplicas=2))
    c.clock.call_at(t0 + 12, lambda: set_status(replicas=3, updatedReplicas=3, availableReplicas=2))
    c.clock.call_at(t0 + 20, lambda: set_status(replicas=3, updatedReplicas=3, availableReplicas=3))
    out = c.kubectl("rollout status deployment/web")
    assert out == ('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n'
                   'Waiting for deployment "web" rollout to finish: 2 out of 3 new replicas have been updated...\n'
                   'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...\n'
                   'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...\n'
                   'deployment "web" successfully rolled out\n')
    assert c.now == pytest.approx(t0 + 20)


def test_rollout_status_watch_false_timeout_and_deadline():
    c = Cluster(nodes=0)
    set_status = _hand_made(c)
    set_status(replicas=3, updatedReplicas=1)
    line = 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n'
    assert c.kubectl("rollout status deploy web --watch=false") == line
    t0 = c.now
    assert c.kubectl("rollout status deploy/web --timeout=30s") == line + "error: timed out waiting for the condition\n"
    assert c.now == pytest.approx(t0 + 30)
    c.clock.call_at(c.now + 3, lambda: set_status(replicas=3, updatedReplicas=1, conditions=[
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]))
    assert c.kubectl("rollout status deploy/web") == line + 'error: deployment "web" exceeded its progress deadline\n'


def test_rollout_errors():
    c = Cluster(nodes=0)
    assert c.kubectl("rollout status deployment/nope") == \
        'Error from server (NotFound): deployments.apps "nope" not found\n'
    assert c.kubectl("rollout frobnicate deployment/x") == 'error: unknown command "frobnicate" for "kubectl rollout"\n'


# --- the Deployments page walkthrough, end to end --------------------------------------------------

def test_deployment_walkthrough_update_history_undo():
    """Create, update the image, see the history, roll back: the old template becomes the newest
    revision (history 1,2 -> undo -> 2,3), as the Deployments page describes."""
    c = Cluster(nodes=3)
    c.apply(NGINX)
    assert c.kubectl("rollout status deployment/nginx-deployment").endswith(
        'deployment "nginx-deployment" successfully rolled out\n')
    assert c.kubectl("set image deployment/nginx-deployment nginx=nginx:1.16.1") == \
        "deployment.apps/nginx-deployment image updated\n"
    out = c.kubectl("rollout status deployment/nginx-deployment")
    assert out.startswith('Waiting for deployment "nginx-deployment" rollout to finish: ')
    assert out.endswith('deployment "nginx-deployment" successfully rolled out\n')
    assert c.kubectl("rollout history deployment/nginx-deployment") == (
        "deployment.apps/nginx-deployment \n"
        "REVISION  CHANGE-CAUSE\n"
        "1         <none>\n"
        "2         <none>\n"
        "\n")
    rev1 = c.kubectl("rollout history deployment/nginx-deployment --revision=1")
    assert rev1.startswith("deployment.apps/nginx-deployment with revision #1\nPod Template:\n")
    assert "Image:\tnginx:1.14.2\n" in rev1          # printTemplate writes without a tabwriter
    assert c.kubectl("rollout undo deployment/nginx-deployment") == "deployment.apps/nginx-deployment rolled back\n"
    c.kubectl("rollout status deployment/nginx-deployment")
    d = c.get("deployments", "nginx-deployment")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.14.2"
    assert "pod-template-hash" not in d["spec"]["template"]["metadata"]["labels"]
    hist = c.kubectl("rollout history deployment/nginx-deployment")
    assert hist.splitlines()[2:4] == ["2         <none>", "3         <none>"]
    assert c.kubectl("rollout undo deployment/nginx-deployment --to-revision=5") == \
        "error: unable to find specified revision 5 in history\n"
    assert c.kubectl("rollout undo deployment/nginx-deployment --to-revision=3") == \
        "deployment.apps/nginx-deployment skipped rollback (current template already matches revision 3)\n"


def test_change_cause_shows_in_history():
    """`kubectl annotate deployment/... kubernetes.io/change-cause=...` is copied to the ReplicaSet and
    listed by `rollout history`."""
    c = Cluster(nodes=2)
    c.apply(NGINX)
    c.kubectl("rollout status deployment/nginx-deployment")
    c.kubectl("set image deployment/nginx-deployment nginx=nginx:1.16.1")
    c.kubectl('annotate deployment/nginx-deployment kubernetes.io/change-cause="image updated to 1.16.1"')
    c.kubectl("rollout status deployment/nginx-deployment")
    c.run(5)
    assert "2         image updated to 1.16.1\n" in c.kubectl("rollout history deployment/nginx-deployment")


def test_pause_resume_restart():
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#pausing-and-resuming-a-deployment"""
    c = Cluster(nodes=1)
    c.apply(NGINX)
    c.kubectl("rollout status deployment/nginx-deployment")
    # With one revision only, undo has nothing to go back to (checked before the pause, as upstream).
    assert c.kubectl("rollout undo deployment/nginx-deployment") == \
        'error: no rollout history found for deployment "nginx-deployment"\n'
    c.kubectl("set image deployment/nginx-deployment nginx=nginx:1.16.1")
    c.kubectl("rollout status deployment/nginx-deployment")
    assert c.kubectl("rollout pause deployment/nginx-deployment") == "deployment.apps/nginx-deployment paused\n"
    assert c.get("deployments", "nginx-deployment")["spec"]["paused"] is True
    assert c.kubectl("rollout pause deployment/nginx-deployment") == \
        'error: deployments.apps "nginx-deployment" is already paused\n'
    assert c.kubectl("rollout restart deployment/nginx-deployment") == \
        'error: deployments.apps "nginx-deployment" can\'t restart paused deployment (run rollout resume first)\n'
    assert c.kubectl("rollout undo deployment/nginx-deployment") == \
        "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again\n"
    assert c.kubectl("rollout resume deployment/nginx-deployment") == "deployment.apps/nginx-deployment resumed\n"
    assert c.kubectl("rollout resume deployment/nginx-deployment") == \
        'error: deployments.apps "nginx-deployment" is not paused\n'
    assert c.kubectl("rollout restart deployment/nginx-deployment") == "deployment.apps/nginx-deployment restarted\n"
    ann = c.get("deployments", "nginx-deployment")["spec"]["template"]["metadata"]["annotations"]
    assert ann["kubectl.kubernetes.io/restartedAt"].endswith("Z")
    assert c.kubectl("rollout status deployment/nginx-deployment").endswith("successfully rolled out\n")


def test_scale_through_the_scale_subresource():
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#scaling-a-deployment"""
    c = Cluster(nodes=2)
    c.apply(NGINX)
    assert c.kubectl("scale deployment/nginx-deployment --replicas=5") == "deployment.apps/nginx-deployment scaled\n"
    assert c.get("deployments", "nginx-deployment")["spec"]["replicas"] == 5
    assert c.kubectl("scale deployment nginx-deployment --current-replicas=3 --replicas=1") == \
        "error: Expected replicas to be 3, was 5\n"
    assert c.kubectl("scale deployment/nginx-deployment") == 'error: required flag(s) "replicas" not set\n'
    assert c.kubectl("scale deployment/nope --replicas=1") == \
        'Error from server (NotFound): deployments.apps "nope" not found\n'
    c.kubectl("rollout status deployment/nginx-deployment")
    assert len(c.list("pods", selector="app=nginx")) == 5


def test_daemonset_history_and_undo_through_controller_revisions():
    """DaemonSet revisions are ControllerRevisions; undo restores the old template as a new revision
    (https://kubernetes.io/docs/tasks/manage-daemon/rollback-daemon-set/)."""
    c = Cluster(nodes=2)
    c.apply("""
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {name: agent}}
  template:
    metadata: {labels: {name: agent}}
    spec:
      containers: [{name: agent, image: "nginx:1.14.2"}]
""")
    assert c.kubectl("rollout status ds/agent").endswith('daemon set "agent" successfully rolled out\n')
    assert c.kubectl("rollout undo daemonset/agent") == "error: no last revision to roll back to\n"
    c.kubectl("set image ds/agent agent=nginx:1.16.1")
    c.run(5)
    assert c.kubectl("rollout history daemonset/agent") == (
        "daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n")
    rev1 = c.kubectl("rollout history daemonset/agent --revision=1")
    assert rev1.startswith("daemonset.apps/agent with revision #1\nPod Template:\n")
    assert "Image:\tnginx:1.14.2\n" in rev1
    assert c.kubectl("rollout undo daemonset/agent --to-revision=7") == \
        "error: unable to find specified revision 7 in history\n"
    assert c.kubectl("rollout undo daemonset/agent") == "daemonset.apps/agent rolled back\n"
    assert c.get("daemonsets", "agent")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.14.2"
    c.run(5)
    assert c.kubectl("rollout history ds/agent").splitlines()[2:] == ["2         <none>", "3         <none>", ""]


def test_describe_deployment_after_a_rolling_update():
    """`kubectl describe deployments` after `set image`, as on the Deployments page
    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#updating-a-deployment)."""
    c = Cluster(nodes=2)
    c.apply(NGINX)
    c.kubectl("rollout status deploy/nginx-deployment")
    c.kubectl("set image deployment/nginx-deployment nginx=nginx:1.16.1")
    c.kubectl("rollout status deploy/nginx-deployment")
    out = c.kubectl("describe deployments")
    rs = {r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: r["metadata"]["name"]
          for r in c.list("replicasets")}
    assert ("Annotations:            deployment.kubernetes.io/revision: 2\n"
            "Selector:               app=nginx\n"
            "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable\n"
            "StrategyType:           RollingUpdate\n"
            "MinReadySeconds:        0\n"
            "RollingUpdateStrategy:  25% max unavailable, 25% max surge\n"
            "Pod Template:\n"
            "  Labels:  app=nginx\n"
            "  Containers:\n"
            "   nginx:\n"
            "    Image:         nginx:1.16.1\n") in out
    assert ("Conditions:\n"
            "  Type           Status  Reason\n"
            "  ----           ------  ------\n"
            "  Available      True    MinimumReplicasAvailable\n"
            "  Progressing    True    NewReplicaSetAvailable\n"
            f"OldReplicaSets:  {rs['1']} (0/0 replicas created)\n"
            f"NewReplicaSet:   {rs['2']} (3/3 replicas created)\n"
            "Events:\n") in out
    assert f"deployment-controller  Scaled up replica set {rs['1']} from 0 to 3\n" in out
