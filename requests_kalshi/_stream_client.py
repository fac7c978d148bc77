"""The stream client: a signed, reconnecting, gap-aware connection to Kalshi's WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

from websockets.asyncio import client as _client
from websockets.exceptions import ConnectionClosed

from ._stream_book import Subscription, SubscriptionBook, Waiter
from ._stream_connector import Connector
from ._stream_items import Gap, StreamError, StreamItem
from ._stream_policy import ReconnectPolicy
from .auth import KalshiAuth
from .environments import Environment
from .errors import ConfigurationError
from .websocket import resolve_websocket_url, websocket_headers

__all__ = ["KalshiStream"]

log = logging.getLogger("requests_kalshi")


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
        policy = ReconnectPolicy.checked(retries, backoff, max_backoff, stable_after)
        self.url = resolve_websocket_url(env, product=product)
        """The WebSocket URL connected to (each product has its own)."""
        self._auth = auth
        self._connector = Connector(
            auth, self.url, policy, open_timeout=open_timeout, ping_interval=ping_interval
        )
        self._ids = itertools.count(1)
        self._book = SubscriptionBook()
        self._ws: _client.ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None

    # -- opening and closing -----------------------------------------------------------------

    async def __aenter__(self) -> KalshiStream:
        websocket_headers(self._auth, self.url)  # the host check, before any connection
        self._ws = await self._connector.open()
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
        self._book.items.put_nowait(StopAsyncIteration())

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
        new = [Subscription(name, tickers) for name in names]
        waiter = Waiter(asyncio.get_running_loop().create_future(), new)
        command_id = await self._send_subscribe(new, waiter)
        try:
            await waiter.future
        finally:
            self._book.waiters.pop(command_id, None)

    async def unsubscribe(self, channel: str) -> None:
        """Stop every subscription to ``channel``; its messages stop at once."""
        sids = self._book.drop_channel(channel)
        if sids:
            await self._command("unsubscribe", {"sids": sids})

    async def list_subscriptions(self) -> list[dict[str, Any]]:
        """The server's list of this connection's subscriptions (``channel``, ``sid``…).

        Its answer also comes after every message the server sent before it: once it
        returns, those messages are all in the stream.
        """
        command_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._book.replies[command_id] = future
        try:
            await self._command("list_subscriptions", {}, command_id)
            answer = await future
        finally:
            self._book.replies.pop(command_id, None)
        return list(answer) if isinstance(answer, list) else []

    async def _send_subscribe(self, subscriptions: list[Subscription], waiter: Waiter) -> int:
        self._book.keep(subscriptions)
        params: dict[str, Any] = {"channels": [s.channel for s in subscriptions]}
        if subscriptions[0].tickers is not None:
            params["market_tickers"] = list(subscriptions[0].tickers)
        command_id = next(self._ids)
        self._book.waiters[command_id] = waiter
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

    async def _resubscribe(self, subscription: Subscription) -> int:
        subscription.sid, subscription.seq = None, 0
        future = asyncio.get_running_loop().create_future()
        return await self._send_subscribe(
            [subscription], Waiter(future, [subscription], internal=True)
        )

    # -- reading -----------------------------------------------------------------------------

    def __aiter__(self) -> KalshiStream:
        return self

    async def __anext__(self) -> StreamItem:
        item = await self._book.items.get()
        if isinstance(item, StopAsyncIteration):
            self._book.items.put_nowait(item)
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
            self._book.release_held()
            self._connector.lost()
            try:
                self._ws = await self._connector.open(lost)
            except StreamError as error:
                self._fail(error)
                return
            await self._restore_subscriptions()

    async def _restore_subscriptions(self) -> None:
        restore = self._book.begin_restore(self._connector.tries)
        # Frames are read only once these are sent: no answer can come before its command id
        # is pending.
        for subscription in list(self._book.subscriptions):
            restore.pending.add(await self._resubscribe(subscription))
        self._book.answered(None)

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
        self._book.fail(error)

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "subscribed":
            await self._confirmed(frame)
        elif kind == "ok" and (reply := self._book.replies.get(frame.get("id", -1))) is not None:
            if not reply.done():
                reply.set_result(frame.get("msg"))
        elif kind == "error":
            self._book.refused(frame)
        elif (
            subscription := self._book.by_sid.get(frame.get("sid", -1))
        ) is not None and kind not in ("ok", "unsubscribed"):
            gap = self._book.message(subscription, frame)
            if gap is not None:
                await self._gap(subscription, *gap)

    async def _confirmed(self, frame: dict[str, Any]) -> None:
        waiter = self._book.waiters.get(frame.get("id", -1))
        if waiter is None:
            return
        dropped = self._book.confirm(waiter, frame.get("msg") or {})
        if dropped is not None:  # unsubscribed while this subscribe was on its way
            await self._command("unsubscribe", {"sids": [dropped]})
        self._book.complete_waiters()

    async def _gap(self, subscription: Subscription, expected: int, received: int) -> None:
        log.warning(
            "stream: seq gap on %s (sid %s): expected %d, got %d; subscribing again",
            subscription.channel,
            subscription.sid,
            expected,
            received,
        )
        self._book.emit(Gap(subscription.channel, subscription.tickers, expected, received))
        old = subscription.sid
        if old is not None:
            self._book.by_sid.pop(old, None)
            await self._command("unsubscribe", {"sids": [old]})
        await self._resubscribe(subscription)
