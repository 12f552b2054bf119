"""The persisted IPAM state: one JSON file under the agent's state dir, changed under a lock.

Model: every change is a read-modify-write of the whole file while holding an exclusive
`flock` on a sibling lock file, so agents in several processes (or an agent and a CLI) never
lose each other's leases. The new state is written to a temporary file and renamed over
the old one, so a crash of the agent leaves either the old or the new state, never half of
one. The blocking file work runs in a worker thread; the event loop never waits on the lock.

No fsync (it would cost ~20 ms a change, most of a pod's network setup): a lease matters
only while the namespace or tap it covers exists, and those die with the host, so after
a power loss `recover()` releases every lease anyway. For the same reason an empty file,
which is what an unsynced rename can leave after a power loss, reads as an empty state.

The file is the write-ahead record of the network: a lease is written before any device is
created for it and released only after everything of the pod is gone.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pacific.agent.network import ipam
from pacific.agent.network.errors import LeaseFileCorrupt

T = TypeVar("T")


class LeaseFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")

    async def read(self) -> ipam.IPAMState:
        return await asyncio.to_thread(self._locked, lambda state: (None, state))

    async def update(
        self, change: Callable[[ipam.IPAMState], tuple[ipam.IPAMState | None, T]]
    ) -> T:
        """Apply `change` to the current state under the lock and persist its new state.

        `change` returns (new state or None for "unchanged", result); the result is returned.
        """
        return await asyncio.to_thread(self._locked, change)

    def _locked(self, change: Callable[[ipam.IPAMState], tuple[ipam.IPAMState | None, T]]) -> T:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self._load()
                new, result = change(state)
                if new is not None and new is not state:
                    self._store(new)
                return result
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _load(self) -> ipam.IPAMState:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return ipam.IPAMState()
        if not text.strip():
            return ipam.IPAMState()
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise LeaseFileCorrupt(f"{self.path}: {exc}") from exc
        return ipam.from_json(doc)

    def _store(self, state: ipam.IPAMState) -> None:
        data = json.dumps(ipam.to_json(state), indent=2).encode() + b"\n"
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
