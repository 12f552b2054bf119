"""Errors of the stream wire protocols.

    StreamProtocolError        a peer sent bytes that do not follow the protocol
      SPDYError                a malformed SPDY frame or header block
      ChannelError             a WebSocket channel message without a channel byte, or an
                               unknown channel
      LogFormatError           a CRI log line that is not `<time> <stream> <tag> <text>`

The API server turns these into a closed connection (the peer is broken, not the user's
request); they never reach a `Status` body.
"""

from __future__ import annotations


class StreamProtocolError(Exception):
    """A peer broke a stream protocol."""


class SPDYError(StreamProtocolError):
    pass


class ChannelError(StreamProtocolError):
    pass


class LogFormatError(StreamProtocolError):
    pass
