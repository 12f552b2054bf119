"""The `pacific` command.

    pacific up       everything on this machine: store, API server, controllers
    pacific server   API server and controllers only (for multi-process set-ups)
    pacific version  the version, and the Kubernetes API version served

The CLI is the sync edge of an async program: it parses arguments, builds the frozen
configuration, and hands one coroutine to the event loop.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pacific import __version__
from pacific.cli import logs

DEFAULT_DATA_DIR = Path("/var/lib/pacific")


def _add_control_plane_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where the store, certificates and kubeconfig live (default: %(default)s)",
    )
    p.add_argument("--port", type=int, default=6443, help="HTTPS port (default: %(default)s)")
    p.add_argument(
        "--bind-address", default="0.0.0.0", help="address to listen on (default: %(default)s)"
    )
    p.add_argument(
        "--advertise-address",
        default="127.0.0.1",
        help="address written into the kubeconfig (default: %(default)s)",
    )
    p.add_argument(
        "--sync",
        choices=["FULL", "NORMAL"],
        default="FULL",
        help="SQLite durability: FULL makes every acknowledged write survive a "
        "power cut (default: %(default)s)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pacific",
        description="Pacific: one management plane for virtual machines and pods, "
        "speaking the Kubernetes API.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    up = sub.add_parser(
        "up",
        help="run everything on this machine (foreground; Ctrl-C stops it)",
        description="Run Pacific all-in-one: an embedded SQLite store, the API server and "
        "the controllers. On first start it creates a CA, a serving certificate, "
        "an admin token and <data-dir>/kubeconfig; later starts reuse them and "
        "everything stored.",
    )
    _add_control_plane_args(up)
    up.set_defaults(func=_cmd_up)

    server = sub.add_parser(
        "server",
        help="run the API server and controllers only",
        description="Run the API server and the controllers, without the host services "
        "of `pacific up`.",
    )
    _add_control_plane_args(server)
    server.set_defaults(func=_cmd_up)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(func=_cmd_version)
    return parser


def _cmd_version(args: argparse.Namespace) -> int:
    from pacific.apiserver.config import ServerConfig

    print(f"pacific {__version__} (Kubernetes API {ServerConfig().git_version})")
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    from pacific.cli import up

    logs.configure(args.verbose)
    options = up.Options(
        data_dir=args.data_dir.resolve(),
        port=args.port,
        bind_address=args.bind_address,
        advertise_address=args.advertise_address,
        synchronous=args.sync,
    )
    return up.run(options)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
