"""An OCI distribution client for one repository: fetch manifests and blobs, with auth.

Model: `Repository(ref, http, credentials, config)` talks to `ref`'s registry over the
given `httpx.AsyncClient`. Loopback registries (localhost, 127.0.0.0/8, ::1; unless
`loopback_plain_http` is off) and hosts in `RegistryConfig.plain_http` are reached over
HTTP, all others over HTTPS. A request that
answers 401 is retried once after answering the challenge: `Bearer` fetches a token from
the realm (with basic credentials when we have them) for `repository:<path>:pull`, and
`Basic` sends the credentials; the token is then reused for the rest of the pull.

Manifests are fetched with an Accept header listing OCI and Docker v2 manifest and index
types; blobs stream into the blob store through a verifying writer (tmp + rename), so a
blob is either complete and correct or absent. Every failure leaves as an `ImageError`:
404 -> ImageNotFound, 401/403 -> Unauthorized, connection/TLS/timeouts/5xx ->
RegistryUnreachable, bad content -> NotAnImage or DigestMismatch.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from dataclasses import dataclass

import httpx

from pacific.agent.images.auth import Credentials, parse_challenge
from pacific.agent.images.blobs import BlobStore
from pacific.agent.images.digest import digest_of
from pacific.agent.images.errors import (
    DigestMismatch,
    ImageNotFound,
    RegistryUnreachable,
    Unauthorized,
)
from pacific.agent.images.manifest import ACCEPT, Descriptor
from pacific.agent.images.reference import Reference

_CHUNK = 1 << 20


@dataclass(frozen=True)
class RegistryConfig:
    plain_http: frozenset[str] = frozenset()  # extra `host[:port]`s reached over HTTP
    loopback_plain_http: bool = True  # reach loopback registries over HTTP
    timeout: float = 60.0  # seconds per network operation (connect, each read)


def is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def base_url(ref: Reference, config: RegistryConfig) -> str:
    host = ref.endpoint_host
    plain = (config.loopback_plain_http and is_loopback(host)) or host in config.plain_http
    scheme = "http" if plain else "https"
    return f"{scheme}://{host}/v2/{ref.path}"


def _server_message(resp: httpx.Response) -> str:
    try:
        errors = json.loads(resp.content).get("errors") or []
        first = errors[0]
        return f"server message: {str(first['code']).lower()}: {first['message']}"
    except (ValueError, AttributeError, IndexError, KeyError, TypeError):
        return f"{resp.status_code} {resp.reason_phrase}"


class Repository:
    def __init__(
        self,
        ref: Reference,
        http: httpx.AsyncClient,
        credentials: Credentials | None = None,
        config: RegistryConfig | None = None,
    ) -> None:
        self.ref = ref
        self.name = str(ref)
        self.http = http
        self.credentials = credentials
        self.config = config or RegistryConfig()
        self.base = base_url(ref, self.config)
        self._authorization: str | None = None

    async def _send(self, url: str, accept: str | None, stream: bool) -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        if self._authorization:
            headers["Authorization"] = self._authorization
        request = self.http.build_request("GET", url, headers=headers, timeout=self.config.timeout)
        try:
            return await self.http.send(request, stream=stream, follow_redirects=True)
        except httpx.TimeoutException as exc:
            raise RegistryUnreachable(
                self.name, f'failed to do request: Get "{url}": i/o timeout'
            ) from exc
        except httpx.HTTPError as exc:
            raise RegistryUnreachable(
                self.name, f'failed to do request: Get "{url}": {exc or type(exc).__name__}'
            ) from exc

    async def _get(
        self, url: str, accept: str | None = None, stream: bool = False
    ) -> httpx.Response:
        resp = await self._send(url, accept, stream)
        if resp.status_code == 401 and self._authorization is None:
            challenge = resp.headers.get("www-authenticate", "")
            await resp.aclose()
            self._authorization = await self._authorize(challenge)
            resp = await self._send(url, accept, stream)
        if resp.status_code < 400:
            return resp
        await resp.aread()
        await resp.aclose()
        if resp.status_code in (401, 403):
            raise Unauthorized(self.name, _server_message(resp))
        if resp.status_code == 404:
            raise ImageNotFound(self.name)
        raise RegistryUnreachable(
            self.name,
            f"unexpected status from GET request to {url}: {resp.status_code} {resp.reason_phrase}",
        )

    async def _authorize(self, challenge: str) -> str:
        scheme, params = parse_challenge(challenge)
        if scheme == "basic":
            if self.credentials is None:
                raise Unauthorized(self.name, "no basic auth credentials")
            pair = f"{self.credentials.username}:{self.credentials.password}".encode()
            return "Basic " + base64.b64encode(pair).decode()
        if scheme != "bearer" or "realm" not in params:
            raise Unauthorized(self.name, f"unsupported authentication challenge {challenge!r}")
        query = {"scope": params.get("scope") or f"repository:{self.ref.path}:pull"}
        if params.get("service"):
            query["service"] = params["service"]
        auth = (
            httpx.BasicAuth(self.credentials.username, self.credentials.password)
            if self.credentials
            else None
        )
        try:
            resp = await self.http.get(
                params["realm"], params=query, auth=auth, timeout=self.config.timeout
            )
        except httpx.HTTPError as exc:
            raise RegistryUnreachable(
                self.name, f'failed to fetch token: Get "{params["realm"]}": {exc}'
            ) from exc
        if resp.status_code in (401, 403):
            raise Unauthorized(self.name, _server_message(resp))
        try:
            doc = resp.json()
            token = doc.get("token") or doc.get("access_token")
        except (ValueError, AttributeError) as exc:
            raise Unauthorized(self.name, f"bad token response: {resp.status_code}") from exc
        if resp.status_code >= 400 or not isinstance(token, str) or not token:
            raise Unauthorized(self.name, f"no token: {resp.status_code} {resp.reason_phrase}")
        return f"Bearer {token}"

    async def manifest(self, identifier: str) -> tuple[bytes, str, str]:
        """(bytes, Content-Type, digest) of the manifest or index at a tag or digest."""
        resp = await self._get(f"{self.base}/manifests/{identifier}", accept=ACCEPT)
        body = resp.content
        digest = digest_of(body)
        if identifier.startswith("sha256:") and digest != identifier:
            raise DigestMismatch(self.name, identifier, digest)
        return body, resp.headers.get("content-type", ""), digest

    async def fetch_blob(self, desc: Descriptor, blobs: BlobStore) -> None:
        """Download a blob into the store unless it is already there."""
        if blobs.has(desc.digest):
            return
        resp = await self._get(f"{self.base}/blobs/{desc.digest}", stream=True)
        try:
            with blobs.writer(desc.digest, reference=self.name) as out:
                async for chunk in resp.aiter_bytes(_CHUNK):
                    out.write(chunk)
                out.commit()
        except httpx.HTTPError as exc:
            raise RegistryUnreachable(
                self.name, f"failed to read blob {desc.digest}: {exc or type(exc).__name__}"
            ) from exc
        finally:
            await resp.aclose()
