"""Pod volumes on the host: what each file holds (pure), and writing it atomically.

    <pod dir>/volumes/<volume name>/      what a container mounts

Kinds: configMap, secret (with `items`, `defaultMode`, `optional`), downwardAPI
(`fieldRef`, `resourceFieldRef`), projected (configMap, secret, downwardAPI sources;
serviceAccountToken sources are skipped: Pacific issues no bound tokens yet), emptyDir
(a plain directory, or a tmpfs for `medium: Memory`, mounted through `pacific.host`) and
hostPath (the host directory itself). Anything else fails with FailedMount.

Atomic update (kubelet's AtomicWriter): the files of one version are written into a fresh
hidden directory `..<stamp>`; the symlink `..data` is swapped to it with one rename; each
top-level name is a symlink through `..data`. A reader sees either the old or the new
set, never a mix. Unchanged content is not rewritten.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pacific.agent.podspec import EnvSources, field_value, find_container, resource_value
from pacific.host import Runner, SubprocessRunner, run

Obj = dict[str, Any]
Files = dict[str, tuple[bytes, int]]  # relative path -> (content, mode)
DATA = "..data"
MOUNT_TIMEOUT_S = 30.0


class MountError(Exception):
    """A volume cannot be prepared (event FailedMount)."""


def _keyed(
    data: Mapping[str, bytes] | None, items: list[Obj] | None, mode: int, what: str, optional: bool
) -> Files:
    if data is None:
        if optional:
            return {}
        raise MountError(f"{what} not found")
    if not items:
        return {key: (value, mode) for key, value in data.items()}
    files: Files = {}
    for item in items:
        key = str(item.get("key", ""))
        if key not in data:
            if optional:
                continue
            raise MountError(f"{what} has no key {key!r}")
        files[str(item.get("path") or key)] = (data[key], int(item.get("mode") or mode))
    return files


def _downward(pod: Obj, items: list[Obj], mode: int, sources: EnvSources) -> Files:
    files: Files = {}
    for item in items:
        path = str(item.get("path", ""))
        item_mode = int(item.get("mode") or mode)
        if (ref := item.get("fieldRef")) is not None:
            value = field_value(pod, str(ref.get("fieldPath", "")), sources)
        elif (ref := item.get("resourceFieldRef")) is not None:
            container = find_container(pod, str(ref.get("containerName", ""))) or {}
            value = resource_value(
                container, str(ref.get("resource", "")), str(ref.get("divisor") or "1"), sources
            )
        else:
            continue
        files[path] = (value.encode(), item_mode)
    return files


def _config_map(sources: EnvSources, name: str) -> dict[str, bytes] | None:
    data = sources.config_maps.get(name)
    return None if data is None else {k: v.encode() for k, v in data.items()}


def volume_files(pod: Obj, volume: Obj, sources: EnvSources) -> Files | None:
    """The files of a volume whose content comes from the API; None for other kinds."""
    if (cm := volume.get("configMap")) is not None:
        name = str(cm.get("name", ""))
        mode = int(cm.get("defaultMode") or 0o644)
        return _keyed(
            _config_map(sources, name),
            cm.get("items"),
            mode,
            f'configmap "{name}"',
            bool(cm.get("optional")),
        )
    if (sec := volume.get("secret")) is not None:
        name = str(sec.get("secretName", ""))
        mode = int(sec.get("defaultMode") or 0o644)
        return _keyed(
            sources.secrets.get(name),
            sec.get("items"),
            mode,
            f'secret "{name}"',
            bool(sec.get("optional")),
        )
    if (dw := volume.get("downwardAPI")) is not None:
        return _downward(
            pod, list(dw.get("items") or ()), int(dw.get("defaultMode") or 0o644), sources
        )
    if (proj := volume.get("projected")) is not None:
        mode = int(proj.get("defaultMode") or 0o644)
        files: Files = {}
        for src in proj.get("sources") or ():
            if (cm := src.get("configMap")) is not None:
                name = str(cm.get("name", ""))
                files.update(
                    _keyed(
                        _config_map(sources, name),
                        cm.get("items"),
                        mode,
                        f'configmap "{name}"',
                        bool(cm.get("optional")),
                    )
                )
            elif (sec := src.get("secret")) is not None:
                name = str(sec.get("name", ""))
                files.update(
                    _keyed(
                        sources.secrets.get(name),
                        sec.get("items"),
                        mode,
                        f'secret "{name}"',
                        bool(sec.get("optional")),
                    )
                )
            elif (dw := src.get("downwardAPI")) is not None:
                files.update(_downward(pod, list(dw.get("items") or ()), mode, sources))
        return files
    return None


def _current(target: Path) -> Files | None:
    data = target / DATA
    if not data.is_symlink():
        return None
    root = target / os.readlink(data)
    found: Files = {}
    for path in root.rglob("*"):
        if path.is_file():
            found[str(path.relative_to(root))] = (path.read_bytes(), path.stat().st_mode & 0o7777)
    return found


def write_atomic(target: Path, files: Files) -> bool:
    """Make `target` show exactly `files` through a `..data` swap; False if unchanged."""
    target.mkdir(parents=True, exist_ok=True)
    if _current(target) == files:
        return False
    stamp = target / f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{time.monotonic_ns()}"
    stamp.mkdir()
    for rel, (content, mode) in files.items():
        path = stamp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(mode)
    old = os.readlink(target / DATA) if (target / DATA).is_symlink() else None
    tmp = target / "..data_tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(stamp.name)
    tmp.rename(target / DATA)
    tops = {rel.split("/", 1)[0] for rel in files}
    for top in tops:
        link = target / top
        if not link.is_symlink():
            link.symlink_to(f"{DATA}/{top}")
    for entry in target.iterdir():
        if entry.is_symlink() and not entry.name.startswith("..") and entry.name not in tops:
            entry.unlink()
    if old is not None:
        shutil.rmtree(target / old, ignore_errors=True)
    return True


class Volumes:
    """Prepares and removes the volumes of pods under `pods_dir`."""

    def __init__(self, pods_dir: Path, runner: Runner | None = None) -> None:
        self.pods_dir = pods_dir
        self.runner: Runner = runner or SubprocessRunner()

    def volume_dir(self, pod_uid: str, name: str) -> Path:
        return self.pods_dir / pod_uid / "volumes" / name

    async def prepare(self, pod: Obj, sources: EnvSources) -> dict[str, Path]:
        """Create or refresh every volume of the pod; name -> directory to mount."""
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        dirs: dict[str, Path] = {}
        for volume in (pod.get("spec") or {}).get("volumes") or ():
            name = str(volume.get("name", ""))
            if (host := volume.get("hostPath")) is not None:
                dirs[name] = Path(str(host.get("path", "")))
                continue
            target = self.volume_dir(uid, name)
            files = volume_files(pod, volume, sources)
            if files is not None:
                await asyncio.to_thread(write_atomic, target, files)
            elif (empty := volume.get("emptyDir")) is not None:
                await self._empty_dir(target, empty)
            else:
                kinds = sorted(k for k in volume if k != "name")
                raise MountError(f"volume {name!r}: unsupported volume type {kinds}")
            dirs[name] = target
        return dirs

    async def _empty_dir(self, target: Path, spec: Obj) -> None:
        mounted = await asyncio.to_thread(_ensure_dir, target)
        if spec.get("medium") != "Memory" or mounted:
            return
        options = "mode=0777"
        if spec.get("sizeLimit"):
            options += f",size={spec['sizeLimit']}".replace("i", "")
        argv = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)]
        await run(argv, timeout=MOUNT_TIMEOUT_S, runner=self.runner)

    async def cleanup(self, pod_uid: str) -> None:
        """Unmount tmpfs volumes and remove the pod's directory. Idempotent."""
        root = self.pods_dir / pod_uid
        for entry in await asyncio.to_thread(_mounts_under, root / "volumes"):
            await run(["umount", str(entry)], timeout=MOUNT_TIMEOUT_S, runner=self.runner)
        await asyncio.to_thread(shutil.rmtree, root, True)


def _ensure_dir(target: Path) -> bool:
    """Create the directory; whether something is mounted on it."""
    target.mkdir(parents=True, exist_ok=True)
    return os.path.ismount(target)


def _mounts_under(volumes: Path) -> list[Path]:
    if not volumes.is_dir():
        return []
    return [entry for entry in volumes.iterdir() if os.path.ismount(entry)]
