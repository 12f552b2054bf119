from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pacific.agent.podspec import EnvSources
from pacific.agent.volumes import MountError, Volumes, volume_files, write_atomic
from pacific.host.fake import FakeRunner

POD: dict[str, Any] = {
    "metadata": {"name": "web", "namespace": "ns", "uid": "u1", "labels": {"a": "b"}},
    "spec": {
        "containers": [{"name": "app", "resources": {"limits": {"memory": "32Mi"}}}],
    },
}
SOURCES = EnvSources(
    config_maps={"cfg": {"a.conf": "A", "b.conf": "B"}},
    secrets={"sec": {"token": b"t0k"}},
)


def test_config_map_items_and_modes() -> None:
    vol = {"configMap": {"name": "cfg", "items": [{"key": "a.conf", "path": "x/a", "mode": 0o600}]}}
    assert volume_files(POD, vol, SOURCES) == {"x/a": (b"A", 0o600)}
    secret = {"secret": {"secretName": "sec", "defaultMode": 0o400}}
    assert volume_files(POD, secret, SOURCES) == {"token": (b"t0k", 0o400)}
    with pytest.raises(MountError):
        volume_files(POD, {"secret": {"secretName": "nope"}}, SOURCES)
    assert volume_files(POD, {"secret": {"secretName": "nope", "optional": True}}, SOURCES) == {}


def test_downward_and_projected() -> None:
    dw = {
        "downwardAPI": {
            "items": [
                {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                {
                    "path": "mem",
                    "resourceFieldRef": {
                        "containerName": "app",
                        "resource": "limits.memory",
                        "divisor": "1Mi",
                    },
                },
            ]
        }
    }
    assert volume_files(POD, dw, SOURCES) == {
        "name": (b"web", 0o644),
        "labels": (b'a="b"\n', 0o644),
        "mem": (b"32", 0o644),
    }
    proj = {
        "projected": {
            "sources": [
                {"configMap": {"name": "cfg", "items": [{"key": "b.conf", "path": "b"}]}},
                {"secret": {"name": "sec"}},
                {"serviceAccountToken": {"path": "token2"}},
            ]
        }
    }
    assert volume_files(POD, proj, SOURCES) == {"b": (b"B", 0o644), "token": (b"t0k", 0o644)}
    assert volume_files(POD, {"emptyDir": {}}, SOURCES) is None


def test_atomic_writer_swaps_data_and_drops_removed_names(tmp_path: Path) -> None:
    target = tmp_path / "vol"
    assert write_atomic(target, {"a": (b"1", 0o644), "d/b": (b"2", 0o600)})
    assert (target / "a").read_bytes() == b"1"
    assert (target / "d" / "b").read_bytes() == b"2"
    assert os.readlink(target / "a") == "..data/a"
    first = os.readlink(target / "..data")
    assert not write_atomic(target, {"a": (b"1", 0o644), "d/b": (b"2", 0o600)})
    assert write_atomic(target, {"a": (b"3", 0o644)})
    assert os.readlink(target / "..data") != first
    assert (target / "a").read_bytes() == b"3"
    assert not (target / "d").exists()
    assert not (target / first).exists()


async def test_prepare_and_cleanup(tmp_path: Path) -> None:
    runner = FakeRunner()
    volumes = Volumes(tmp_path / "pods", runner)
    pod = {
        **POD,
        "spec": {
            "volumes": [
                {"name": "conf", "configMap": {"name": "cfg"}},
                {"name": "scratch", "emptyDir": {}},
                {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
            ]
        },
    }
    dirs = await volumes.prepare(pod, SOURCES)
    assert (dirs["conf"] / "a.conf").read_text() == "A"
    assert dirs["scratch"].is_dir()
    [call] = runner.argvs()
    assert call[:4] == ("mount", "-t", "tmpfs", "-o")
    assert call[-1] == str(dirs["mem"])
    bad = {**POD, "spec": {"volumes": [{"name": "x", "persistentVolumeClaim": {"claimName": "c"}}]}}
    with pytest.raises(MountError):
        await volumes.prepare(bad, SOURCES)
    await volumes.cleanup("u1")
    assert not (tmp_path / "pods" / "u1").exists()
