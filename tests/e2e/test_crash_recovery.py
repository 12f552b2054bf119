"""Kill -9 of `pacific up` in the middle of a write burst loses no acknowledged write."""

from __future__ import annotations

import threading
import time

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from pacific.testing.process import PacificProcess

pytestmark = pytest.mark.e2e


def _core(proc: PacificProcess) -> client.CoreV1Api:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(proc.kubeconfig), client_configuration=cfg)
    cfg.retries = False
    return client.CoreV1Api(client.ApiClient(cfg))


def test_kill_during_write_burst_keeps_acknowledged_writes(tmp_path):
    proc = PacificProcess(tmp_path / "data", args=("--no-agent",))
    proc.start()
    core = _core(proc)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="burst")))
    acked: dict[str, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            name = f"w{n}-{i}"
            try:
                cm = core.create_namespaced_config_map(
                    "burst",
                    client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data={"i": str(i)}),
                )
            except Exception:
                return
            with lock:
                acked[name] = cm.metadata.resource_version
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    while len(acked) < 200:
        threading.Event().wait(0.01)
    proc.kill()  # SIGKILL mid-burst
    stop.set()
    for t in threads:
        t.join()
    last_rv = max(int(rv) for rv in acked.values())

    proc.start()
    core = _core(proc)
    stored = {cm.metadata.name: cm for cm in core.list_namespaced_config_map("burst").items}
    missing = [name for name in acked if name not in stored]
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
    for name, rv in acked.items():
        assert stored[name].metadata.resource_version == rv
    # A watch from before the restart is told its revision is gone (410), as with
    # kube-apiserver, so clients relist; a watch from the relisted revision sees new writes.
    with pytest.raises(ApiException) as gone:
        for _ in watch.Watch().stream(
            core.list_namespaced_config_map, "burst", resource_version="1", timeout_seconds=5
        ):
            pass
    assert gone.value.status == 410
    relisted = core.list_namespaced_config_map("burst").metadata.resource_version
    seen: list[str] = []

    def consume() -> None:
        w = watch.Watch()
        for ev in w.stream(
            core.list_namespaced_config_map, "burst", resource_version=relisted, timeout_seconds=10
        ):
            seen.append(ev["object"].metadata.resource_version)
            w.stop()

    t = threading.Thread(target=consume)
    t.start()
    time.sleep(0.3)
    # The revision keeps rising after the restart.
    cm = core.create_namespaced_config_map(
        "burst", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="after-restart"))
    )
    assert int(cm.metadata.resource_version) > last_rv
    t.join(timeout=15)
    assert seen == [cm.metadata.resource_version]
    assert proc.stop() == 0
