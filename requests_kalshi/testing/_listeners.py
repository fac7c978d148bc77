"""An exchange's listeners: events queued during an operation, told once it is complete.

The event-contract engine and the margin exchange share it, so both feed their WebSocket
channels the same way: under the exchange's lock, in order, after the state they describe is
visible.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

__all__ = ["Listeners"]

log = logging.getLogger("requests_kalshi")

E = TypeVar("E")


class Listeners(Generic[E]):
    """The listeners of one exchange, and the events its current operation emitted.

    :param lock: the exchange's lock; every method takes it.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._listeners: list[Callable[[E], None]] = []
        self._pending: list[E] = []
        self._depth = 0

    def subscribe(self, listener: Callable[[E], None]) -> Callable[[], None]:
        """Call ``listener`` with every later event; returns a function that unsubscribes.

        A listener that raises is logged and skipped: it cannot break the exchange.
        """
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: E) -> None:
        """Queue ``event``; it is told when the outermost operation ends."""
        self._pending.append(event)

    @contextmanager
    def operation(self) -> Iterator[bool]:
        """Hold the lock for one operation; yields whether it is the outermost one.

        When the outermost operation ends, still under the lock, every queued event is told
        to every listener, in order.
        """
        with self._lock:
            self._depth += 1
            try:
                yield self._depth == 1
            finally:
                self._depth -= 1
                if self._depth == 0:
                    events, self._pending = self._pending, []
                    for event in events:
                        for listener in list(self._listeners):
                            try:
                                listener(event)
                            except Exception:
                                log.exception("an exchange listener failed on %r", event)
