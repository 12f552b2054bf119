"""A fake `Runner` for tests: records every command and answers from a script.

Answers are matched by argv prefix, longest prefix first; an unmatched command completes
with exit 0 and empty output, so a test states only what matters to it. The fake applies
`check` exactly like the real runner, so error paths are exercised too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pacific.host import CommandFailed, CommandTimeout, Completed


@dataclass(frozen=True)
class Answer:
    returncode: int = 0
    stdout: bytes = b""
    stderr: bytes = b""
    hang: bool = False  # behave as a command that never finishes: raise CommandTimeout


@dataclass
class FakeRunner:
    answers: dict[tuple[str, ...], Answer] = field(default_factory=dict)
    calls: list[tuple[tuple[str, ...], bytes | None]] = field(default_factory=list)

    def answer(self, prefix: Sequence[str], answer: Answer) -> None:
        self.answers[tuple(prefix)] = answer

    def argvs(self) -> list[tuple[str, ...]]:
        return [argv for argv, _ in self.calls]

    async def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None,
        timeout: float,  # noqa: ASYNC109
        check: bool,
    ) -> Completed:
        args = tuple(argv)
        self.calls.append((args, input))
        match = max((p for p in self.answers if args[: len(p)] == p), key=len, default=None)
        ans = self.answers[match] if match is not None else Answer()
        if ans.hang:
            raise CommandTimeout(args, timeout)
        done = Completed(args, ans.returncode, ans.stdout, ans.stderr)
        if check and ans.returncode != 0:
            raise CommandFailed(done)
        return done
