"""Named network namespaces: create, find, delete, and open netlink sockets inside them.

A pod's namespace is bind-mounted at /run/netns/<name> by `ip netns add` (run through
`pacific.host.run`), the same place iproute2 and every CNI tool look, so it outlives the
agent and `ip netns exec <name> ...` works for people debugging. Creating a namespace needs
a process that unshares and then bind-mounts its own namespace; iproute2 does exactly that
in its own process, so the agent never forks itself.

A path under /run/netns counts as a namespace only if it is a bind mount of one (it sits on
nsfs); an empty file left by a crash in the middle of `ip netns add` does not, and
`ensure_netns` replaces it.

To configure the inside, `netlink_socket` opens a netlink socket in the namespace from a
short-lived thread that enters it with setns(2) (which moves only the calling thread) and
exits afterwards; the socket stays bound to the namespace it was created in.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import threading
from pathlib import Path

from pacific.agent.network.errors import HostNetworkError
from pacific.host import HostError, Runner, run

NETNS_DIR = Path("/run/netns")
IP_TIMEOUT = 10.0
_CLONE_NEWNET = 0x40000000
_NETLINK_ROUTE = 0


def netns_path(name: str) -> Path:
    return NETNS_DIR / name


def is_netns(path: Path) -> bool:
    """True if `path` is a bound network namespace (on nsfs, like /proc/self/ns/net)."""
    try:
        return os.stat(path).st_dev == os.stat("/proc/self/ns/net").st_dev
    except OSError:
        return False


def list_netns(prefix: str) -> list[str]:
    """Names of the namespace files under /run/netns starting with `prefix`."""
    try:
        return sorted(n for n in os.listdir(NETNS_DIR) if n.startswith(prefix))
    except FileNotFoundError:
        return []


async def ensure_netns(name: str, runner: Runner) -> bool:
    """Make sure the namespace exists; True if this call created it."""
    path = netns_path(name)
    if is_netns(path):
        return False
    if path.exists():  # left over from a crash inside `ip netns add`
        await delete_netns(name, runner)
    await _ip(["netns", "add", name], runner)
    return True


async def delete_netns(name: str, runner: Runner) -> None:
    """Unmount and remove the namespace (its devices go with it); no-op if absent."""
    if not netns_path(name).exists():
        return
    await _ip(["netns", "delete", name], runner)


async def _ip(args: list[str], runner: Runner) -> None:
    try:
        await run(["ip", *args], timeout=IP_TIMEOUT, runner=runner)
    except HostError as exc:
        raise HostNetworkError(str(exc)) from exc


async def netlink_socket(path: Path) -> socket.socket:
    """An rtnetlink socket bound to the network namespace at `path`."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[socket.socket] = loop.create_future()

    def deliver(sock: socket.socket | None, error: BaseException | None) -> None:
        if result.cancelled():
            if sock is not None:
                sock.close()
        elif error is not None:
            result.set_exception(error)
        elif sock is not None:
            result.set_result(sock)

    def work() -> None:
        try:
            sock = _socket_in(path)
        except OSError as exc:
            loop.call_soon_threadsafe(deliver, None, HostNetworkError(f"netns {path}: {exc}"))
        else:
            loop.call_soon_threadsafe(deliver, sock, None)

    # A thread of its own, never reused: it ends inside the pod's namespace on purpose.
    threading.Thread(target=work, name="pacific-netns", daemon=True).start()
    return await result


def _socket_in(path: Path) -> socket.socket:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
    finally:
        os.close(fd)
    return socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_ROUTE)
