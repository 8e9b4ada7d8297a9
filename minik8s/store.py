"""etcd: the revisioned key-value store that holds every object of the cluster.

Kubernetes keeps all cluster state in etcd and nothing anywhere else
(https://kubernetes.io/docs/concepts/architecture/#etcd). Only the API server
talks to it. What minik8s reproduces of etcd is what Kubernetes relies on:

* one global **revision** counter, bumped by every write; each object's
  ``metadata.resourceVersion`` is the revision of its last modification;
* **compare-and-swap** updates: a write that names a resourceVersion succeeds
  only if the object has not changed since (optimistic concurrency);
* **watch from a revision**: every change after a given revision, in order,
  none lost (ADDED, MODIFIED, DELETED), which is what informers are built on;
* **snapshots**: the whole store to a file and back (``etcdctl snapshot save``).

Keys look like etcd's: ``/registry/pods/default/web``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from .api.meta import clone

# How many past events a watch can resume from before it gets "too old resource version".
HISTORY_LIMIT = 500_000


@dataclass
class Event:
    """One change: ``type`` is ADDED, MODIFIED or DELETED; ``prev`` the object before it."""

    revision: int
    type: str
    resource: str
    key: str
    obj: dict
    prev: dict | None


class CompareFailed(Exception):
    """A compare-and-swap found a different revision (or no object) under the key."""


class KeyExists(Exception):
    pass


class KeyMissing(Exception):
    pass


class Store:
    """An in-memory etcd. Values are stored as private copies; reads return copies.

    A stored object is never changed in place: every write stores a new object. So the API
    server can hand the stored object itself to watchers, and the write methods below return it
    (not a copy): callers must not modify what they get back from a write."""

    def __init__(self):
        self.revision = 1
        self._data: dict[str, dict[str, dict]] = {}      # resource -> key -> object
        self._history: list[Event] = []
        self._history_start = 1                           # oldest revision still in history
        self._listeners: list[Callable[[Event], None]] = []

    # --- reads ---------------------------------------------------------------------------
    def get(self, resource: str, key: str) -> dict | None:
        obj = self._data.get(resource, {}).get(key)
        return clone(obj) if obj is not None else None

    def peek(self, resource: str, key: str) -> dict | None:
        """The stored object itself, without copying. Callers must not modify it."""
        return self._data.get(resource, {}).get(key)

    def list(self, resource: str, prefix: str = "") -> tuple[list[dict], int]:
        """Objects of ``resource`` whose key starts with ``prefix``, sorted by key; and the revision."""
        bucket = self._data.get(resource, {})
        items = [clone(bucket[k]) for k in sorted(bucket) if k.startswith(prefix)]
        return items, self.revision

    def iter_raw(self, resource: str):
        """(key, object) pairs without copying, sorted by key. Callers must not modify them."""
        bucket = self._data.get(resource, {})
        for k in sorted(bucket):
            yield k, bucket[k]

    def count(self, resource: str) -> int:
        return len(self._data.get(resource, {}))

    # --- writes --------------------------------------------------------------------------
    def _commit(self, typ: str, resource: str, key: str, obj: dict, prev: dict | None) -> dict:
        ev = Event(self.revision, typ, resource, key, obj, prev)
        self._history.append(ev)
        if len(self._history) > HISTORY_LIMIT:
            drop = len(self._history) - HISTORY_LIMIT
            del self._history[:drop]
            self._history_start = self._history[0].revision
        for listener in self._listeners:
            listener(ev)
        return obj

    def create(self, resource: str, key: str, obj: dict, owned: bool = False) -> dict:
        """Store a new object. ``owned``: the caller hands over ``obj`` and will not touch it again
        (the API server's private copy), so the store keeps it without copying."""
        bucket = self._data.setdefault(resource, {})
        if key in bucket:
            raise KeyExists(key)
        self.revision += 1
        stored = obj if owned else clone(obj)
        stored["metadata"]["resourceVersion"] = str(self.revision)
        bucket[key] = stored
        return self._commit("ADDED", resource, key, stored, None)

    def update(self, resource: str, key: str, obj: dict, expected_rv: str | None = None,
               owned: bool = False) -> dict:
        """Replace the object under ``key``; if ``expected_rv`` is given, only if it is still current."""
        bucket = self._data.get(resource, {})
        prev = bucket.get(key)
        if prev is None:
            raise KeyMissing(key)
        if expected_rv is not None and prev["metadata"]["resourceVersion"] != str(expected_rv):
            raise CompareFailed(key)
        self.revision += 1
        stored = obj if owned else clone(obj)
        stored["metadata"]["resourceVersion"] = str(self.revision)
        bucket[key] = stored
        return self._commit("MODIFIED", resource, key, stored, prev)

    def delete(self, resource: str, key: str, expected_rv: str | None = None) -> dict:
        bucket = self._data.get(resource, {})
        prev = bucket.get(key)
        if prev is None:
            raise KeyMissing(key)
        if expected_rv is not None and prev["metadata"]["resourceVersion"] != str(expected_rv):
            raise CompareFailed(key)
        self.revision += 1
        del bucket[key]
        # A DELETED event carries the last state, with the deletion's revision (as etcd3 watch does).
        last = dict(prev)
        last["metadata"] = dict(prev["metadata"], resourceVersion=str(self.revision))
        return self._commit("DELETED", resource, key, last, prev)

    # --- watch ---------------------------------------------------------------------------
    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Call ``listener(event)`` synchronously on every commit (the API server's watch cache)."""
        self._listeners.append(listener)

    def events_since(self, revision: int, resource: str | None = None) -> list[Event]:
        """Every event with a revision greater than ``revision``, oldest first.

        Raises :class:`CompareFailed` if the history no longer reaches back that far
        (etcd's "required revision has been compacted").
        """
        if revision + 1 < self._history_start:
            raise CompareFailed("compacted")
        lo, hi = 0, len(self._history)
        while lo < hi:  # binary search: history is ordered by revision
            mid = (lo + hi) // 2
            if self._history[mid].revision <= revision:
                lo = mid + 1
            else:
                hi = mid
        return [e for e in self._history[lo:] if resource is None or e.resource == resource]

    def compact(self) -> None:
        """Forget the event history (etcd compaction); watches from older revisions will fail."""
        self._history.clear()
        self._history_start = self.revision + 1

    # --- snapshots -----------------------------------------------------------------------
    def snapshot(self) -> dict:
        return {
            "revision": self.revision,
            "data": {res: {k: clone(v) for k, v in sorted(b.items())}
                     for res, b in sorted(self._data.items())},
        }

    def restore(self, snap: dict) -> None:
        self.revision = int(snap["revision"])
        self._data = {res: {k: clone(v) for k, v in b.items()} for res, b in snap["data"].items()}
        self._history.clear()
        self._history_start = self.revision + 1

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.snapshot(), f, sort_keys=True)

    @classmethod
    def load(cls, path: str) -> "Store":
        with open(path, encoding="utf-8") as f:
            snap = json.load(f)
        store = cls()
        store.restore(snap)
        return store
