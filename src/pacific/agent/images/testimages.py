"""Small test images built from Debian's busybox-static, without network or docker.

`build_images()` makes two images, deterministically (fixed mtimes, owners and order, gzip
with no timestamp), so their digests only change when the busybox binary does:

- `pacific.test/busybox:latest`: one layer with /bin/busybox and applet links (`sh`,
  `sleep`, `httpd`, ...), /etc/passwd and /etc/group, /tmp, /var/www/index.html, and two
  files under /opt for the layered image to hide;
- `pacific.test/busybox-layered:latest`: the same base layer plus one that adds
  /etc/pacific-release, whites out /opt/gone and makes /opt/old opaque.

`write_archives(out)` writes each as an OCI layout archive (`<name>.oci.tar`) and the base
also as a `docker save` archive (`busybox.docker.tar`), skipping the work when the cache
already holds archives for the same busybox binary. `scripts/build-test-images.sh` runs it.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from pacific.agent.images.digest import digest_of

BUSYBOX = Path("/bin/busybox")
_VERSION = "1"
APPLETS = [
    "sh",
    "ash",
    "cat",
    "chmod",
    "cp",
    "date",
    "dd",
    "df",
    "echo",
    "env",
    "false",
    "grep",
    "head",
    "hostname",
    "httpd",
    "id",
    "kill",
    "ln",
    "ls",
    "mkdir",
    "mount",
    "mv",
    "nc",
    "printenv",
    "ps",
    "pwd",
    "rm",
    "sed",
    "seq",
    "sleep",
    "stat",
    "tail",
    "tee",
    "test",
    "top",
    "touch",
    "true",
    "uname",
    "vi",
    "wc",
    "wget",
    "whoami",
    "xargs",
    "yes",
]
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass(frozen=True)
class BuiltImage:
    name: str  # full reference
    config: bytes
    layers: tuple[bytes, ...]  # gzipped layer tars, bottom first
    manifest: bytes


def _tar(entries: list[tuple[str, str, bytes | str, int]]) -> bytes:
    """A tar of (path, kind 'dir'|'file'|'link', data or link target, mode) in order."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, kind, data, mode in entries:
            info = tarfile.TarInfo(path)
            info.mode, info.mtime, info.uid, info.gid = mode, 0, 0, 0
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, str(data)
                tar.addfile(info)
            else:
                raw = data if isinstance(data, bytes) else data.encode()
                info.size = len(raw)
                tar.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


def _base_layer(busybox: bytes) -> bytes:
    entries: list[tuple[str, str, bytes | str, int]] = [
        ("bin", "dir", b"", 0o755),
        ("bin/busybox", "file", busybox, 0o755),
    ]
    entries += [(f"bin/{a}", "link", "busybox", 0o777) for a in APPLETS]
    entries += [
        ("etc", "dir", b"", 0o755),
        (
            "etc/passwd",
            "file",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n",
            0o644,
        ),
        ("etc/group", "file", "root:x:0:\nnogroup:x:65534:\n", 0o644),
        ("opt", "dir", b"", 0o755),
        ("opt/gone", "file", "hidden by the layered image\n", 0o644),
        ("opt/old", "dir", b"", 0o755),
        ("opt/old/stale", "file", "hidden by the opaque directory\n", 0o644),
        ("root", "dir", b"", 0o700),
        ("tmp", "dir", b"", 0o1777),
        ("var", "dir", b"", 0o755),
        ("var/www", "dir", b"", 0o755),
        ("var/www/index.html", "file", "hello from pacific\n", 0o644),
    ]
    return _tar(entries)


def _top_layer() -> bytes:
    return _tar(
        [
            ("etc", "dir", b"", 0o755),
            ("etc/pacific-release", "file", "layered\n", 0o644),
            ("opt", "dir", b"", 0o755),
            ("opt/.wh.gone", "file", b"", 0o644),
            ("opt/old", "dir", b"", 0o755),
            ("opt/old/.wh..wh..opq", "file", b"", 0o644),
            ("opt/old/fresh", "file", "in the opaque directory\n", 0o644),
        ]
    )


def _image(name: str, tars: list[bytes]) -> BuiltImage:
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [digest_of(t) for t in tars]},
        "history": [{"created_by": "pacific test image"} for _ in tars],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    layers = tuple(gzip.compress(t, mtime=0) for t in tars)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": digest_of(config_bytes),
            "size": len(config_bytes),
        },
        "layers": [
            {"mediaType": OCI_LAYER_GZIP, "digest": digest_of(layer), "size": len(layer)}
            for layer in layers
        ],
    }
    return BuiltImage(name, config_bytes, layers, json.dumps(manifest, sort_keys=True).encode())


def build_images(busybox: Path = BUSYBOX) -> dict[str, BuiltImage]:
    base = _base_layer(busybox.read_bytes())
    return {
        "busybox": _image("pacific.test/busybox:latest", [base]),
        "busybox-layered": _image("pacific.test/busybox-layered:latest", [base, _top_layer()]),
    }


def _add(tar: tarfile.TarFile, path: str, data: bytes) -> None:
    info = tarfile.TarInfo(path)
    info.size, info.mode, info.mtime = len(data), 0o644, 0
    tar.addfile(info, io.BytesIO(data))


def write_oci_archive(image: BuiltImage, path: Path) -> None:
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest_of(image.manifest),
                "size": len(image.manifest),
                "platform": {"os": "linux", "architecture": "amd64"},
                "annotations": {
                    "io.containerd.image.name": image.name,
                    "org.opencontainers.image.ref.name": image.name.rsplit(":", 1)[1],
                },
            }
        ],
    }
    tmp = path.with_suffix(".partial")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        _add(tar, "index.json", json.dumps(index, sort_keys=True).encode())
        for blob in (image.manifest, image.config, *image.layers):
            _add(tar, f"blobs/sha256/{digest_of(blob).removeprefix('sha256:')}", blob)
    os.replace(tmp, path)


def write_docker_archive(image: BuiltImage, path: Path) -> None:
    """The `docker save` layout: <config hex>.json, <n>/layer.tar (uncompressed)."""
    config_name = digest_of(image.config).removeprefix("sha256:") + ".json"
    layer_names = [f"{i}/layer.tar" for i in range(len(image.layers))]
    repo, tag = image.name.rsplit(":", 1)
    manifest = [{"Config": config_name, "RepoTags": [image.name], "Layers": layer_names}]
    tmp = path.with_suffix(".partial")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, config_name, image.config)
        for name, layer in zip(layer_names, image.layers, strict=True):
            _add(tar, name, gzip.decompress(layer))
        _add(tar, "manifest.json", json.dumps(manifest).encode())
        _add(tar, "repositories", json.dumps({repo: {tag: config_name[:-5]}}).encode())
    os.replace(tmp, path)


def default_cache() -> Path:
    env = os.environ.get("PACIFIC_TEST_IMAGES")
    return Path(env) if env else Path.home() / ".cache" / "pacific" / "test-images"


def write_archives(out: Path | None = None, busybox: Path = BUSYBOX) -> dict[str, Path]:
    """Build (or reuse) the test image archives in `out`; their paths by name."""
    out = out or default_cache()
    out.mkdir(parents=True, exist_ok=True)
    stamp = f"{_VERSION} {hashlib.sha256(busybox.read_bytes()).hexdigest()}\n"
    paths = {
        "busybox": out / "busybox.oci.tar",
        "busybox-layered": out / "busybox-layered.oci.tar",
        "busybox-docker": out / "busybox.docker.tar",
    }
    stamp_file = out / "STAMP"
    fresh = stamp_file.exists() and stamp_file.read_text() == stamp
    if fresh and all(p.exists() for p in paths.values()):
        return paths
    images = build_images(busybox)
    write_oci_archive(images["busybox"], paths["busybox"])
    write_oci_archive(images["busybox-layered"], paths["busybox-layered"])
    write_docker_archive(images["busybox"], paths["busybox-docker"])
    stamp_file.write_text(stamp)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build Pacific's busybox test images.")
    parser.add_argument("--out", type=Path, default=None, help="output dir (default: cache)")
    parser.add_argument("--busybox", type=Path, default=BUSYBOX)
    args = parser.parse_args(argv)
    if not args.busybox.exists():
        print(f"{args.busybox} missing: apt-get install busybox-static", file=sys.stderr)
        return 1
    for name, path in write_archives(args.out, args.busybox).items():
        print(f"{name}\t{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
