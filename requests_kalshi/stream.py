"""An asyncio client for Kalshi's WebSocket channels: signed, reconnecting, gap-aware.

Needs the ``websockets`` library: ``pip install 'requests-kalshi[websockets]'``.

.. code-block:: python

    async with connect(auth, "demo") as stream:
        await stream.subscribe(["orderbook_delta"], market_tickers=["KXFED-26DEC-T4.25"])
        async for item in stream:
            ...

Perpetual futures ("margin") stream from their own URL: ``connect(auth, "demo",
product="margin")``.

Every connection, first or reconnect, is signed afresh just before it is opened (a signature
expires within seconds). A lost connection is reopened after a jittered, growing pause and
every subscription is made again; :class:`Reconnected` comes once the server has confirmed
them all. A connection lost within ``stable_after`` seconds of opening counts as a failed
attempt, so a server that accepts and drops at once is given up on too: when the attempts run
out the iteration raises :class:`StreamGaveUpError`. A ``seq`` gap on a subscription is
reported (a :class:`Gap` item and a warning on the ``requests_kalshi`` logger) and repaired by
subscribing again, which brings a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from websockets.asyncio import client as _client
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from .auth import KalshiAuth
from .environments import Environment
from .errors import ConfigurationError, KalshiError
from .websocket import resolve_websocket_url, websocket_headers

__all__ = [
    "Gap",
    "KalshiStream",
    "Message",
    "Reconnected",
    "StreamCommandError",
    "StreamError",
    "StreamGaveUpError",
    "StreamHandshakeError",
    "connect",
]

log = logging.getLogger("requests_kalshi")


class StreamError(KalshiError):
    """Something went wrong with a Kalshi WebSocket stream."""


class StreamHandshakeError(StreamError):
    """The server refused the handshake with an error that retrying will not fix.

    A 4xx such as 401: check the key id, the key and the clock.

    :ivar status: the HTTP status of the refusal.
    :ivar body: the refusal's body, as text.
    """

    def __init__(self, message: str, status: int, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class StreamGaveUpError(StreamError):
    """Every attempt to (re)connect failed; the last failure is the ``__cause__``.

    An attempt fails when the connection cannot be opened, or when it is lost within
    ``stable_after`` seconds of opening.

    :ivar attempts: how many attempts failed in a row.
    """

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class StreamCommandError(StreamError):
    """The server answered a command with an error frame.

    :ivar code: Kalshi's WebSocket error code (8: unknown channel, 11: invalid parameter…).
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Kalshi refused the command: {message} (error {code})")
        self.code = code


@dataclass(frozen=True)
class Message:
    """A message from the server on a subscription.

    :ivar type: the message type, such as ``"orderbook_delta"``, ``"trade"`` or ``"fill"``.
    :ivar channel: the channel it came on.
    :ivar sid: the subscription id the server gave.
    :ivar seq: its number on the subscription (``None`` for channels without one).
    :ivar msg: its body, as parsed from JSON.
    """

    type: str
    channel: str
    sid: int
    seq: int | None
    msg: Any

    def get(self, name: str, default: Any = None) -> Any:
        """``type`` or ``msg`` by name, as a frame ``dict`` has them.

        So an :class:`~requests_kalshi.orderbook.OrderBook` applies a :class:`Message`.
        """
        return {"type": self.type, "msg": self.msg}.get(name, default)


@dataclass(frozen=True)
class Gap:
    """A ``seq`` gap: messages were lost on a subscription, which is being made again.

    A fresh snapshot follows for ``orderbook_delta``: drop what you derived from it.

    :ivar channel: the subscription's channel.
    :ivar market_tickers: its markets (``None`` for a subscription to every market).
    :ivar expected: the ``seq`` that should have come.
    :ivar received: the ``seq`` that came instead.
    """

    channel: str
    market_tickers: tuple[str, ...] | None
    expected: int
    received: int


@dataclass(frozen=True)
class Reconnected:
    """The connection was lost and is open again, with every subscription made again.

    It comes once the server has answered every subscription made again: what is published
    after it reaches the stream. A subscription the server refused to make again is dropped,
    and its :class:`StreamCommandError` is raised by the iteration right after this item.
    Items of the new connection that came before the last answer follow this one.

    :ivar attempts: the connections tried since the loss, this one included (1: the first).
    """

    attempts: int


StreamItem = Message | Gap | Reconnected


@dataclass(eq=False)
class _Subscription:
    channel: str
    tickers: tuple[str, ...] | None
    sid: int | None = None
    seq: int = 0


@dataclass(eq=False)
class _Waiter:
    future: asyncio.Future[None]
    subscriptions: list[_Subscription] = field(default_factory=list)
    internal: bool = False
    """Made by the stream itself (a restore): nobody awaits it; its errors go to the items."""


@dataclass(eq=False)
class _Restore:
    """A reconnect's subscribe commands not answered yet, and the items held until they are."""

    attempts: int
    pending: set[int] = field(default_factory=set)
    held: list[StreamItem | BaseException] = field(default_factory=list)


def connect(
    auth: KalshiAuth,
    env: str | Environment = "demo",
    *,
    product: str | None = None,
    retries: int = 5,
    backoff: float = 0.5,
    max_backoff: float = 30.0,
    stable_after: float = 60.0,
    open_timeout: float = 10.0,
    ping_interval: float | None = 20.0,
) -> KalshiStream:
    """Open a stream to Kalshi's WebSocket (use it with ``async with``).

    :param auth: signs every handshake.
    :type auth: requests_kalshi.KalshiAuth
    :param env: ``"demo"``, ``"production"``, an :class:`Environment`, a REST base URL or a
        ``ws://``/``wss://`` URL (its host must be one ``auth`` signs for).
    :param product: with an environment, ``"events"`` (event contracts, the default) or
        ``"margin"`` (perpetual futures, on :attr:`Environment.margin_ws_url`); not with a
        URL, which already names what it serves.
    :param retries: connection attempts after a failure before giving up (per outage).
    :param backoff: the first pause between attempts, in seconds; it doubles each time, up to
        ``max_backoff``, and a random part (jitter) is taken off so clients spread out.
    :param stable_after: seconds a connection must stay open for its loss to start a new
        outage with the whole budget; one lost sooner counts as a failed attempt.
    :param open_timeout: seconds for the connection and handshake.
    :param ping_interval: seconds between the client's pings (``None``: none).
    :raises ConfigurationError: a bad option, an unknown ``product`` or one given with a URL;
        :class:`~requests_kalshi.UntrustedHostError` for a host ``auth`` does not sign for
        (raised on entering the ``async with``).
    """
    return KalshiStream(
        auth,
        env,
        product=product,
        retries=retries,
        backoff=backoff,
        max_backoff=max_backoff,
        stable_after=stable_after,
        open_timeout=open_timeout,
        ping_interval=ping_interval,
    )


class KalshiStream:
    """A signed, reconnecting connection to Kalshi's WebSocket (see :func:`connect`).

    Iterate over it (``async for item in stream``) for :class:`Message`, :class:`Gap` and
    :class:`Reconnected` items, in the order they happened. Made by :func:`connect`, which
    documents the options.

    :type auth: requests_kalshi.KalshiAuth
    """

    def __init__(
        self,
        auth: KalshiAuth,
        env: str | Environment,
        *,
        product: str | None = None,
        retries: int,
        backoff: float,
        max_backoff: float,
        stable_after: float,
        open_timeout: float,
        ping_interval: float | None,
    ) -> None:
        if not isinstance(auth, KalshiAuth):
            raise ConfigurationError(
                f"auth must be a KalshiAuth, not {type(auth).__name__}: "
                "connect(KalshiAuth(key_id, private_key), 'demo')."
            )
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigurationError(f"retries must be an int >= 0, not {retries!r}.")
        seconds = (
            ("backoff", backoff),
            ("max_backoff", max_backoff),
            ("stable_after", stable_after),
        )
        for name, value in seconds:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigurationError(f"{name} must be a number of seconds >= 0: {value!r}.")
        self.url = resolve_websocket_url(env, product=product)
        """The WebSocket URL connected to (each product has its own)."""
        self._auth = auth
        self._retries = retries
        self._backoff = float(backoff)
        self._max_backoff = float(max_backoff)
        self._stable_after = float(stable_after)
        self._open_timeout = open_timeout
        self._ping_interval = ping_interval
        self._ids = itertools.count(1)
        self._subscriptions: list[_Subscription] = []
        self._by_sid: dict[int, _Subscription] = {}
        self._waiters: dict[int, _Waiter] = {}
        self._replies: dict[int, asyncio.Future[Any]] = {}
        self._items: asyncio.Queue[StreamItem | BaseException] = asyncio.Queue()
        self._ws: _client.ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self._failures = 0  # failed attempts in a row: the budget and the pause follow it
        self._tries = 0  # connections tried since the last loss
        self._opened_at = 0.0
        self._restore: _Restore | None = None

    # -- opening and closing -----------------------------------------------------------------

    async def __aenter__(self) -> KalshiStream:
        websocket_headers(self._auth, self.url)  # the host check, before any connection
        self._ws = await self._open()
        self._reader = asyncio.create_task(self._run(), name="KalshiStream reader")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection and stop reconnecting; iteration then ends."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        self._items.put_nowait(StopAsyncIteration())

    async def _open(self, last: BaseException | None = None) -> _client.ClientConnection:
        self._tries = 0
        while self._failures <= self._retries:
            if self._failures:
                pause = min(self._max_backoff, self._backoff * 2 ** (self._failures - 1))
                await asyncio.sleep(pause * random.uniform(0.5, 1.0))  # noqa: S311 - jitter
            self._tries += 1
            # Signed here, after the pause: a signature expires within seconds.
            headers = websocket_headers(self._auth, self.url)
            try:
                ws = await _client.connect(
                    self.url,
                    additional_headers=headers,
                    open_timeout=self._open_timeout,
                    ping_interval=self._ping_interval,
                    max_size=2**24,
                )
            except InvalidStatus as error:
                status = error.response.status_code
                body = (error.response.body or b"").decode("utf-8", "replace")[:500]
                if 400 <= status < 500 and status not in (408, 429):
                    raise StreamHandshakeError(
                        f"{self.url} refused the handshake with {status}: {body or '(no body)'}",
                        status,
                        body,
                    ) from None
                last = error
            except (OSError, InvalidHandshake, TimeoutError) as error:
                last = error
            else:
                self._opened_at = asyncio.get_running_loop().time()
                return ws
            self._failures += 1
            log.warning(
                "stream: connecting to %s failed (%d failed attempts of %d): %s",
                self.url,
                self._failures,
                self._retries + 1,
                last,
            )
        raise StreamGaveUpError(
            f"gave up on {self.url} after {self._failures} attempts that failed or were lost "
            f"within stable_after={self._stable_after:g} s of opening (last: {last}); check "
            "the network and Kalshi's status, or raise retries=.",
            self._failures,
        ) from last

    # -- commands ----------------------------------------------------------------------------

    async def subscribe(
        self, channels: Sequence[str] | str, *, market_tickers: Iterable[str] | None = None
    ) -> None:
        """Subscribe to ``channels`` and wait for the server's confirmation.

        For ``market_tickers``, or every market; kept across reconnects.

        :raises StreamCommandError: the server refused (an unknown channel or market…).
        :raises ConfigurationError: ``channels`` is empty.
        """
        names = [channels] if isinstance(channels, str) else list(channels)
        if not names:
            raise ConfigurationError("subscribe() needs at least one channel, e.g. ['trade'].")
        tickers = None if market_tickers is None else tuple(market_tickers)
        new = [_Subscription(name, tickers) for name in names]
        waiter = _Waiter(asyncio.get_running_loop().create_future(), new)
        command_id = await self._send_subscribe(new, waiter)
        try:
            await waiter.future
        finally:
            self._waiters.pop(command_id, None)

    async def unsubscribe(self, channel: str) -> None:
        """Stop every subscription to ``channel``; its messages stop at once."""
        gone = [s for s in self._subscriptions if s.channel == channel]
        self._subscriptions = [s for s in self._subscriptions if s.channel != channel]
        sids = [s.sid for s in gone if s.sid is not None]
        for sid in sids:
            self._by_sid.pop(sid, None)
        if sids:
            await self._command("unsubscribe", {"sids": sids})

    async def list_subscriptions(self) -> list[dict[str, Any]]:
        """The server's list of this connection's subscriptions (``channel``, ``sid``…).

        Its answer also comes after every message the server sent before it: once it
        returns, those messages are all in the stream.
        """
        command_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._replies[command_id] = future
        try:
            await self._command("list_subscriptions", {}, command_id)
            answer = await future
        finally:
            self._replies.pop(command_id, None)
        return list(answer) if isinstance(answer, list) else []

    async def _send_subscribe(self, subscriptions: list[_Subscription], waiter: _Waiter) -> int:
        for subscription in subscriptions:
            if subscription not in self._subscriptions:
                self._subscriptions.append(subscription)
        params: dict[str, Any] = {"channels": [s.channel for s in subscriptions]}
        if subscriptions[0].tickers is not None:
            params["market_tickers"] = list(subscriptions[0].tickers)
        command_id = next(self._ids)
        self._waiters[command_id] = waiter
        await self._command("subscribe", params, command_id)
        return command_id

    async def _command(self, cmd: str, params: dict[str, Any], command_id: int = 0) -> None:
        if self._failure is not None:
            raise self._failure
        if self._ws is None:
            raise StreamError("the stream is not open: use 'async with connect(...) as stream:'.")
        frame = {"id": command_id or next(self._ids), "cmd": cmd, "params": params}
        with contextlib.suppress(ConnectionClosed):  # the reconnect sends it again
            await self._ws.send(json.dumps(frame))

    # -- reading -----------------------------------------------------------------------------

    def __aiter__(self) -> KalshiStream:
        return self

    async def __anext__(self) -> StreamItem:
        item = await self._items.get()
        if isinstance(item, StopAsyncIteration):
            self._items.put_nowait(item)
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            raise item
        return item

    async def _run(self) -> None:
        try:
            await self._follow()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # pragma: no cover - a bug: surface it, never hang
            log.exception("stream: the reader failed")
            self._fail(error)

    async def _follow(self) -> None:
        while True:
            assert self._ws is not None  # noqa: S101 - set before the reader starts
            with contextlib.suppress(ConnectionClosed):
                async for raw in self._ws:
                    await self._receive(raw)
            lost = StreamError(
                f"{self.url} closed the connection ({self._ws.close_code} "
                f"{self._ws.close_reason or 'no reason given'})"
            )
            log.warning("stream: %s; reconnecting", lost)
            self._release_held()
            if asyncio.get_running_loop().time() - self._opened_at < self._stable_after:
                self._failures += 1  # lost too soon to count as back: the outage goes on
            else:
                self._failures = 0
            try:
                self._ws = await self._open(lost)
            except StreamError as error:
                self._fail(error)
                return
            await self._restore_subscriptions()

    async def _restore_subscriptions(self) -> None:
        for subscription in self._subscriptions:
            subscription.sid, subscription.seq = None, 0
        self._by_sid.clear()
        for command_id in [c for c, w in self._waiters.items() if w.internal]:
            del self._waiters[command_id]  # the lost connection's own restores
        restore = self._restore = _Restore(self._tries)
        # Frames are read only once these are sent: no answer can come before its command id
        # is pending.
        for subscription in list(self._subscriptions):
            restore.pending.add(await self._resubscribe(subscription))
        self._answered(None)

    def _answered(self, command_id: int | None) -> None:
        """A command was answered; a restore's last answer brings ``Reconnected``, then the rest."""
        restore = self._restore
        if restore is None:
            return
        if command_id is not None:
            restore.pending.discard(command_id)
        if restore.pending:
            return
        self._restore = None
        self._items.put_nowait(Reconnected(restore.attempts))
        for item in restore.held:
            self._items.put_nowait(item)

    def _release_held(self) -> None:
        """The connection was lost before its restore was answered: nothing received is lost."""
        if self._restore is not None:
            for item in self._restore.held:
                self._items.put_nowait(item)
            self._restore = None

    def _emit(self, item: StreamItem | BaseException) -> None:
        if self._restore is not None:
            self._restore.held.append(item)
        else:
            self._items.put_nowait(item)

    async def _resubscribe(self, subscription: _Subscription) -> int:
        subscription.sid, subscription.seq = None, 0
        future = asyncio.get_running_loop().create_future()
        return await self._send_subscribe(
            [subscription], _Waiter(future, [subscription], internal=True)
        )

    async def _receive(self, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            log.warning("stream: a frame that is not JSON was ignored: %r", raw[:200])
            return
        if isinstance(frame, dict):
            await self._handle(frame)

    def _fail(self, error: BaseException) -> None:
        self._failure = error
        for waiter in self._waiters.values():
            if not waiter.internal and not waiter.future.done():
                waiter.future.set_exception(error)
        for reply in self._replies.values():
            if not reply.done():
                reply.set_exception(error)
        self._items.put_nowait(error)

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "subscribed":
            await self._confirmed(frame)
        elif kind == "ok" and (reply := self._replies.get(frame.get("id", -1))) is not None:
            if not reply.done():
                reply.set_result(frame.get("msg"))
        elif kind == "error":
            self._refused(frame)
        elif (subscription := self._by_sid.get(frame.get("sid", -1))) is not None and kind not in (
            "ok",
            "unsubscribed",
        ):
            await self._data(subscription, frame)

    async def _confirmed(self, frame: dict[str, Any]) -> None:
        waiter = self._waiters.get(frame.get("id", -1))
        body = frame.get("msg") or {}
        if waiter is None:
            return
        for subscription in waiter.subscriptions:
            if subscription.sid is None and subscription.channel == body.get("channel"):
                subscription.sid = int(body["sid"])
                if subscription in self._subscriptions:
                    self._by_sid[subscription.sid] = subscription
                else:  # unsubscribed while this subscribe was on its way
                    await self._command("unsubscribe", {"sids": [subscription.sid]})
                break
        # A subscribe awaited across a reconnect completes when the restore confirms it.
        for command_id, each in list(self._waiters.items()):
            if all(s.sid is not None for s in each.subscriptions) and not each.future.done():
                each.future.set_result(None)
            if each.internal and each.future.done():
                del self._waiters[command_id]
                self._answered(command_id)

    def _refused(self, frame: dict[str, Any]) -> None:
        body = frame.get("msg") or {}
        error = StreamCommandError(int(body.get("code", 0)), str(body.get("msg", "")))
        command_id = frame.get("id", -1)
        waiter = self._waiters.get(command_id)
        if waiter is not None and not waiter.internal:
            # Refused, so not kept for reconnects (the server refuses a command as a whole).
            unconfirmed = [s for s in waiter.subscriptions if s.sid is None]
            self._subscriptions = [s for s in self._subscriptions if s not in unconfirmed]
            with contextlib.suppress(asyncio.InvalidStateError):  # answered already
                waiter.future.set_exception(error)
            return
        log.warning("stream: %s", error)
        if waiter is None:
            return
        # A subscription the stream makes again was refused: it is dropped, and a subscribe()
        # awaited across the reconnect raises; otherwise the reader gets the error.
        del self._waiters[command_id]
        refused = set(waiter.subscriptions)
        self._subscriptions = [s for s in self._subscriptions if s not in refused]
        awaiting = [
            w
            for w in self._waiters.values()
            if not w.internal and not w.future.done() and refused & set(w.subscriptions)
        ]
        for each in awaiting:
            each.future.set_exception(error)
        if not awaiting:
            self._emit(error)
        self._answered(command_id)

    async def _data(self, subscription: _Subscription, frame: dict[str, Any]) -> None:
        seq = frame.get("seq")
        if isinstance(seq, int):
            if subscription.seq and seq != subscription.seq + 1:
                await self._gap(subscription, subscription.seq + 1, seq)
                return
            subscription.seq = seq
        self._emit(
            Message(
                type=str(frame.get("type")),
                channel=subscription.channel,
                sid=int(frame["sid"]),
                seq=seq if isinstance(seq, int) else None,
                msg=frame.get("msg"),
            )
        )

    async def _gap(self, subscription: _Subscription, expected: int, received: int) -> None:
        log.warning(
            "stream: seq gap on %s (sid %s): expected %d, got %d; subscribing again",
            subscription.channel,
            subscription.sid,
            expected,
            received,
        )
        self._emit(Gap(subscription.channel, subscription.tickers, expected, received))
        old = subscription.sid
        if old is not None:
            self._by_sid.pop(old, None)
            await self._command("unsubscribe", {"sids": [old]})
        await self._resubscribe(subscription)
