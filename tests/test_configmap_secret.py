"""ConfigMaps and Secrets as files and as environment variables.

Docs: https://kubernetes.io/docs/concepts/configuration/configmap/,
https://kubernetes.io/docs/concepts/configuration/secret/,
https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/.
"""

from __future__ import annotations

from minik8s import Cluster
from minik8s.kubelet.volumes import SYNC_FREQUENCY


def box(script, mounts=(), env=None, env_from=None, name="app"):
    c = {"name": name, "image": "busybox", "command": ["sh", "-c", script], "volumeMounts": list(mounts)}
    if env:
        c["env"] = env
    if env_from:
        c["envFrom"] = env_from
    return c


def make_pod(c, name, containers, volumes=()):
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
             "spec": {"containers": containers, "volumes": list(volumes), "terminationGracePeriodSeconds": 0}})


def running(c, name, timeout=120):
    c.run_until(lambda c: (c.get("pod", name).get("status") or {}).get("phase") == "Running", timeout=timeout)
    c.run(1)


def events(c, name):
    return [(e["type"], e["reason"], e["message"]) for e in c.list("events") if e["involvedObject"]["name"] == name]


def test_configmap_volume_files_items_and_default_mode():
    """Each key becomes a file; items choose keys and paths; defaultMode sets the permissions
    (https://kubernetes.io/docs/concepts/configuration/configmap/#using-configmaps-as-files-from-a-pod)."""
    c = Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "game-demo"},
             "data": {"player_initial_lives": "3", "game.properties": "enemy.types=aliens,monsters\n"}})
    make_pod(c, "cm", [box("sleep 3600", [{"name": "all", "mountPath": "/config"},
                                          {"name": "some", "mountPath": "/picked"}])],
             [{"name": "all", "configMap": {"name": "game-demo", "defaultMode": 0o440}},
              {"name": "some", "configMap": {"name": "game-demo", "items": [
                  {"key": "game.properties", "path": "conf/game.properties"}]}}])
    running(c, "cm")
    assert c.exec("cm", "ls /config") == "game.properties\nplayer_initial_lives\n"
    assert c.exec("cm", "cat /config/player_initial_lives") == "3"
    assert c.exec("cm", "ls -l /config/player_initial_lives").startswith("-r--r-----")
    assert c.exec("cm", "ls /picked/conf") == "game.properties\n"
    assert c.exec("cm", "cat /picked/conf/game.properties") == "enemy.types=aliens,monsters\n"
    # configMap volumes are mounted read-only
    assert "Read-only file system" in c.exec("cm", "sh -c 'echo 9 > /config/player_initial_lives'")


def test_missing_configmap_keeps_the_pod_in_container_creating():
    """A pod whose configMap volume names a missing ConfigMap stays ContainerCreating with a
    FailedMount event, and starts once the ConfigMap exists
    (https://kubernetes.io/docs/concepts/configuration/configmap/#configmap-object)."""
    c = Cluster(nodes=1)
    make_pod(c, "waits", [box("cat /etc/cfg/color; sleep 3600", [{"name": "cfg", "mountPath": "/etc/cfg"}])],
             [{"name": "cfg", "configMap": {"name": "app-config"}}])
    c.run(30)
    assert c.kubectl("get pod waits").splitlines()[1].split()[2] == "ContainerCreating"
    assert ("Warning", "FailedMount", 'MountVolume.SetUp failed for volume "cfg" : configmap "app-config" not found') \
        in events(c, "waits")
    c.kubectl("create configmap app-config --from-literal=color=blue")
    running(c, "waits", timeout=180)
    assert c.logs("waits") == "blue"


def test_optional_configmap_volume_may_be_missing():
    """optional: true - a missing ConfigMap gives an empty directory, not an error."""
    c = Cluster(nodes=1)
    make_pod(c, "opt", [box("sleep 3600", [{"name": "cfg", "mountPath": "/etc/cfg"}])],
             [{"name": "cfg", "configMap": {"name": "nope", "optional": True}}])
    running(c, "opt", timeout=30)
    assert c.exec("opt", "ls /etc/cfg") == ""


def test_missing_secret_event_text():
    """A missing Secret volume: MountVolume.SetUp failed ... secret "x" not found
    (https://kubernetes.io/docs/concepts/configuration/secret/#restriction-secret-must-exist)."""
    c = Cluster(nodes=1)
    make_pod(c, "nosecret", [box("sleep 3600", [{"name": "s", "mountPath": "/s"}])],
             [{"name": "s", "secret": {"secretName": "db-pass"}}])
    c.run(10)
    assert ("Warning", "FailedMount", 'MountVolume.SetUp failed for volume "s" : secret "db-pass" not found') \
        in events(c, "nosecret")
    assert (c.get("pod", "nosecret")["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
            == "ContainerCreating")


def test_configmap_update_reaches_files_but_not_env_or_subpath():
    """Mounted ConfigMaps are updated automatically (within the kubelet sync period); environment
    variables are not, and a container using a ConfigMap as a subPath volume mount will not
    receive updates (https://kubernetes.io/docs/concepts/configuration/configmap/#mounted-configmaps-are-updated-automatically)."""
    c = Cluster(nodes=1)
    c.kubectl("create configmap app --from-literal=color=blue")
    make_pod(c, "watcher", [box("sleep 3600", [{"name": "cfg", "mountPath": "/etc/cfg"},
                                               {"name": "cfg", "mountPath": "/etc/color", "subPath": "color"}],
                                env=[{"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "color"}}}])],
             [{"name": "cfg", "configMap": {"name": "app"}}])
    running(c, "watcher")
    assert c.exec("watcher", "cat /etc/cfg/color") == "blue"
    cm = c.get("configmap", "app")
    cm["data"]["color"] = "green"
    c.apply(cm)
    c.run(1)
    assert c.exec("watcher", "cat /etc/cfg/color") == "blue"          # not yet: the kubelet syncs periodically
    c.run(SYNC_FREQUENCY)
    assert c.exec("watcher", "cat /etc/cfg/color") == "green"         # the mounted file follows
    assert c.exec("watcher", "cat /etc/color") == "blue"              # a subPath mount does not
    assert "COLOR=blue" in c.exec("watcher", "env").splitlines()      # nor the environment


def test_secret_volume_and_env_are_decoded():
    """Secrets are base64 in the API and plain in the container, as files and as env vars
    (https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod,
    https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/)."""
    c = Cluster(nodes=1)
    assert c.kubectl("create secret generic db --from-literal=username=admin --from-literal=password=s3cr3t") \
        == "secret/db created\n"
    yaml_out = c.kubectl("get secret db -o yaml")
    assert "password: czNjcjN0\n" in yaml_out and "username: YWRtaW4=\n" in yaml_out
    make_pod(c, "sec", [box("sleep 3600", [{"name": "s", "mountPath": "/etc/secret-volume", "readOnly": True}],
                            env=[{"name": "DB_USER", "valueFrom": {"secretKeyRef": {"name": "db", "key": "username"}}}],
                            env_from=[{"secretRef": {"name": "db"}, "prefix": "DB_"}])],
             [{"name": "s", "secret": {"secretName": "db", "defaultMode": 0o400}}])
    running(c, "sec")
    assert c.exec("sec", "cat /etc/secret-volume/password") == "s3cr3t"
    assert c.exec("sec", "ls -l /etc/secret-volume/password").startswith("-r--------")
    env = c.exec("sec", "env").splitlines()
    assert "DB_USER=admin" in env and "DB_password=s3cr3t" in env


def test_env_from_configmap_and_optional_keys():
    """envFrom imports every key; a missing key in valueFrom fails the container
    (CreateContainerConfigError) unless optional
    (https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/)."""
    c = Cluster(nodes=1)
    c.kubectl("create configmap special-config --from-literal=SPECIAL_LEVEL=very --from-literal=SPECIAL_TYPE=charm")
    make_pod(c, "envs", [box("sleep 3600", env_from=[{"configMapRef": {"name": "special-config"}}],
                             env=[{"name": "MAYBE", "valueFrom": {"configMapKeyRef": {
                                 "name": "special-config", "key": "absent", "optional": True}}}])])
    running(c, "envs")
    env = c.exec("envs", "env").splitlines()
    assert "SPECIAL_LEVEL=very" in env and "SPECIAL_TYPE=charm" in env
    assert not any(line.startswith("MAYBE=") for line in env)
    make_pod(c, "badkey", [box("sleep 3600", env=[{"name": "X", "valueFrom": {"configMapKeyRef": {
        "name": "special-config", "key": "absent"}}}])])
    c.run(10)
    waiting = c.get("pod", "badkey")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] == "CreateContainerConfigError"
    assert waiting["message"] == "couldn't find key absent in ConfigMap default/special-config"


def test_kubectl_create_configmap_from_file(tmp_path):
    """kubectl create configmap --from-file: the file's base name is the key
    (https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/#create-configmaps-from-files)."""
    c = Cluster(nodes=1)
    f = tmp_path / "game.properties"
    f.write_text("enemies=aliens\nlives=3\n")
    assert c.kubectl(f"create configmap game-config --from-file={f}") == "configmap/game-config created\n"
    assert c.get("configmap", "game-config")["data"] == {"game.properties": "enemies=aliens\nlives=3\n"}
    make_pod(c, "game", [box("sleep 3600", [{"name": "g", "mountPath": "/etc/game"}])],
             [{"name": "g", "configMap": {"name": "game-config"}}])
    running(c, "game")
    assert c.exec("game", "cat /etc/game/game.properties") == "enemies=aliens\nlives=3\n"


def test_mount_wait_times_out_with_the_kubelet_summary_event():
    """After waiting about two minutes the kubelet also reports which volumes are still missing
    ('Unable to attach or mount volumes: unmounted volumes=[...] ... timed out waiting for the
    condition'), as kubectl describe pod shows."""
    c = Cluster(nodes=1)
    make_pod(c, "stuck", [box("sleep 3600", [{"name": "config", "mountPath": "/etc/redis"}])],
             [{"name": "config", "configMap": {"name": "redis-conig"}}])
    c.run(100)
    assert not [m for _t, r, m in events(c, "stuck") if m.startswith("Unable to attach")]
    c.run(30)
    assert ("Warning", "FailedMount", "Unable to attach or mount volumes: unmounted volumes=[config], unattached "
            "volumes=[], failed to process volumes=[]: timed out waiting for the condition") in events(c, "stuck")
