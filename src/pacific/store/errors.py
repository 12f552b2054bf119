"""Store errors.

StoreError
├── KeyExists           create of a key that exists
├── KeyNotFound         update/delete of a key that does not exist
├── RevisionMismatch    compare-and-swap lost; `.current` holds what is stored
├── Compacted           a read or watch asked for history that was compacted away
│   └── WatchOverflow   a watcher fell too far behind live changes and was dropped
├── FutureRevision      a read asked for a revision the store has not reached yet
└── StoreClosed         the store was closed (watches end with it)
"""

from __future__ import annotations

from pacific.store.protocol import KeyValue


class StoreError(Exception):
    pass


class KeyExists(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key exists: {key}")
        self.key = key


class KeyNotFound(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key not found: {key}")
        self.key = key


class RevisionMismatch(StoreError):
    def __init__(self, key: str, current: KeyValue) -> None:
        super().__init__(f"revision mismatch on {key}: stored {current.mod_revision}")
        self.key = key
        self.current = current


class Compacted(StoreError):
    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(f"revision {requested} is compacted (oldest kept: {compacted})")
        self.requested = requested
        self.compacted = compacted


class WatchOverflow(Compacted):
    """A watch ended because its consumer fell more than its queue size behind live changes.

    Writers never wait for watchers: each has a bounded queue, and overflowing it ends that
    watch. It is a `Compacted` on purpose, so whoever turns `Compacted` into 410 Gone (reason
    Expired) does the same here and the client re-lists, exactly as kube-apiserver does with a
    watcher that cannot keep up.
    """

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(requested, current)
        self.args = (f"watch fell behind at revision {requested} (store at {current})",)


class FutureRevision(StoreError):
    def __init__(self, requested: int, current: int) -> None:
        super().__init__(f"revision {requested} is newer than the current {current}")
        self.requested = requested
        self.current = current


class StoreClosed(StoreError):
    pass
