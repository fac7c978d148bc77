"""The local exchange's WebSocket connections, and the controls that make them misbehave.

Two products, each on its own path: event contracts at ``/trade-api/ws/v2``, perpetual
futures ("margin") at ``/trade-api/ws/v2/margin``. A connection serves the channels of the
product it was opened to; the controls act on the connections of both.

:class:`StreamHub` is ``LocalExchange.streams``. After the HTTP server has answered a signed
handshake with 101, it hands the socket to :meth:`StreamHub.serve`: the handler's thread reads
the client's frames; a writer thread sends replies, channel messages and the server's pings.

The exchange's own choice where Kalshi's is not public: a connection may have at most
:attr:`StreamHub.max_backlog` bytes of frames waiting for a client that reads slower than they
come; past that the exchange drops what waits and closes the connection with code 1008 and
the reason ``slow consumer``, and drops it outright if the client has not taken the close
frame :attr:`StreamHub.close_timeout` seconds later.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from email.utils import formatdate
from typing import Any

from requests_kalshi.errors import ConfigurationError

from ._wsconnection import Connection as _Connection
from .margin_feed import MarginFeed
from .simulator import Outcome, SimulatedExchange
from .wschannels import ChannelControls, ChannelSession, Feed
from .wsfeed import EventFeed
from .wsframes import CLOSE, PING, PONG, TEXT, FrameError, MessageReader, close_payload
from .wsframes import encode_frame as _frame

__all__ = ["StreamHub"]

log = logging.getLogger("requests_kalshi")


class StreamHub:
    """The WebSocket side of a :class:`~requests_kalshi.testing.LocalExchange`.

    Channels: ``orderbook_delta``, ``ticker``, ``trade``, ``fill`` and ``user_orders`` for
    event contracts; ``orderbook_delta``, ``ticker``, ``trade`` and ``fill`` for perpetual
    futures; with Kalshi's commands (see :mod:`requests_kalshi.testing.wschannels`).

    :param core: the exchange whose engine and margin slice feed the channels.
    """

    ping_interval: float = 10.0
    """Seconds between the server's pings on an idle connection, as Kalshi's (about 10 s)."""

    max_backlog: int = 4 * 2**20
    """Bytes of frames a connection may have waiting for its client (4 MiB); past that the
    connection is closed with 1008 ``slow consumer`` (the exchange's own choice)."""

    close_timeout: float = 10.0
    """Seconds a connection closed for falling behind has to take the close frame before it is
    dropped."""

    def __init__(self, core: SimulatedExchange) -> None:
        self._core = core
        self._lock = threading.Lock()
        self._feeds: dict[str, Feed] = {
            "events": EventFeed(core.state.engine),
            "margin": MarginFeed(core.margin),
        }
        self._connections: dict[_Connection, tuple[str, ChannelSession]] = {}
        self._controls = ChannelControls()
        self._refusals: list[int] = []
        self._holding = False
        self._held_commands: list[tuple[ChannelSession, str]] = []
        self._unsubscribe: list[Callable[[], None]] = []

    @property
    def connections(self) -> int:
        """How many WebSocket connections are open now."""
        with self._lock:
            return len(self._connections)

    # -- controls ----------------------------------------------------------------------------

    def drop_connections(self) -> int:
        """Close every open WebSocket connection without a close frame; returns how many.

        As a network failure would: clients see the connection end abnormally.
        """
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.drop()
        return len(connections)

    def skip_seq(self, channel: str | None = None) -> None:
        """Make the next message of every open subscription skip one ``seq`` number.

        As if a message were lost; only subscriptions to ``channel``, if given.

        :raises ConfigurationError: an unknown channel.
        """
        self._check_channel(channel)
        with self._all_locks():
            for _, session in self._connections.values():
                for subscription in session.subscriptions.values():
                    if channel in (None, subscription.channel):
                        subscription.skip_next = True

    def pause(self, channel: str) -> None:
        """Hold the messages of ``channel`` until :meth:`resume` (none are lost).

        :raises ConfigurationError: an unknown channel.
        """
        self._check_channel(channel)
        with self._all_locks():
            self._controls.paused.add(channel)

    def resume(self, channel: str) -> None:
        """Send the held messages of ``channel``, in order, and stop holding them.

        :raises ConfigurationError: an unknown channel.
        """
        self._check_channel(channel)
        with self._all_locks():
            self._controls.paused.discard(channel)
            for _, session in self._connections.values():
                session.release()

    def hold_commands(self) -> None:
        """Leave the commands clients send unanswered until :meth:`release_commands`.

        As a server slow to answer would: a subscription held is not made yet.
        """
        with self._lock:
            self._holding = True

    def release_commands(self) -> int:
        """Answer the held commands in the order they came and stop holding; returns how many."""
        count = 0
        while True:
            with self._lock:
                if not self._held_commands:
                    self._holding = False
                    return count
                session, text = self._held_commands.pop(0)
            session.command(text)  # outside the hub's lock: the product's lock comes first
            count += 1

    @property
    def held_commands(self) -> int:
        """How many commands :meth:`hold_commands` holds now."""
        with self._lock:
            return len(self._held_commands)

    def refuse_handshakes(self, count: int = 1, *, status: int = 503) -> None:
        """Answer the next ``count`` WebSocket handshakes with ``status`` instead of 101.

        :raises ConfigurationError: ``count`` is not a positive int, or ``status`` not 4xx/5xx.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ConfigurationError(f"count must be a positive int, not {count!r}.")
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ConfigurationError(f"status must be an HTTP error status (4xx/5xx): {status!r}")
        with self._lock:
            self._refusals.extend([status] * count)

    def _check_channel(self, channel: str | None) -> None:
        channels = dict.fromkeys(c for feed in self._feeds.values() for c in feed.channels)
        if channel is not None and channel not in channels:
            raise ConfigurationError(f"unknown channel {channel!r}: one of {', '.join(channels)}.")

    @contextlib.contextmanager
    def _all_locks(self) -> Iterator[None]:
        # Always in this order (each product's, then the hub's), as events are delivered.
        with contextlib.ExitStack() as stack:
            for feed in self._feeds.values():
                stack.enter_context(feed.lock)
            stack.enter_context(self._lock)
            yield

    # -- serving -----------------------------------------------------------------------------

    def start(self) -> None:
        """Feed the channels from the exchange's events (the transport calls this)."""
        if not self._unsubscribe:
            self._unsubscribe = [
                self._core.state.engine.subscribe(lambda event: self._deliver("events", event)),
                self._core.margin.subscribe(lambda event: self._deliver("margin", event)),
            ]

    def stop(self) -> None:
        """Stop listening to the exchange and drop every connection."""
        while self._unsubscribe:
            self._unsubscribe.pop()()
        self.drop_connections()

    def refusal(self) -> Outcome | None:
        """The answer to a handshake refused by :meth:`refuse_handshakes`, if one is due."""
        with self._lock:
            if not self._refusals:
                return None
            status = self._refusals.pop(0)
        body = {"error": {"code": "service_unavailable", "message": "refused for a test"}}
        return Outcome(
            status=status,
            headers={
                "Content-Type": "application/json",
                "Date": formatdate(self._core.now(), usegmt=True),
            },
            body=json.dumps(body).encode(),
        )

    def _deliver(self, product: str, event: Any) -> None:
        with self._lock:
            sessions = [s for p, s in self._connections.values() if p == product]
        for session in sessions:
            session.deliver(event)

    def serve(
        self,
        sock: socket.socket,
        rfile: io.BufferedIOBase,
        wfile: io.BufferedIOBase,
        product: str = "events",
    ) -> None:
        """Serve one upgraded connection until it closes (runs in the handler's thread).

        :param product: ``"events"`` or ``"margin"``: whose channels it serves.
        """
        connection = _Connection(sock, wfile, self.max_backlog, self.close_timeout)
        feed = self._feeds[product]
        session = ChannelSession(feed, connection.send, self._controls)
        with self._lock:
            self._connections[connection] = (product, session)
        writer = threading.Thread(
            target=self._write, args=(connection,), name="LocalExchange:ws-writer", daemon=True
        )
        writer.start()
        try:
            self._read(connection, session, rfile)
        finally:
            with feed.lock, self._lock:
                del self._connections[connection]
            connection.ended()
            writer.join()

    def _read(
        self, connection: _Connection, session: ChannelSession, rfile: io.BufferedIOBase
    ) -> None:
        reader = MessageReader(rfile)
        while True:
            try:
                message = reader.next()
            except FrameError as error:
                connection.put(_frame(CLOSE, close_payload(error.code, error.reason)))
                return
            except OSError:
                return
            if message is None:
                return
            opcode, payload = message
            if opcode == CLOSE:
                connection.put(_frame(CLOSE, payload[:2]))
                return
            if opcode == PING:
                connection.put(_frame(PONG, payload))
            elif opcode == TEXT:
                self._command(session, payload.decode("utf-8"))
            elif opcode != PONG:
                connection.send(
                    {"type": "error", "msg": {"code": 1, "msg": "Unable to process message"}}
                )

    def _command(self, session: ChannelSession, text: str) -> None:
        with self._lock:
            if self._holding:
                self._held_commands.append((session, text))
                return
        session.command(text)

    def _write(self, connection: _Connection) -> None:
        while True:
            try:
                data = connection.outbox.get(timeout=self.ping_interval)
            except queue.Empty:
                data = _frame(PING, b"")
            if data is None:
                return
            try:
                connection.wfile.write(data)
                connection.wfile.flush()
            except OSError:
                connection.drop()  # the reader then sees the end, and stops this writer
                return
