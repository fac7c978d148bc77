"""The record of requests the local exchange received, and who is told about each."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["RecordedRequest", "RequestLog"]

log = logging.getLogger("requests_kalshi")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the exchange received, for assertions in tests.

    :ivar method: the method as received.
    :ivar path: the path as received, without the query string.
    :ivar query: the query parameters (the first value of each).
    :ivar headers: the headers as received.
    :ivar body: the raw body.
    :ivar auth: the verdict on its signature headers: ``"ok"``, ``"public"``,
        ``"missing_signature"``, ``"unknown_key"``, ``"bad_timestamp"``, ``"expired"``,
        ``"bad_signature"``, or ``"skipped"`` when a fault answered first.
    :ivar status: the status it was answered with; ``None`` if the connection was dropped.
    :ivar fault: the kind of injected fault that hit it (``"fail"``, ``"fail_after"``,
        ``"delay"``, ``"delay_after"``, ``"drop"``, ``"drop_after"``), or ``""``.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    auth: str
    status: int | None
    fault: str = ""

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except (ValueError, RecursionError):
            return None


class RequestLog:
    """A thread-safe list of :class:`RecordedRequest`, with listeners told of each new one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RecordedRequest] = []
        self._listeners: list[Callable[[RecordedRequest], None]] = []

    def append(self, record: RecordedRequest) -> None:
        """Record ``record``, then call every listener with it (their errors are logged)."""
        with self._lock:
            self._records.append(record)
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(record)
            except Exception:
                log.exception("local exchange: a request listener failed")

    def snapshot(self) -> list[RecordedRequest]:
        """Every record so far, oldest first."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget the records (the listeners stay)."""
        with self._lock:
            self._records.clear()

    def watch(self, listener: Callable[[RecordedRequest], None]) -> Callable[[], None]:
        """Call ``listener`` with each new record; returns a function that stops the calls."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop
