"""Duplicate keys in a raw JSON document, reported as kube's strict decoder reports them.

Parsed JSON (a dict) has already lost repeated keys, so duplicates can only be found in the
raw text. `maybe_duplicates()` is the cheap test run on every request: every key in the
text is followed by `"` and `:` (with optional space), so if the number of such matches
equals the number of distinct keys the parsed document holds, no key can be repeated
(string values that happen to contain `":` only make the count larger). Only when the
counts differ does `duplicate_fields()` re-parse the text, slowly and exactly.

Paths use sigs.k8s.io/json's strict notation: `spec.template.metadata.labels.app`,
`spec.containers[0].name`; the last value of a repeated key wins, as in Go.
"""

from __future__ import annotations

import json
import re
from typing import Any

_KEY_END = re.compile(rb'"\s*:')


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in document order, repeats included."""


def maybe_duplicates(raw: bytes, distinct_keys: int) -> bool:
    """False when `raw` certainly has no repeated key, given its parsed key count."""
    if b'" ' in raw or b'"\n' in raw or b'"\t' in raw or b'"\r' in raw:
        return len(_KEY_END.findall(raw)) != distinct_keys
    # No whitespace after any quote: every key is spelled `"key":`, a plain count will do.
    return raw.count(b'":') != distinct_keys


def duplicate_fields(raw: bytes | str) -> list[str]:
    """Paths of repeated keys in document order; [] if none or if `raw` is not JSON."""
    try:
        doc = json.loads(raw, object_pairs_hook=_Pairs)
    except ValueError:
        return []
    found: list[str] = []
    _walk(doc, "", found)
    return found


def _walk(node: Any, path: str, found: list[str]) -> None:
    if isinstance(node, _Pairs):
        seen: set[str] = set()
        for key, value in node:
            child = f"{path}.{key}" if path else key
            if key in seen:
                found.append(child)
            seen.add(key)
            _walk(value, child, found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(value, f"{path}[{i}]", found)
