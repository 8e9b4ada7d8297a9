"""What a container finds in its environment, as the kubelet assembles it.

The kubelet builds each container's environment before creating it
(pkg/kubelet/kubelet_pods.go: makeEnvironmentVariables), in this order:

1. Service links: ``<SVC>_SERVICE_HOST``, ``<SVC>_PORT_80_TCP``, ... for the Services of the pod's
   namespace and the ``kubernetes`` Service
   (https://kubernetes.io/docs/concepts/services-networking/connect-applications-service/#environment-variables);
2. ``envFrom``: every key of a ConfigMap or Secret;
3. ``env``: literal values (with ``$(VAR)`` expansion), the downward API (``fieldRef``,
   ``resourceFieldRef``) and single ConfigMap/Secret keys
   (https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/).

A missing ConfigMap or key stops the container from being created: ``CreateContainerConfigError``.
"""

from __future__ import annotations

import base64

from .. import errors
from ..api.quantity import cpu_millis, memory_bytes
from ..api.expansion import expand_env_refs as expand   # $(VAR) and $$, as for command/args
from .. import params as C
from .node_status import node_ip
from .containers import ConfigError


class ContainerEnvironment:
    """One kubelet's environment builder (``kubelet.env``). It reads ConfigMaps and Secrets through
    the kubelet's API client and Services from the kubelet's services informer (:attr:`services`,
    set when the kubelet starts); ``spec``/``index`` are the node's (hostIP, allocatable)."""

    def __init__(self, api, spec: dict, index: int):
        self.api = api
        self.spec = spec
        self.node_ip = node_ip(spec, index)
        self.services = None            # the kubelet's services informer (Kubelet.setup)
        self.service_env_cache: dict[tuple, dict] = {}  # (namespace, enableServiceLinks) -> service_links()

    def container_env(self, pod: dict, c: dict, pod_ip: str | None) -> dict:
        """The container's environment: ``envFrom`` then ``env`` (values, downward API, ConfigMap and
        Secret keys; https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/)."""
        ns = pod["metadata"].get("namespace", "default")
        env: dict[str, str] = self.service_environment(pod)
        for src in c.get("envFrom") or []:
            prefix = src.get("prefix", "")
            for kind, field in (("configmaps", "configMapRef"), ("secrets", "secretRef")):
                ref = src.get(field)
                if not ref:
                    continue
                data = self._config_data(kind, ref.get("name"), ns, ref.get("optional"))
                for k in sorted(data or {}):
                    env[prefix + k] = data[k]
        for e in c.get("env") or []:
            if "valueFrom" not in e:
                env[e["name"]] = expand(str(e.get("value", "")), env)
                continue
            vf = e["valueFrom"]
            if "fieldRef" in vf:
                env[e["name"]] = self._field_ref(pod, vf["fieldRef"].get("fieldPath", ""), pod_ip)
            elif "resourceFieldRef" in vf:
                env[e["name"]] = self._resource_ref(pod, c, vf["resourceFieldRef"])
            else:
                for kind, field, label in (("configmaps", "configMapKeyRef", "ConfigMap"),
                                           ("secrets", "secretKeyRef", "Secret")):
                    ref = vf.get(field)
                    if not ref:
                        continue
                    data = self._config_data(kind, ref.get("name"), ns, ref.get("optional"))
                    if data is None:
                        break
                    if ref.get("key") not in data:
                        if ref.get("optional"):
                            break
                        raise ConfigError(f"couldn't find key {ref.get('key')} in {label} {ns}/{ref.get('name')}")
                    env[e["name"]] = data[ref["key"]]
        return env

    def service_environment(self, pod: dict) -> dict:
        """Docker-link style variables for Services (``KUBERNETES_SERVICE_HOST``, ``WEB_PORT_80_TCP``, ...):
        the pod's namespace (when ``enableServiceLinks``) and the ``kubernetes`` Service always
        (https://kubernetes.io/docs/concepts/services-networking/connect-applications-service/#environment-variables)."""
        ns = pod["metadata"].get("namespace", "default")
        links = pod["spec"].get("enableServiceLinks", True) is not False
        # fast path: the variables depend only on (namespace, enableServiceLinks) and the Services,
        # which change only through the services informer, whose handler empties this cache
        env = self.service_env_cache.get((ns, links))
        if env is None:
            env = self.service_env_cache[(ns, links)] = self.service_links(ns, links)
        return dict(env)             # the caller adds the container's own variables to it

    def service_links(self, ns: str, links: bool) -> dict:
        """The Service variables of a pod in namespace ``ns`` (``links``: its enableServiceLinks)."""
        chosen = {}
        for svc in self.services.list() if self.services is not None else []:
            md = svc["metadata"]
            master = md.get("namespace") == "default" and md["name"] == "kubernetes"
            if master or (links and md.get("namespace") == ns):
                if md["name"] in chosen and not (md.get("namespace") == ns):
                    continue
                chosen[md["name"]] = svc
        env: dict[str, str] = {}
        for name in sorted(chosen):
            env.update(service_env_vars(chosen[name]))
        return env

    def on_service(self, typ: str, svc: dict, old: dict | None) -> None:
        """A Service was added, changed or deleted: the cached service variables are stale."""
        self.service_env_cache.clear()

    def _config_data(self, kind: str, name: str, ns: str, optional) -> dict | None:
        try:
            obj = self.api.get(kind, name, ns)
        except errors.ApiError as e:
            if e.code == 404:
                if optional:
                    return None
                singular = "configmap" if kind == "configmaps" else "secret"
                raise ConfigError(f'{singular} "{name}" not found') from None
            raise
        if kind == "secrets":
            data = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in (obj.get("data") or {}).items()}
            data.update(obj.get("stringData") or {})
            return data
        return dict(obj.get("data") or {})

    def _field_ref(self, pod: dict, path: str, pod_ip: str | None) -> str:
        md = pod["metadata"]
        simple = {"metadata.name": md.get("name"), "metadata.namespace": md.get("namespace"),
                  "metadata.uid": md.get("uid"), "spec.nodeName": pod["spec"].get("nodeName"),
                  "spec.serviceAccountName": pod["spec"].get("serviceAccountName", "default"),
                  "status.podIP": pod_ip or "", "status.podIPs": pod_ip or "",
                  "status.hostIP": self.node_ip, "status.hostIPs": self.node_ip}
        if path in simple:
            return str(simple[path] or "")
        for prefix, src in (("metadata.labels", md.get("labels")), ("metadata.annotations", md.get("annotations"))):
            if path.startswith(prefix + "['") and path.endswith("']"):
                return str((src or {}).get(path[len(prefix) + 2:-2], ""))
        return ""

    def _resource_ref(self, pod: dict, c: dict, ref: dict) -> str:
        name = ref.get("containerName") or c["name"]
        target = next((x for x in pod["spec"].get("containers") or [] if x["name"] == name), c)
        res = target.get("resources") or {}
        what = ref.get("resource", "")
        kind, _, resource = what.partition(".")
        value = (res.get(kind) or {}).get(resource)
        if value is None and kind == "requests":
            value = (res.get("limits") or {}).get(resource)
        if value is None:   # unset limits default to the node's allocatable
            value = self.spec.get("cpu", C.DEFAULT_CPU) if resource == "cpu" else self.spec.get("memory", C.DEFAULT_MEMORY)
        divisor = ref.get("divisor") or "1"
        if resource == "cpu":
            millis, div = cpu_millis(str(value)), cpu_millis(str(divisor))
            return str(-(-millis // div))
        return str(-(-memory_bytes(str(value)) // memory_bytes(str(divisor))))


def service_env_vars(svc: dict) -> dict:
    """The variables one Service gives a container (pkg/kubelet/envvars: FromServices)."""
    spec = svc.get("spec") or {}
    ip = spec.get("clusterIP")
    ports = spec.get("ports") or []
    if not ip or ip == "None" or not ports:
        return {}
    name = svc["metadata"]["name"].upper().replace("-", "_")
    out = {f"{name}_SERVICE_HOST": ip, f"{name}_SERVICE_PORT": str(ports[0]["port"])}
    for p in ports:
        if p.get("name"):
            out[f"{name}_SERVICE_PORT_{p['name'].upper().replace('-', '_')}"] = str(p["port"])
    proto0 = (ports[0].get("protocol") or "TCP").lower()
    out[f"{name}_PORT"] = f"{proto0}://{ip}:{ports[0]['port']}"
    for p in ports:
        proto = p.get("protocol") or "TCP"
        prefix = f"{name}_PORT_{p['port']}_{proto.upper()}"
        out[prefix] = f"{proto.lower()}://{ip}:{p['port']}"
        out[prefix + "_PROTO"] = proto.lower()
        out[prefix + "_PORT"] = str(p["port"])
        out[prefix + "_ADDR"] = ip
    return out
