"""A stand-in for qemu-system-x86_64 that speaks just enough of its sockets for boot tests.

Run as a program with QEMU's argv. It listens on every `-chardev socket,id=X,path=P`,
then behaves as FAKE_QEMU_MODE says: ready (console text, ready line on the agent
socket), exit (dies at once with an error), silent (never ready), crash (dies once the
agent socket is connected), stubborn (ready, but ignores QMP quit).
"""

import asyncio
import json
import os
import sys

READY = b"pacific-guest-ready\n"


def sockets(argv: list[str]) -> dict[str, str]:
    out = {}
    for i, arg in enumerate(argv):
        if arg == "-chardev" and argv[i + 1].startswith("socket,"):
            opts = dict(kv.split("=", 1) for kv in argv[i + 1].split(",")[1:])
            out[opts["id"]] = opts["path"]
    return out


async def main() -> None:
    mode = os.environ.get("FAKE_QEMU_MODE", "ready")
    if mode == "exit":
        print("qemu-system-x86_64: failed to set MSR 0x10a", file=sys.stderr)
        sys.exit(1)
    paths = sockets(sys.argv)
    done = asyncio.Event()

    async def console(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(b"[    0.000000] Linux version 6.1 (fake)\r\n")
        await w.drain()

    async def agent(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        if mode == "crash":
            await asyncio.sleep(0.05)
            os._exit(134)
        if mode in ("ready", "stubborn"):
            await asyncio.sleep(0.05)
            w.write(b"noise\n" + READY)
            await w.drain()

    async def qmp(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(json.dumps({"QMP": {"version": {}, "capabilities": []}}).encode() + b"\n")
        while line := await r.readline():
            cmd = json.loads(line)["execute"]
            if cmd == "quit" and mode == "stubborn":
                continue
            w.write(b'{"event": "X"}\n{"return": {}}\n')
            await w.drain()
            if cmd == "quit":
                done.set()

    servers = [
        await asyncio.start_unix_server(handler, paths[name])
        for name, handler in (("console", console), ("agent", agent), ("qmp", qmp))
    ]
    await done.wait()
    for s in servers:
        s.close()


asyncio.run(main())
