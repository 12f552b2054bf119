"""uvicorn's WebSocket protocol, accepting Kubernetes' subprotocol names.

kubectl's port-forward offers `SPDY/3.1+portforward.k8s.io`, which is not an RFC 6455
token ('/' is a separator), and the websockets library rejects the whole handshake with
400 while parsing it. Kubernetes servers accept it; so does this protocol: the
Sec-WebSocket-Protocol header is split on commas without the token check. The ASGI app
still chooses the subprotocol in its accept message.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.datastructures import Headers
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol


class LenientServerProtocol(ServerProtocol):
    def process_subprotocol(self, headers: Headers) -> Subprotocol | None:
        offered = [
            Subprotocol(p.strip())
            for value in headers.get_all("Sec-WebSocket-Protocol")
            for p in value.split(",")
            if p.strip()
        ]
        return self.select_subprotocol(offered)


class KubeWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol with `LenientServerProtocol` inside."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        strict = self.conn
        self.conn = LenientServerProtocol(
            extensions=strict.available_extensions,
            max_size=strict.max_message_size,
            logger=strict.logger,
        )
