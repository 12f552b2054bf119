"""Schemas of core kinds, read from the official `kubernetes` package's pydantic models.

The model of a definition is found by name: "io.k8s.api.core.v1.PodSpec" is `V1PodSpec`,
"io.k8s.api.events.v1.Event" is `EventsV1Event` (the client prefixes a class with its group
when two groups define the same kind). The group of an unprefixed class is not in the
model, so `definition_name()` uses a small table of the non-core kinds Pacific serves (and
their neighbours); every other unprefixed class is core/v1, except meta/v1 types.

Conversion of a field's annotation (after Optional/Annotated are unwrapped):

    str/int/bool/float/datetime      STRING / INTEGER / BOOLEAN / NUMBER / TIME
    Union[int, str]                  INT_OR_STRING
    Union[bytes, str], bytes         BYTES
    Union[float, int]                NUMBER
    List[X] / Dict[str, X]           ARRAY / MAP of X
    Dict[str, Any], Any, object      ANY
    a model class                    its shared, named OBJECT schema (built once, cached)

then `kube_extensions` adds what the models lack: patch metadata, Quantity fields, int64.
Named schemas are inserted into the definitions table before their fields are filled, so
recursive definitions terminate.
"""

from __future__ import annotations

import datetime
import re
import types
import typing
from typing import Any

import kubernetes.client.models as models
from pydantic import BaseModel

from pacific.api.kube_extensions import INT64_FIELDS, PATCH_META, QUANTITY_FIELDS
from pacific.api.schema import Field, Schema, Type

_CLASS_NAME = re.compile(
    r"^(?P<group>[A-Z][a-z]+)?(?P<version>V\d+(?:alpha\d+|beta\d+)?)(?P<kind>[A-Z]\w*)$"
)
_DEFINITION = re.compile(
    r"^io\.k8s\.(?:api\.|apimachinery\.pkg\.apis\.)"
    r"(?P<pkg>\w+)\.(?P<version>v\w+)\.(?P<kind>\w+)$"
)

_META_KINDS = frozenset(
    (
        *("ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement"),
        *("ManagedFieldsEntry", "OwnerReference", "Condition", "Status", "StatusDetails"),
        *("StatusCause", "DeleteOptions", "Preconditions", "APIResource", "APIResourceList"),
        *("APIGroup", "APIGroupList", "APIVersions", "GroupVersionForDiscovery"),
        *("ServerAddressByClientCIDR", "WatchEvent", "FieldSelectorRequirement"),
    )
)


def _kinds(bases: str, extra: str = "") -> frozenset[str]:
    suffixes = ("", "List", "Spec", "Status", "Condition")
    return frozenset(b + s for b in bases.split() for s in suffixes) | set(extra.split())


# Unprefixed classes of non-core groups, by package name in the definition.
_GROUP_KINDS: dict[str, frozenset[str]] = {
    "apps": _kinds(
        "Deployment ReplicaSet StatefulSet DaemonSet ControllerRevision",
        """DeploymentStrategy RollingUpdateDeployment RollingUpdateDaemonSet
        RollingUpdateStatefulSetStrategy DaemonSetUpdateStrategy StatefulSetUpdateStrategy
        StatefulSetOrdinals StatefulSetPersistentVolumeClaimRetentionPolicy""",
    ),
    "rbac": _kinds(
        "Role RoleBinding ClusterRole ClusterRoleBinding",
        "PolicyRule RoleRef AggregationRule",
    ),
    "node": _kinds("RuntimeClass", "Overhead Scheduling"),
    "storage": _kinds(
        "StorageClass CSIDriver CSINode VolumeAttachment CSIStorageCapacity VolumeAttributesClass",
        """CSINodeDriver VolumeNodeResources VolumeError VolumeAttachmentSource
        TokenRequest""",
    ),
    "coordination": _kinds("Lease"),
    "scheduling": _kinds("PriorityClass"),
    "authorization": _kinds(
        "SelfSubjectAccessReview SubjectAccessReview LocalSubjectAccessReview "
        "SelfSubjectRulesReview",
        """ResourceAttributes NonResourceAttributes FieldSelectorAttributes
        LabelSelectorAttributes ResourceRule NonResourceRule SubjectRulesReviewStatus""",
    ),
    "authentication": _kinds(
        "SelfSubjectReview TokenReview TokenRequest",
        "UserInfo BoundObjectReference",
    ),
    "autoscaling": _kinds("Scale HorizontalPodAutoscaler", "CrossVersionObjectReference"),
    "policy": _kinds("Eviction PodDisruptionBudget"),
}

_PACKAGE_OF_KIND = {kind: pkg for pkg, kinds in _GROUP_KINDS.items() for kind in kinds}


def definition_name(class_name: str) -> str | None:
    """The Kubernetes definition name of a model class name, None if it is not a kind's."""
    m = _CLASS_NAME.match(class_name)
    if m is None:
        return None
    version, kind = m["version"].lower(), m["kind"]
    if m["group"]:
        pkg = m["group"].lower()
    elif kind in _META_KINDS and version == "v1":
        pkg = "meta"
    else:
        pkg = _PACKAGE_OF_KIND.get(kind, "core")
    if pkg == "meta":
        return f"io.k8s.apimachinery.pkg.apis.meta.{version}.{kind}"
    if pkg == "apiextensions":
        return f"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.{version}.{kind}"
    return f"io.k8s.api.{pkg}.{version}.{kind}"


def model_of(name: str) -> type[BaseModel]:
    """The model class of definition `name`; KeyError if the package has none."""
    m = _DEFINITION.match(name)
    if m is not None:
        version = m["version"].capitalize()
        for candidate in (
            f"{version}{m['kind']}",
            f"{m['pkg'].capitalize()}{version}{m['kind']}",
        ):
            cls = getattr(models, candidate, None)
            if (
                isinstance(cls, type)
                and issubclass(cls, BaseModel)
                and definition_name(candidate) == name
            ):
                return cls
    raise KeyError(name)


def short_name(name: str) -> str:
    """ "io.k8s.api.core.v1.PodSpec" -> "core.v1.PodSpec", the key of kube_extensions tables."""
    for prefix in ("io.k8s.api.", "io.k8s.apimachinery.pkg.apis."):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def build(name: str, defs: dict[str, Schema]) -> Schema:
    """Build the schema of definition `name` (and all it refers to) into `defs`."""
    return _named(model_of(name), defs)


def _class_description(cls: type[BaseModel]) -> str:
    doc = (cls.__doc__ or "").split("Attributes:", 1)[0]
    return " ".join(doc.split())


def _named(cls: type[BaseModel], defs: dict[str, Schema]) -> Schema:
    name = definition_name(cls.__name__)
    if name is None:
        raise KeyError(cls.__name__)
    known = defs.get(name)
    if known is not None:
        return known
    schema = Schema(Type.OBJECT, name=name, description=_class_description(cls))
    defs[name] = schema
    short = short_name(name)
    for py_name, info in cls.model_fields.items():
        json_name = info.serialization_alias or py_name
        node = _convert(info.annotation, json_name, defs)
        _annotate(node, short, json_name)
        schema.fields[json_name] = Field(
            node, required=info.is_required(), description=info.description or ""
        )
    return schema


def _annotate(node: Schema, short: str, json_name: str) -> None:
    """Add what the models lack to a field's own node (never to a shared named schema)."""
    meta = PATCH_META.get((short, json_name))
    if meta is not None and node.type in (Type.ARRAY, Type.MAP):
        node.list_type = meta.list_type
        node.list_map_keys = meta.keys
        node.patch_strategy = meta.strategy
        node.patch_merge_key = meta.merge_key
    if (short, json_name) in QUANTITY_FIELDS:
        if node.type is Type.MAP:
            node.items = Schema(Type.QUANTITY)
        elif node.type is Type.STRING:
            node.type = Type.QUANTITY


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _convert(annotation: Any, json_name: str, defs: dict[str, Schema]) -> Schema:
    ann = _strip(annotation)
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        args = [_strip(a) for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return _convert(args[0], json_name, defs)
        kinds = set(args)
        if kinds == {int, str}:
            return Schema(Type.INT_OR_STRING, format="int-or-string")
        if kinds == {bytes, str}:
            return Schema(Type.BYTES, format="byte")
        if kinds == {float, int}:
            return Schema(Type.NUMBER, format="double")
        return Schema(Type.ANY)
    if origin is list:
        return Schema(Type.ARRAY, items=_convert(typing.get_args(ann)[0], json_name, defs))
    if origin is dict:
        value = _strip(typing.get_args(ann)[1])
        if value is Any:
            return Schema(Type.ANY)
        return Schema(Type.MAP, items=_convert(value, json_name, defs))
    return _leaf(ann, json_name, defs)


def _leaf(ann: Any, json_name: str, defs: dict[str, Schema]) -> Schema:
    if ann is str:
        return Schema(Type.STRING)
    if ann is bool:
        return Schema(Type.BOOLEAN)
    if ann is int:
        return Schema(Type.INTEGER, format="int64" if json_name in INT64_FIELDS else "int32")
    if ann is float:
        return Schema(Type.NUMBER, format="double")
    if ann is datetime.datetime:
        return Schema(Type.TIME, format="date-time")
    if ann is datetime.date:
        return Schema(Type.STRING, format="date")
    if ann in (bytes, bytearray):
        return Schema(Type.BYTES, format="byte")
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return _named(ann, defs)
    return Schema(Type.ANY)


def definition_names() -> list[str]:
    """Every definition the models describe (each model class that `model_of` resolves)."""
    names = []
    for class_name in dir(models):  # the package loads its classes lazily
        name = definition_name(class_name)
        cls = getattr(models, class_name, None) if name is not None else None
        if name is None or not isinstance(cls, type) or not issubclass(cls, BaseModel):
            continue
        try:
            if model_of(name) is cls:
                names.append(name)
        except KeyError:
            continue
    return sorted(names)


def build_all() -> dict[str, Schema]:
    """The schemas of every definition the models describe, sharing named schemas."""
    defs: dict[str, Schema] = {}
    for name in definition_names():
        build(name, defs)
    return defs
