"""Which container of a pod a stream request means (kube's rules and messages)."""

from __future__ import annotations

from typing import Any

from pacific.api.errors import BadRequest

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"


def container_names(pod: dict[str, Any]) -> list[str]:
    spec = pod.get("spec") or {}
    return [
        str(c.get("name", ""))
        for key in ("containers", "initContainers", "ephemeralContainers")
        for c in spec.get(key) or []
    ]


def pick(pod: dict[str, Any], requested: str) -> str:
    """The named container, or the only / annotated default one; BadRequest otherwise."""
    name = pod["metadata"]["name"]
    names = container_names(pod)
    if requested:
        if requested not in names:
            raise BadRequest(f"container {requested} is not valid for pod {name}")
        return requested
    annotations = pod["metadata"].get("annotations") or {}
    default = annotations.get(DEFAULT_CONTAINER_ANNOTATION, "")
    if default in names:
        return str(default)
    main = [str(c.get("name", "")) for c in (pod.get("spec") or {}).get("containers") or []]
    if len(main) == 1:
        return main[0]
    raise BadRequest(
        f"a container name must be specified for pod {name}, choose one of: [{' '.join(main)}]"
    )
