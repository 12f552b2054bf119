"""`pacific image import|pull|ls|rm`: the host's OCI image store from the command line.

The store is the same one the host agent uses (`/var/lib/pacific/images` by default), so an
image imported here is "present" for pods with imagePullPolicy IfNotPresent or Never.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from pacific.agent.images.errors import ImageError
from pacific.agent.images.index import ImageRecord
from pacific.agent.images.store import ImageStore, StoreConfig


def _store(root: Path) -> ImageStore:
    return ImageStore(StoreConfig(root=root))


def _size(n: int) -> str:
    """Sizes as `docker images` prints them (decimal units)."""
    if n < 1000:
        return f"{n}B"
    value = float(n)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            break
    return f"{value:.1f}{unit}"


def _rows(records: list[ImageRecord]) -> list[str]:
    lines = [f"{'IMAGE':<50} {'ID':<14} {'SIZE':>8}  CREATED"]
    for rec in sorted(records, key=lambda r: r.names[0] if r.names else r.id):
        created = dt.datetime.fromtimestamp(rec.created, dt.UTC).strftime("%Y-%m-%d %H:%M")
        short = rec.id.removeprefix("sha256:")[:12]
        for name in rec.names or ["<none>"]:
            lines.append(f"{name:<50} {short:<14} {_size(rec.size):>8}  {created}")
    return lines


def import_archive(root: Path, path: Path, name: str | None) -> int:
    try:
        records = asyncio.run(_store(root).import_archive(path, reference=name))
    except (ImageError, OSError) as exc:
        print(f"error: {exc}")
        return 1
    for rec in records:
        print(f"imported {', '.join(rec.names) or rec.id}")
    return 0


def pull(root: Path, reference: str) -> int:
    try:
        rec = asyncio.run(_store(root).pull(reference))
    except ImageError as exc:
        print(f"error: {exc}")
        return 1
    print(f"pulled {', '.join(rec.names)} ({rec.id})")
    return 0


def list_images(root: Path) -> int:
    print("\n".join(_rows(_store(root).list())))
    return 0


def remove(root: Path, references: list[str]) -> int:
    store = _store(root)
    failed = 0
    for ref in references:
        try:
            rec = asyncio.run(store.remove(ref))
        except ImageError as exc:
            print(f"error: {exc}")
            failed += 1
            continue
        print(f"removed {ref} ({rec.id.removeprefix('sha256:')[:12]})")
    return 1 if failed else 0
