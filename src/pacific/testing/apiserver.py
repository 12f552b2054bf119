"""A real API server in-process, for integration tests.

    async with running_apiserver(None, tmp_path) as srv:
        srv.url, srv.token, srv.ca_path, srv.kubeconfig_path

Starts `pacific.apiserver.serve` on 127.0.0.1 on a free port (the socket is bound before
the server starts, so there is no port race) with throwaway credentials from `pacific.pki`
in `tmp_path`: a cluster CA, a serving certificate for 127.0.0.1/localhost, a static token
file with an admin token (system:masters) and a kubeconfig for kubectl and the official
Python client. The server runs on the caller's event loop and stops, closing every watch,
when the block exits. `store` None means a fresh MemoryStore.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pacific.api.kinds import Registry as Kinds
from pacific.apiserver.config import ServerConfig
from pacific.apiserver.server import serve
from pacific.pki import certs
from pacific.pki.bootstrap import ensure_credentials
from pacific.store.memory import MemoryStore
from pacific.store.protocol import Store


@dataclass(frozen=True, slots=True)
class RunningAPIServer:
    url: str
    token: str  # the admin's bearer token (system:masters)
    ca_path: Path
    kubeconfig_path: Path
    token_file_path: Path
    ca_key_path: Path  # to issue client certificates in tests
    store: Store
    config: ServerConfig

    def client_cert(self, user: str, groups: tuple[str, ...], directory: Path) -> tuple[Path, Path]:
        """Issue a client certificate signed by the cluster CA; returns (cert, key) paths."""
        import datetime as dt

        ca = certs.KeyPair(self.ca_path.read_bytes(), self.ca_key_path.read_bytes())
        pair = certs.make_client_cert(ca, user, groups, dt.datetime.now(dt.UTC))
        cert, key = directory / f"{user}.crt", directory / f"{user}.key"
        cert.write_bytes(pair.cert_pem)
        key.write_bytes(pair.key_pem)
        return cert, key


@contextlib.asynccontextmanager
async def running_apiserver(
    store: Store | None,
    tmp_path: Path,
    *,
    kinds: Kinds | None = None,
    **overrides: Any,
) -> AsyncIterator[RunningAPIServer]:
    """Serve `store` over HTTPS on 127.0.0.1; `overrides` replace ServerConfig fields."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"https://127.0.0.1:{port}"
    creds = ensure_credentials(tmp_path, url, extra_sans=("127.0.0.1", "localhost"))
    config = ServerConfig(
        host="127.0.0.1",
        port=port,
        tls_cert_path=creds.serving_cert,
        tls_key_path=creds.serving_key,
        client_ca_path=creds.ca_cert,
        token_file_path=creds.token_file,
    )
    config = dataclasses.replace(config, **overrides)
    backing: Store = store if store is not None else MemoryStore()
    started = asyncio.Event()
    task = asyncio.create_task(serve(config, backing, kinds=kinds, sock=sock, started=started))
    try:
        waiter = asyncio.create_task(started.wait())
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            waiter.cancel()
            await task
            raise RuntimeError("the API server stopped before it started serving")
        yield RunningAPIServer(
            url=url,
            token=creds.admin_token,
            ca_path=creds.ca_cert,
            kubeconfig_path=creds.kubeconfig,
            token_file_path=creds.token_file,
            ca_key_path=creds.ca_key,
            store=backing,
            config=config,
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
