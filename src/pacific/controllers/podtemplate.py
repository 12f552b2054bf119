"""Pod template identity for Deployments: the pod-template-hash and template equality.

A Deployment names each ReplicaSet it owns `<deployment>-<hash>`, where the hash identifies
the pod template (plus the Deployment's `status.collisionCount`, bumped when a name is taken
by an object that is not ours). Kubernetes computes it as FNV-1a (32 bit) over a dump of the
template, followed by the collision count as 8 little-endian bytes, and renders the decimal
value of the sum through `SafeEncodeString` (each digit mapped into an alphabet without
vowels, so a hash never spells words). Pacific hashes the canonical JSON of the template
(sorted keys, no whitespace, empty fields pruned) instead of a Go struct dump: the same
template always gives the same name, and any change to it gives a new one.

Invariant: the hash label itself (`pod-template-hash`) never takes part in template
comparison (`equal_ignoring_hash`), so a ReplicaSet whose template carries the label is
still recognised as the one for an unlabelled Deployment template.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

HASH_LABEL = "pod-template-hash"
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193

Obj = dict[str, Any]


def fnv32a(data: bytes, state: int = _FNV_OFFSET) -> int:
    for byte in data:
        state ^= byte
        state = (state * _FNV_PRIME) & 0xFFFFFFFF
    return state


def safe_encode(text: str) -> str:
    """kube's rand.SafeEncodeString: every character mapped into SAFE_ALPHABET."""
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in text)


def pruned(value: Any) -> Any:
    """`value` without null, empty-object and empty-list fields, recursively: the
    semantic form of a template, where `resources: {}` and no `resources` are the same
    (as they are to Go's decoder, whose structs the hash in kube is computed over)."""
    if isinstance(value, dict):
        out = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {} and v != []}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


def compute_hash(template: Obj, collision_count: int | None = None) -> str:
    state = fnv32a(orjson.dumps(pruned(template), option=orjson.OPT_SORT_KEYS))
    if collision_count is not None:
        state = fnv32a((collision_count & 0xFFFFFFFF).to_bytes(8, "little"), state)
    return safe_encode(str(state))


def without_hash(template: Obj | None) -> Obj:
    """A copy of `template` without the pod-template-hash label (and no empty labels)."""
    out = copy.deepcopy(template or {})
    md = out.get("metadata")
    if isinstance(md, dict):
        labels = md.get("labels")
        if isinstance(labels, dict):
            labels.pop(HASH_LABEL, None)
            if not labels:
                md.pop("labels")
        if not md:
            out.pop("metadata")
    return out


def equal_ignoring_hash(a: Obj | None, b: Obj | None) -> bool:
    return bool(pruned(without_hash(a)) == pruned(without_hash(b)))


def with_hash_label(template: Obj, value: str) -> Obj:
    out = copy.deepcopy(template)
    md = out.setdefault("metadata", {})
    md["labels"] = {**(md.get("labels") or {}), HASH_LABEL: value}
    return out


def selector_with_hash(selector: Obj | None, value: str) -> Obj:
    out = copy.deepcopy(selector or {})
    out["matchLabels"] = {**(out.get("matchLabels") or {}), HASH_LABEL: value}
    return out
