"""The kubelet's image manager (pkg/kubelet/images/image_manager.go): before a container starts,
its image must be on the node.

``imagePullPolicy`` decides (https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy):
``Never`` fails with ``ErrImageNeverPull`` when the image is missing, ``IfNotPresent`` uses the
node's copy, ``Always`` (and a missing image) pulls through the runtime; a failed pull is
``ErrImagePull``, then ``ImagePullBackOff`` while the per-image back-off runs. Functions of the pod
worker ``pw``; the events and messages are the kubelet's.
"""

from __future__ import annotations

from .. import params as C
from .containers import ContainerRecord, cri_error, default_pull_policy, go_duration


def ensure_image(pw, pod: dict, c: dict, rec: ContainerRecord, requeue: list) -> bool:
    """EnsureImageExists (pkg/kubelet/images/image_manager.go): True when the image is ready now."""
    kl = pw.kl
    image = c["image"]
    policy = c.get("imagePullPolicy") or default_pull_policy(image)
    present = kl.runtime.has_image(image)
    name = c["name"]
    init = rec.init
    if policy == "Never" and not present:
        msg = f'Container image "{image}" is not present with pull policy of Never'
        if rec.waiting is None or rec.waiting[0] != "ErrImageNeverPull":
            kl.diff(f"{name}: {msg}")
        rec.waiting = ("ErrImageNeverPull", msg)
        kl.event_for(pod, "Warning", "ErrImageNeverPull", msg, name, init=init)
        kl.event_for(pod, "Warning", "Failed", "Error: ErrImageNeverPull", name, init=init)
        requeue.append(C.POD_WORKER_ERROR_RESYNC)
        return False
    if present and policy != "Always":
        kl.event_for(pod, "Normal", "Pulled", f'Container image "{image}" already present on machine', name,
                     init=init)
        rec.image_ready = True
        return True
    key = f"{pod['metadata']['uid']}_{image}"
    if kl.image_backoff.in_backoff_since_update(key, kl.clock.now):
        last_err = kl.last_pull_error.get(key, "")
        rec.waiting = ("ImagePullBackOff", f'Back-off pulling image "{image}": ErrImagePull: {last_err}')
        kl.diff(f"{name}: image pull in back-off")
        kl.event_for(pod, "Normal", "BackOff", f'Back-off pulling image "{image}"', name, init=init)
        kl.event_for(pod, "Warning", "Failed", "Error: ImagePullBackOff", name, init=init)
        remaining = kl.image_backoff.expires(key) - kl.clock.now
        requeue.append(min(C.POD_WORKER_ERROR_RESYNC, max(remaining, 0.0)))
        return False
    rec.pulling = True
    rec.pull_gen += 1
    gen = rec.pull_gen
    started = kl.clock.now
    kl.diff(f"{name}: pull {image} (imagePullPolicy {policy})")
    kl.event_for(pod, "Normal", "Pulling", f'Pulling image "{image}"', name, init=init)
    kl.runtime.pull_image(image, lambda err, image_id: kl.pull_done(pw.key, name, gen, image, key,
                                                                      started, err, image_id))
    return False


def pull_done(pw, pod: dict, name: str, gen: int, image: str, key: str, started: float,
              err: str | None, image_id: str | None) -> None:
    """The runtime answered a pull: record the outcome (events now; the next sync acts on it)."""
    kl = pw.kl
    rec = pw.containers.get(name)
    if rec is None or not rec.pulling or rec.pull_gen != gen:
        return
    rec.pulling = False
    init = rec.init
    if err:
        err = cri_error(err)
        kl.image_backoff.next(key, kl.clock.now, kl.clock.now)
        kl.last_pull_error[key] = err
        rec.waiting = ("ErrImagePull", err)
        kl.diff(f"{name}: pull of {image} failed: {err}")
        kl.event_for(pod, "Warning", "Failed", f'Failed to pull image "{image}": {err}', name, init=init)
        kl.event_for(pod, "Warning", "Failed", "Error: ErrImagePull", name, init=init)
        return
    took = go_duration(kl.clock.now - started)
    size = kl.runtime.image_size(image)
    rec.image_ready = True
    rec.image_id = image_id or ""
    rec.waiting = None
    kl.diff(f"{name}: pulled {image}")
    kl.event_for(pod, "Normal", "Pulled", f'Successfully pulled image "{image}" in {took} ({took} including '
                                      f"waiting). Image size: {size} bytes.", name, init=init)
