"""Content negotiation: which representation a client accepts and what a body is.

Accept is a list of media types tried in order (q-values respected). Besides plain JSON and
YAML, kube clients ask for *conversions* through media-type parameters:

    application/json;as=Table;v=v1;g=meta.k8s.io                        -> Table
    application/json;as=PartialObjectMetadata[List];v=v1;g=meta.k8s.io   -> metadata only
    application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList -> aggregated discovery

Protobuf is never produced (JSON is always acceptable alongside it for kube clients); a
client that accepts nothing we produce gets 406. Request bodies: JSON, YAML, protobuf for
writes; the four patch types for PATCH (anything else 415).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pacific.api.errors import NotAcceptable, UnsupportedMediaType

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


class Output(enum.Enum):
    JSON = "json"
    YAML = "yaml"
    TABLE = "table"
    METADATA = "metadata"  # PartialObjectMetadata / PartialObjectMetadataList


class Body(enum.Enum):
    JSON = "json"
    YAML = "yaml"
    PROTOBUF = "protobuf"
    JSON_PATCH = "json-patch"
    MERGE_PATCH = "merge-patch"
    STRATEGIC_PATCH = "strategic-merge-patch"
    APPLY_PATCH = "apply-patch"


PATCH_TYPES = {
    "application/json-patch+json": Body.JSON_PATCH,
    "application/merge-patch+json": Body.MERGE_PATCH,
    "application/strategic-merge-patch+json": Body.STRATEGIC_PATCH,
    "application/apply-patch+yaml": Body.APPLY_PATCH,
}


@dataclass(frozen=True, slots=True)
class MediaType:
    type: str  # "application/json"
    params: dict[str, str]

    def param(self, name: str) -> str:
        return self.params.get(name, "")


def parse_media_type(text: str) -> MediaType:
    parts = text.split(";")
    params: dict[str, str] = {}
    for p in parts[1:]:
        key, _, value = p.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return MediaType(parts[0].strip().lower(), params)


def parse_accept(header: str) -> list[MediaType]:
    """Media types in preference order (highest q first, then as written); q=0 dropped."""
    ranked: list[tuple[float, int, MediaType]] = []
    for i, item in enumerate(header.split(",")):
        if not item.strip():
            continue
        mt = parse_media_type(item)
        try:
            q = float(mt.params.pop("q", "1"))
        except ValueError:
            q = 1.0
        if q > 0:
            ranked.append((-q, i, mt))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [mt for _, _, mt in ranked]


def _json_like(t: str) -> bool:
    return t in (JSON, "*/*", "application/*")


def choose_output(accept: str) -> Output:
    """The representation of an object/list/watch response. Raises NotAcceptable."""
    if not accept:
        return Output.JSON
    for mt in parse_accept(accept):
        conversion = mt.param("as")
        if conversion:
            if mt.type not in (JSON, PROTOBUF) or mt.param("g") != "meta.k8s.io":
                continue
            if mt.type == PROTOBUF:
                continue
            if conversion == "Table" and mt.param("v") in ("v1", "v1beta1"):
                return Output.TABLE
            if conversion in ("PartialObjectMetadata", "PartialObjectMetadataList") and mt.param(
                "v"
            ) in ("v1", "v1beta1"):
                return Output.METADATA
            continue
        if _json_like(mt.type):
            return Output.JSON
        if mt.type in (YAML, "application/yml", "text/yaml"):
            return Output.YAML
    raise NotAcceptable(
        f"only the following media types are accepted: {JSON}, {YAML}, "
        f"{JSON};as=Table;v=v1;g=meta.k8s.io"
    )


def wants_aggregated_discovery(accept: str) -> bool:
    """True when the client prefers apidiscovery.k8s.io/v2 over the legacy documents."""
    for mt in parse_accept(accept):
        if mt.param("as") == "APIGroupDiscoveryList":
            if mt.type == JSON and mt.param("g") == "apidiscovery.k8s.io" and mt.param("v") == "v2":
                return True
            continue
        if _json_like(mt.type):
            return False
    return False


def body_format(content_type: str, *, patch: bool) -> Body:
    """What a request body is. Raises UnsupportedMediaType."""
    mt = parse_media_type(content_type) if content_type else MediaType(JSON, {})
    if patch:
        found = PATCH_TYPES.get(mt.type)
        if found is None:
            raise UnsupportedMediaType(
                f"the body of the request was in an unknown format - accepted media types "
                f"include: {', '.join(PATCH_TYPES)}"
            )
        return found
    if mt.type in (JSON, "*/*", ""):
        return Body.JSON
    if mt.type in (YAML, "application/yml", "text/yaml"):
        return Body.YAML
    if mt.type == PROTOBUF:
        return Body.PROTOBUF
    raise UnsupportedMediaType(
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{JSON}, {YAML}, {PROTOBUF}"
    )
