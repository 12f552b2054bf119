"""A standard asyncio loop on its own thread, for host work uvloop cannot do.

`pacific up` runs on uvloop for the API server's sake, but two kinds of host work need the
standard selector loop: child processes whose daemonised grandchildren keep inherited
pipes (conmon) never report EOF under uvloop's subprocess support, and pyroute2's netlink
sockets are datagram endpoints of family AF_NETLINK, which uvloop refuses to open. Such
work runs here, and callers await the result from their own loop; cancelling the awaiting
call cancels the work.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class StandardLoop:
    def __init__(self, name: str) -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.SelectorEventLoop()
                threading.Thread(target=loop.run_forever, name=self.name, daemon=True).start()
                self._loop = loop
            return self._loop

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on this loop; from a coroutine already on it, just await it."""
        loop = self._started()
        if asyncio.get_running_loop() is loop:
            return await work
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))
