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
from pacific.cli import images, logs

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
    up.add_argument(
        "--no-agent",
        action="store_true",
        help="do not run pods on this machine (control plane only)",
    )
    up.add_argument(
        "--agent-port",
        type=int,
        default=10250,
        help="the host agent's stream port (default: %(default)s)",
    )
    up.add_argument(
        "--bridge", default="pacific0", help="the host bridge pods attach to (default: %(default)s)"
    )
    up.add_argument(
        "--pod-cidr",
        default="10.120.0.0/16",
        help="addresses for this host's pods (default: %(default)s)",
    )
    up.add_argument(
        "--node-name", default="", help="this host's Node name (default: the host name)"
    )
    up.set_defaults(func=_cmd_up)

    server = sub.add_parser(
        "server",
        help="run the API server and controllers only",
        description="Run the API server and the controllers, without the host services "
        "of `pacific up`.",
    )
    _add_control_plane_args(server)
    server.set_defaults(func=_cmd_up, scheduler=False, no_agent=True)
    up.set_defaults(scheduler=True)

    sched = sub.add_parser(
        "scheduler",
        help="run the scheduler against a server",
        description="Place pending Pods on hosts (filter and score plugins, NUMA fit), as "
        "`pacific up` does in-process.",
    )
    _add_kubeconfig_arg(sched)
    sched.add_argument(
        "--score",
        choices=["LeastAllocated", "MostAllocated"],
        default="LeastAllocated",
        help="how hosts are scored (default: %(default)s)",
    )
    sched.set_defaults(func=_cmd_scheduler)

    sim = sub.add_parser(
        "sim-hosts",
        help="register simulated hosts (for tests and benchmarks)",
        description="Register COUNT simulated hosts of one shape with the server; they "
        "heartbeat and report bound Pods as Running without running anything.",
    )
    _add_kubeconfig_arg(sim)
    sim.add_argument("--count", type=int, default=10, help="number of hosts (default: %(default)s)")
    sim.add_argument("--cpu", type=int, default=64, help="CPUs per host (default: %(default)s)")
    sim.add_argument("--memory", default="512Gi", help="memory per host (default: %(default)s)")
    sim.add_argument(
        "--numa", type=int, default=2, help="NUMA nodes per host (default: %(default)s)"
    )
    sim.add_argument("--prefix", default="sim-", help="host name prefix (default: %(default)s)")
    sim.set_defaults(func=_cmd_sim_hosts)

    image = sub.add_parser("image", help="manage the host's OCI image store")
    image.add_argument(
        "--root",
        type=Path,
        default=DEFAULT_DATA_DIR / "images",
        help="image store directory (default: %(default)s)",
    )
    image_sub = image.add_subparsers(dest="image_command", metavar="COMMAND", required=True)
    imp = image_sub.add_parser("import", help="import an OCI layout or `docker save` archive")
    imp.add_argument("archive", type=Path)
    imp.add_argument("--name", help="name the imported image (registry/repo:tag)")
    imp.set_defaults(func=lambda a: images.import_archive(a.root, a.archive, a.name))
    pull = image_sub.add_parser("pull", help="pull an image from a registry")
    pull.add_argument("reference")
    pull.set_defaults(func=lambda a: images.pull(a.root, a.reference))
    ls = image_sub.add_parser("ls", help="list images")
    ls.set_defaults(func=lambda a: images.list_images(a.root))
    rm = image_sub.add_parser("rm", help="remove images (by name or ID)")
    rm.add_argument("references", nargs="+")
    rm.set_defaults(func=lambda a: images.remove(a.root, a.references))

    guest = sub.add_parser("guest", help="the microVM guest kernel and image")
    guest_sub = guest.add_subparsers(dest="guest_command", metavar="COMMAND", required=True)
    gbuild = guest_sub.add_parser(
        "build",
        help="build (or reuse) the guest kernel and initramfs",
        description="Build the small guest kernel (from Debian's linux-source) and the "
        "guest image (busybox) pod microVMs boot, cached by the hash of their inputs.",
    )
    gbuild.add_argument(
        "--cache-dir",
        type=Path,
        default=Path("/var/cache/pacific/guest"),
        help="where built guests are kept (default: %(default)s)",
    )
    gbuild.set_defaults(func=_cmd_guest_build)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(func=_cmd_version)
    return parser


def _add_kubeconfig_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kubeconfig",
        type=Path,
        default=None,
        help="kubeconfig of the server (default: $KUBECONFIG, else /var/lib/pacific/kubeconfig)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def _cmd_scheduler(args: argparse.Namespace) -> int:
    from pacific.cli import remote

    logs.configure(args.verbose)
    return remote.scheduler(args.kubeconfig, args.score)


def _cmd_sim_hosts(args: argparse.Namespace) -> int:
    from pacific.cli import remote

    logs.configure(args.verbose)
    return remote.sim_hosts(
        args.kubeconfig, args.count, args.cpu, args.memory, args.numa, args.prefix
    )


def _cmd_guest_build(args: argparse.Namespace) -> int:
    from pacific.cli import guest

    return guest.build(args.cache_dir)


def _cmd_version(args: argparse.Namespace) -> int:
    from pacific.apiserver.config import ServerConfig

    print(f"pacific {__version__} (Kubernetes API {ServerConfig().git_version})")
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    from pacific.cli import up
    from pacific.cli.host import HostOptions

    logs.configure(args.verbose)
    options = up.Options(
        data_dir=args.data_dir.resolve(),
        port=args.port,
        bind_address=args.bind_address,
        advertise_address=args.advertise_address,
        synchronous=args.sync,
        scheduler=args.scheduler,
        host=None
        if args.no_agent
        else HostOptions(
            data_dir=args.data_dir.resolve(),
            api_port=args.port,
            agent_port=args.agent_port,
            bridge=args.bridge,
            pod_cidr=args.pod_cidr,
            node_name=args.node_name,
        ),
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
