"""JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386) on plain JSON objects.

Both are pure: the input object and patch are never mutated and the result shares nothing
with them. Errors are the ones kube-apiserver's patch handler returns
(k8s.io/apiserver/pkg/endpoints/handlers/patch.go):

  - a JSON patch body that is not a list of operations: 400 BadRequest;
  - more than 10,000 operations: 413 RequestEntityTooLarge;
  - an operation that cannot be applied (bad path, failed `test`, missing `from`): 422
    Invalid, with kube's generic message "the server rejected our request due to an error in
    our request" and no causes (kube wraps the library error in a generic 422);
  - a merge patch whose document is not an object: 400 BadRequest.

Strategic merge patch lives in `pacific.api.strategicmerge`.
"""

from __future__ import annotations

from typing import Any

import jsonpatch
import jsonpointer

from pacific.api.errors import BadRequest, Invalid, RequestEntityTooLarge
from pacific.api.structure import deep_copy

MAX_JSON_PATCH_OPERATIONS = 10000
INVALID_PATCH_MESSAGE = "the server rejected our request due to an error in our request"


def _check_ops(ops: Any) -> list[dict[str, Any]]:
    # Shape errors are decoding errors (400); everything else is left to applying (422).
    if not isinstance(ops, list):
        kind = "object" if isinstance(ops, dict) else type(ops).__name__
        raise BadRequest(f"json: cannot unmarshal {kind} into Go value of type jsonpatch.Patch")
    for op in ops:
        if not isinstance(op, dict):
            raise BadRequest(
                "json: cannot unmarshal array element into Go value of type jsonpatch.Operation"
            )
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise RequestEntityTooLarge(
            f"The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, "
            f"got {len(ops)}"
        )
    return ops


def apply_json_patch(obj: dict[str, Any], ops: Any) -> dict[str, Any]:
    """Apply the RFC 6902 operations `ops` (the decoded request body) to `obj`."""
    checked = _check_ops(ops)
    try:
        result = jsonpatch.JsonPatch(deep_copy(checked)).apply(deep_copy(obj), in_place=True)
    except (
        jsonpatch.JsonPatchException,
        jsonpointer.JsonPointerException,
        KeyError,
        IndexError,
        TypeError,
        ValueError,
    ) as exc:
        raise Invalid(INVALID_PATCH_MESSAGE) from exc
    if not isinstance(result, dict):
        raise Invalid(INVALID_PATCH_MESSAGE)
    return result


def _merge_object(target: Any, patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            out[key] = _merge_object(out.get(key), value)
        else:
            out[key] = deep_copy(value)
    return out


def apply_merge_patch(obj: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Apply the RFC 7386 merge patch `patch`: objects merge, null deletes, the rest replaces."""
    if not isinstance(patch, dict):
        raise BadRequest("Invalid JSON Patch")
    return _merge_object(deep_copy(obj), patch)
