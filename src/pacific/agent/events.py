"""The reasons and message texts of the Events the agent records, as kubelet words them.

Image events (Pulling/Pulled/Failed with ErrImagePull) take their texts from
`pacific.agent.images.policy`; the rest are here so the sync code and the tests agree.
"""

from __future__ import annotations

PULLING = "Pulling"
PULLED = "Pulled"
CREATED = "Created"
STARTED = "Started"
KILLING = "Killing"
BACKOFF = "BackOff"
UNHEALTHY = "Unhealthy"
FAILED = "Failed"
FAILED_MOUNT = "FailedMount"
FAILED_PRESTOP = "FailedPreStopHook"
FAILED_SANDBOX = "FailedCreatePodSandBox"


def created(container: str) -> str:
    return f"Created container: {container}"


def started(container: str) -> str:
    return f"Started container {container}"


def stopping(container: str) -> str:
    return f"Stopping container {container}"


def liveness_kill(container: str, kind: str) -> str:
    return f"Container {container} failed {kind} probe, will be restarted"


def crash_backoff(container: str, pod: str, namespace: str, uid: str, delay: float) -> str:
    """The CrashLoopBackOff waiting message (also the BackOff event text's detail)."""
    return (
        f"back-off {_duration(delay)} restarting failed container={container} "
        f"pod={pod}_{namespace}({uid})"
    )


def backoff_restart() -> str:
    return "Back-off restarting failed container"


def pull_backoff(image: str) -> str:
    return f'Back-off pulling image "{image}"'


def probe_failed(kind: str, output: str) -> str:
    return f"{kind} probe failed: {output}"


def create_error(error: object) -> str:
    return f"Error: {error}"


def _duration(seconds: float) -> str:
    """Go's time.Duration.String() for whole seconds: 10s, 1m20s, 5m0s."""
    whole = int(seconds)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"
