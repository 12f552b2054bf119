"""The one door to the host for subprocesses.

Every program the agent runs on its host (crun, ip, nft, qemu-img, mount, ...) goes through
`run()` here, so logs show every command, timeouts are never forgotten, and tests can see
and fake all of them by passing a `Runner` (for instance `pacific.host.fake.FakeRunner`)
where the real `SubprocessRunner` would go.

Model: a command is an argv list (never a shell string), run with optional bytes on stdin,
always under a timeout. It completes with a `Completed` (exit code, stdout, stderr). With
`check=True` a non-zero exit raises `CommandFailed`; a command still running at its timeout
is killed and raises `CommandTimeout`; a missing program raises `CommandNotFound`. All three
are `HostError`s.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

__all__ = [
    "CommandFailed",
    "CommandNotFound",
    "CommandTimeout",
    "Completed",
    "HostError",
    "Runner",
    "SubprocessRunner",
    "run",
]


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes


class HostError(Exception):
    """A host command could not be run or did not succeed."""

    def __init__(self, argv: Sequence[str], message: str) -> None:
        self.argv = tuple(argv)
        super().__init__(f"{shlex.join(self.argv)}: {message}")


class CommandNotFound(HostError):
    pass


class CommandTimeout(HostError):
    def __init__(self, argv: Sequence[str], timeout: float) -> None:
        self.timeout = timeout
        super().__init__(argv, f"timed out after {timeout:g}s")


class CommandFailed(HostError):
    def __init__(self, completed: Completed) -> None:
        self.completed = completed
        err = completed.stderr.decode(errors="replace").strip()
        super().__init__(
            completed.argv, f"exit status {completed.returncode}" + (f": {err}" if err else "")
        )


class Runner(Protocol):
    async def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None,
        timeout: float,  # noqa: ASYNC109
        check: bool,
    ) -> Completed: ...


class SubprocessRunner:
    """Runs commands for real with `asyncio.create_subprocess_exec` on the caller's loop,
    which must be a standard asyncio loop: under uvloop a command whose daemonised
    grandchild keeps the pipes (conmon) never reports EOF."""

    async def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None,
        timeout: float,  # noqa: ASYNC109
        check: bool,
    ) -> Completed:
        args = tuple(argv)
        if not args:
            raise ValueError("empty argv")
        start = time.monotonic()
        try:
            proc = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.PIPE if input is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except (FileNotFoundError, PermissionError) as exc:
            raise CommandNotFound(args, str(exc)) from exc
        try:
            async with asyncio.timeout(timeout):
                out, err = await proc.communicate(input)
        except TimeoutError as exc:
            proc.kill()
            await proc.wait()
            log.warning("host: %s timed out after %gs", shlex.join(args), timeout)
            raise CommandTimeout(args, timeout) from exc
        code = proc.returncode if proc.returncode is not None else -1
        log.debug("host: %s -> %d in %.3fs", shlex.join(args), code, time.monotonic() - start)
        done = Completed(args, code, out, err)
        if check and code != 0:
            raise CommandFailed(done)
        return done


_DEFAULT = SubprocessRunner()


async def run(
    argv: Sequence[str],
    *,
    input: bytes | None = None,
    timeout: float,  # noqa: ASYNC109 - required: the subprocess must be killed, not abandoned
    check: bool = True,
    runner: Runner = _DEFAULT,
) -> Completed:
    """Run `argv` on the host (through `runner`, the real one unless a test passes a fake)."""
    return await runner.run(argv, input=input, timeout=timeout, check=check)
