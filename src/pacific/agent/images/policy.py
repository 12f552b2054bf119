"""imagePullPolicy as kubelet applies it, as a pure decision, with kubelet's event texts.

- Always: pull every time a container starts. A pull of an unchanged image only fetches
  the manifest, since blobs are content-addressed and already here.
- IfNotPresent: pull only when no image of that name is on the host.
- Never: never pull; a missing image is ErrImageNeverPull.
"""

from __future__ import annotations

from enum import Enum, StrEnum


class PullPolicy(StrEnum):
    ALWAYS = "Always"
    IF_NOT_PRESENT = "IfNotPresent"
    NEVER = "Never"


class PullAction(Enum):
    PULL = "pull"
    USE_LOCAL = "use-local"
    REFUSE = "refuse"  # Never, and not present


def decide_pull(policy: PullPolicy, present: bool) -> PullAction:
    if policy is PullPolicy.ALWAYS:
        return PullAction.PULL
    if present:
        return PullAction.USE_LOCAL
    return PullAction.PULL if policy is PullPolicy.IF_NOT_PRESENT else PullAction.REFUSE


def present_message(image: str) -> str:
    """Event `Pulled` when nothing had to be pulled."""
    return f'Container image "{image}" already present on machine'


def pulling_message(image: str) -> str:
    return f'Pulling image "{image}"'


def pulled_message(image: str, seconds: float, size: int) -> str:
    return (
        f'Successfully pulled image "{image}" in {seconds:.3g}s '
        f"({seconds:.3g}s including waiting). Image size: {size} bytes."
    )


def failed_message(image: str, error: Exception) -> str:
    """Event `Failed` for a pull error (reason ErrImagePull on the container)."""
    return f'Failed to pull image "{image}": {error}'
