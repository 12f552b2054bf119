"""Wire protocols of the streaming subresources (logs, exec, attach, port-forward).

Pure code only, shared by the API server (`pacific.apiserver.streams`) and the agent's
stream server (`pacific.agent.server`): WebSocket channel framing (`channels`), SPDY/3.1
framing with its zlib header dictionary (`spdy`, `spdy_headers`), and CRI log files
(`crilog`). Nothing here does I/O.
"""
