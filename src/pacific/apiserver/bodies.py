"""Request bodies into plain dicts: JSON, YAML, protobuf objects and patch documents.

Errors are 400 BadRequest with kube's wording; a body type the server cannot read is 415.
The object's apiVersion/kind must name the endpoint's kind (missing ones are filled in from
the URL, as kube's decoder defaults them).
"""

from __future__ import annotations

from typing import Any

import orjson
import yaml

from pacific.api import protobuf
from pacific.api.errors import BadRequest
from pacific.api.resources import Obj, ResourceType
from pacific.apiserver.negotiation import Body, body_format

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present


def load_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"couldn't get version/kind; json parse error: {exc}") from None


def load_yaml(body: bytes) -> Any:
    try:
        return yaml.load(body, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise BadRequest(f"error converting YAML to JSON: yaml: {yaml_error_text(exc)}") from None


def yaml_error_text(exc: yaml.YAMLError) -> str:
    """`line N: problem`, the shape of go-yaml's errors (PyYAML's own text is multi-line)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"line {mark.line + 1}: {problem}" if mark is not None else str(problem)


def json_text(body: bytes, content_type: str) -> bytes | None:
    """The body when it is JSON text (where repeated keys can still be seen), else None."""
    return body if body_format(content_type, patch=False) is Body.JSON else None


def load_object(body: bytes, content_type: str) -> Obj:
    """A create/update body as a dict (not yet checked against any kind)."""
    fmt = body_format(content_type, patch=False)
    if not body.strip():
        raise BadRequest("request body must not be empty")
    if fmt is Body.PROTOBUF:
        doc: Any = protobuf.decode(body)
    elif fmt is Body.YAML:
        doc = load_yaml(body)
    else:
        doc = load_json(body)
    if not isinstance(doc, dict):
        raise BadRequest("couldn't get version/kind; json parse error: not an object")
    return doc


def check_type(rt: ResourceType, obj: Obj, expected: tuple[str, str] | None = None) -> None:
    """apiVersion/kind must be the endpoint's (`expected` overrides, e.g. autoscaling/v1 Scale)."""
    api_version, kind = expected or (rt.api_version, rt.kind)
    got_version = obj.setdefault("apiVersion", api_version)
    got_kind = obj.setdefault("kind", kind)
    if got_kind != kind or got_version != api_version:
        raise BadRequest(
            f"the API version in the data ({got_version}) does not match the expected API "
            f"version ({api_version})"
            if got_version != api_version
            else f'{got_kind} in version "{got_version}" cannot be handled as a {kind}: '
            f"the kind in the data ({got_kind}) does not match the expected kind ({kind})"
        )


def load_patch(body: bytes, fmt: Body) -> Any:
    if fmt is Body.APPLY_PATCH:
        doc = load_yaml(body)
        if not isinstance(doc, dict):
            raise BadRequest("error decoding YAML: the apply patch must be an object")
        return doc
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"error decoding patch: {exc}") from None
