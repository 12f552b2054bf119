"""Log lines a person can read: `15:04:05.123 INFO  apiserver  serving on https://…`."""

from __future__ import annotations

import logging
import sys


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        component = record.name.removeprefix("pacific.").split(".")[0]
        stamp = self.formatTime(record, "%H:%M:%S") + f".{int(record.msecs):03d}"
        line = f"{stamp} {record.levelname:<5} {component:<11} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # uvicorn's per-request access log is noise at this level; errors still show.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
