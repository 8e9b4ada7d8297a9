"""API discovery: how a client learns which resources the server has.

kubectl and client libraries start by asking the API server what it serves
(https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api):

* **aggregated discovery** (v2): one answer for ``/api`` and one for ``/apis`` listing every
  group, version and resource with its verbs, short names, categories and subresources,
  sent when the client asks for ``application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList``;
* **unaggregated** (legacy) discovery: ``/api`` (APIVersions), ``/apis`` (APIGroupList) and one
  ``APIResourceList`` per group-version (``/api/v1``, ``/apis/apps/v1``), which the official
  Python client uses.

Everything here is built from ``minik8s.api.resources`` (the kinds the engine serves).
"""

from __future__ import annotations

from ..api import resources as R

# The server's version (GET /version). The minor matters: version dispatchers (gcloud's kubectl)
# run the kubectl that matches it.
VERSION = {
    "major": "1", "minor": "33", "emulationMajor": "1", "emulationMinor": "33",
    "minCompatibilityMajor": "1", "minCompatibilityMinor": "32",
    "gitVersion": "v1.33.0", "gitCommit": "60a317eadfcb839692a68eab88b2096f4d708f4f",
    "gitTreeState": "clean", "buildDate": "2025-04-23T13:00:00Z", "goVersion": "go1.24.2",
    "compiler": "gc", "platform": "linux/amd64",
}

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

# Subresources this server answers: (kind, group, version, verbs) of what each returns.
SUBRESOURCES = {
    "status": (None, None, None, ("get", "patch", "update")),
    "scale": ("Scale", "autoscaling", "v1", ("get", "patch", "update")),
    "log": ("Pod", "", "v1", ("get",)),
    "exec": ("PodExecOptions", "", "v1", ("create", "get")),
    "binding": ("Binding", "", "v1", ("create",)),
    "eviction": ("Eviction", "policy", "v1", ("create",)),
    "finalize": ("Namespace", "", "v1", ("update",)),
}


def wants_aggregated(accept: str) -> bool:
    """Did the client ask for aggregated discovery v2 (first choice in its Accept header)?"""
    return "as=APIGroupDiscoveryList" in accept and "v=v2;" in accept.replace(" ", "") + ";"


def group_versions() -> dict[str, list[str]]:
    """group -> versions served ("" is the core group), groups sorted as the server lists them."""
    out: dict[str, list[str]] = {}
    for res in R.all_resources():
        vs = out.setdefault(res.group, [])
        if res.version not in vs:
            vs.append(res.version)
    return out


def resources_in(group: str, version: str) -> list[R.Resource]:
    return sorted((r for r in R.all_resources() if r.group == group and r.version == version),
                  key=lambda r: r.plural)


def _subresources(res: R.Resource):
    for sub in sorted(res.subresources):
        if sub in SUBRESOURCES:
            kind, group, version, verbs = SUBRESOURCES[sub]
            yield sub, (kind or res.kind), (res.group if group is None else group), \
                (res.version if version is None else version), verbs


def api_versions(server_address: str) -> dict:
    """GET /api (legacy): the core group's versions."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def api_group(group: str) -> dict:
    versions = group_versions()[group]
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gvs,
            "preferredVersion": gvs[0]}


def api_group_list() -> dict:
    """GET /apis (legacy): every named group."""
    from .metrics import api_group as metrics_group
    groups = [api_group(g) for g in sorted(group_versions()) if g]
    for g in groups:
        del g["kind"], g["apiVersion"]
    groups.append(metrics_group())      # served by metrics-server upstream, by this server here
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_resource_list(group: str, version: str) -> dict:
    """GET /api/v1 or /apis/<group>/<version>: an APIResourceList (what the Python client reads)."""
    gv = f"{group}/{version}" if group else version
    out = []
    for res in resources_in(group, version):
        item = {"name": res.plural, "singularName": res.singular, "namespaced": res.namespaced,
                "kind": res.kind, "verbs": list(res.verbs)}
        if res.short_names:
            item["shortNames"] = list(res.short_names)
        if res.categories:
            item["categories"] = list(res.categories)
        out.append(item)
        for sub, kind, sgroup, sversion, verbs in _subresources(res):
            sitem = {"name": f"{res.plural}/{sub}", "singularName": "", "namespaced": res.namespaced,
                     "kind": kind, "verbs": list(verbs)}
            if (sgroup, sversion) != (group, version):
                sitem["group"], sitem["version"] = sgroup, sversion
            out.append(sitem)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}


def _discovery_resource(res: R.Resource) -> dict:
    item = {"resource": res.plural,
            "responseKind": {"group": res.group, "version": res.version, "kind": res.kind},
            "scope": "Namespaced" if res.namespaced else "Cluster",
            "singularResource": res.singular, "verbs": list(res.verbs)}
    if res.short_names:
        item["shortNames"] = list(res.short_names)
    if res.categories:
        item["categories"] = list(res.categories)
    subs = [{"subresource": sub, "responseKind": {"group": g, "version": v, "kind": kind}, "verbs": list(verbs)}
            for sub, kind, g, v, verbs in _subresources(res)]
    if subs:
        item["subresources"] = subs
    return item


def aggregated(core: bool) -> dict:
    """GET /api or /apis with the v2 Accept header: an APIGroupDiscoveryList."""
    items = []
    for group, versions in sorted(group_versions().items()):
        if (group == "") != core:
            continue
        items.append({"metadata": {"name": group, "creationTimestamp": None},
                      "versions": [{"version": v, "freshness": "Current",
                                    "resources": [_discovery_resource(r) for r in resources_in(group, v)]}
                                   for v in versions]})
    if not core:
        from .metrics import aggregated_group
        items.append(aggregated_group())
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {}, "items": items}
