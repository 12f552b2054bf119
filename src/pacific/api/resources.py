"""What the API serves: one `ResourceType` per resource, described as data.

A ResourceType is the single description every layer reads: the apiserver routes and
discovers from it, the store keys objects by it, the client addresses objects with it.
Behaviour that differs per kind (defaults, validation, Table columns, field selectors) hangs
off it as plain functions supplied by `pacific.api.kinds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class ResourceType:
    group: str  # "" for core
    version: str
    kind: str
    plural: str  # the resource name in URLs
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: frozenset[str] = frozenset()  # "status", "scale", "binding", "log", ...
    # Schema definition name, e.g. "io.k8s.api.core.v1.Pod" (see pacific.api.schema).
    schema_name: str = ""
    # Fields (dotted JSON paths) that field selectors accept besides metadata.name/namespace.
    field_selectors: tuple[str, ...] = ()
    # Kinds like SelfSubjectAccessReview are create-only and never stored.
    stored: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_version(self) -> str:
        return self.group_version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def qualified(self) -> str:
        """`deployments.apps`, `pods`: how kubectl and error messages name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def key(self, namespace: str | None, name: str) -> str:
        """The store key of one object."""
        if self.namespaced:
            return f"/registry/{self.group or 'core'}/{self.plural}/{namespace}/{name}"
        return f"/registry/{self.group or 'core'}/{self.plural}/{name}"

    def prefix(self, namespace: str | None = None) -> str:
        """The store prefix of a list (all namespaces when `namespace` is None)."""
        base = f"/registry/{self.group or 'core'}/{self.plural}/"
        if self.namespaced and namespace:
            return f"{base}{namespace}/"
        return base
