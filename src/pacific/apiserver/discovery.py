"""Discovery documents, built once from the served kinds and encoded once.

Legacy documents: /api (APIVersions), /apis (APIGroupList), /apis/{g} (APIGroup),
/api/v1 and /apis/{g}/{v} (APIResourceList, subresources as `parent/sub` entries with
their own kind and verbs). Aggregated discovery (apidiscovery.k8s.io/v2
APIGroupDiscoveryList) for /api and /apis answers clients asking for it in Accept, saving
kubectl one request per group-version.

storageVersionHash is kube's: base64 of the first 8 bytes of sha256("group/version/kind").
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from pacific.api.kinds import Registry as Kinds
from pacific.api.kinds import subresource
from pacific.api.resources import ResourceType

Doc = dict[str, Any]


def storage_version_hash(rt: ResourceType) -> str:
    digest = hashlib.sha256(f"{rt.group}/{rt.version}/{rt.kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _gv(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def api_versions(kinds: Kinds, server_address: str) -> Doc:
    versions = next((v for g, v in kinds.groups() if g == ""), [])
    return {
        "kind": "APIVersions",
        "versions": versions,
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group(group: str, versions: list[str]) -> Doc:
    listed = [{"groupVersion": _gv(group, v), "version": v} for v in versions]
    return {"name": group, "versions": listed, "preferredVersion": listed[0]}


def api_group_list(kinds: Kinds) -> Doc:
    groups = [_group(g, vs) for g, vs in kinds.groups() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(kinds: Kinds, group: str) -> Doc | None:
    for g, vs in kinds.groups():
        if g == group and g:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group(g, vs)}
    return None


def _served(kinds: Kinds, group: str, version: str) -> list[ResourceType]:
    return [rt for rt in kinds.kinds if rt.group == group and rt.version == version]


def resource_list(kinds: Kinds, group: str, version: str) -> Doc | None:
    served = _served(kinds, group, version)
    if not served:
        return None
    resources: list[Doc] = []
    for rt in served:
        entry: Doc = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(rt.verbs),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        if rt.stored:
            entry["storageVersionHash"] = storage_version_hash(rt)
        resources.append(entry)
        for name in sorted(rt.subresources):
            sub = subresource(rt, name)
            if sub is None:
                continue
            sub_entry: Doc = {
                "name": f"{rt.plural}/{name}",
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": sub.kind,
                "verbs": list(sub.verbs),
            }
            if (sub.group, sub.version) != (rt.group, rt.version):
                sub_entry["group"] = sub.group
                sub_entry["version"] = sub.version
            resources.append(sub_entry)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": _gv(group, version),
        "resources": resources,
    }


def _aggregated_resource(rt: ResourceType) -> Doc:
    entry: Doc = {
        "resource": rt.plural,
        "responseKind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    subs = []
    for name in sorted(rt.subresources):
        sub = subresource(rt, name)
        if sub is None:
            continue
        subs.append(
            {
                "subresource": name,
                "responseKind": {"group": sub.group, "version": sub.version, "kind": sub.kind},
                "verbs": list(sub.verbs),
            }
        )
    if subs:
        entry["subresources"] = subs
    return entry


def aggregated(kinds: Kinds, *, legacy: bool) -> Doc:
    """APIGroupDiscoveryList for /api (legacy=True: the core group) or /apis (the rest)."""
    items = []
    for group, versions in kinds.groups():
        if (group == "") != legacy:
            continue
        items.append(
            {
                "metadata": {"name": group, "creationTimestamp": None}
                if group
                else {"creationTimestamp": None},
                "versions": [
                    {
                        "version": v,
                        "resources": [_aggregated_resource(rt) for rt in _served(kinds, group, v)],
                        "freshness": "Current",
                    }
                    for v in versions
                ],
            }
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }
