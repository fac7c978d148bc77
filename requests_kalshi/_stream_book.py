"""A stream's bookkeeping: its subscriptions, the commands awaiting answers, the items to yield.

No I/O here: the stream sends the commands and reads the frames; this records what they mean.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from ._stream_items import Message, Reconnected, StreamCommandError, StreamItem

__all__ = ["Restore", "Subscription", "SubscriptionBook", "Waiter"]

log = logging.getLogger("requests_kalshi")


@dataclass(eq=False)
class Subscription:
    """A channel subscribed to, kept across reconnects (``sid``: the server's, per connection)."""

    channel: str
    tickers: tuple[str, ...] | None
    sid: int | None = None
    seq: int = 0


@dataclass(eq=False)
class Waiter:
    """A subscribe command awaiting the server's confirmation of its subscriptions."""

    future: asyncio.Future[None]
    subscriptions: list[Subscription] = field(default_factory=list)
    internal: bool = False
    """Made by the stream itself (a restore): nobody awaits it; its errors go to the items."""


@dataclass(eq=False)
class Restore:
    """A reconnect's subscribe commands not answered yet, and the items held until they are."""

    attempts: int
    pending: set[int] = field(default_factory=set)
    held: list[StreamItem | BaseException] = field(default_factory=list)


class SubscriptionBook:
    """What a stream has subscribed to, what it awaits from the server, and what it will yield."""

    def __init__(self) -> None:
        self.subscriptions: list[Subscription] = []
        self.by_sid: dict[int, Subscription] = {}
        self.waiters: dict[int, Waiter] = {}
        self.replies: dict[int, asyncio.Future[Any]] = {}
        self.items: asyncio.Queue[StreamItem | BaseException] = asyncio.Queue()
        self.restore: Restore | None = None

    def keep(self, subscriptions: list[Subscription]) -> None:
        """Keep ``subscriptions`` across reconnects."""
        for subscription in subscriptions:
            if subscription not in self.subscriptions:
                self.subscriptions.append(subscription)

    def drop_channel(self, channel: str) -> list[int]:
        """Stop keeping the subscriptions to ``channel``; their sids, to unsubscribe."""
        gone = [s for s in self.subscriptions if s.channel == channel]
        self.subscriptions = [s for s in self.subscriptions if s.channel != channel]
        sids = [s.sid for s in gone if s.sid is not None]
        for sid in sids:
            self.by_sid.pop(sid, None)
        return sids

    def begin_restore(self, attempts: int) -> Restore:
        """A new connection: every subscription is to be made again, and items held until then."""
        for subscription in self.subscriptions:
            subscription.sid, subscription.seq = None, 0
        self.by_sid.clear()
        for command_id in [c for c, w in self.waiters.items() if w.internal]:
            del self.waiters[command_id]  # the lost connection's own restores
        self.restore = Restore(attempts)
        return self.restore

    def answered(self, command_id: int | None) -> None:
        """A command was answered; a restore's last answer brings ``Reconnected``, then the rest."""
        restore = self.restore
        if restore is None:
            return
        if command_id is not None:
            restore.pending.discard(command_id)
        if restore.pending:
            return
        self.restore = None
        self.items.put_nowait(Reconnected(restore.attempts))
        for item in restore.held:
            self.items.put_nowait(item)

    def release_held(self) -> None:
        """The connection was lost before its restore was answered: nothing received is lost."""
        if self.restore is not None:
            for item in self.restore.held:
                self.items.put_nowait(item)
            self.restore = None

    def emit(self, item: StreamItem | BaseException) -> None:
        """Yield ``item``, or hold it while a restore is not answered yet."""
        if self.restore is not None:
            self.restore.held.append(item)
        else:
            self.items.put_nowait(item)

    def fail(self, error: BaseException) -> None:
        """The stream is over: every command awaited and the iteration raise ``error``."""
        for waiter in self.waiters.values():
            if not waiter.internal and not waiter.future.done():
                waiter.future.set_exception(error)
        for reply in self.replies.values():
            if not reply.done():
                reply.set_exception(error)
        self.items.put_nowait(error)

    def confirm(self, waiter: Waiter, body: dict[str, Any]) -> int | None:
        """The server confirmed one of ``waiter``'s subscriptions; a sid to unsubscribe, if any."""
        for subscription in waiter.subscriptions:
            if subscription.sid is None and subscription.channel == body.get("channel"):
                subscription.sid = int(body["sid"])
                if subscription in self.subscriptions:
                    self.by_sid[subscription.sid] = subscription
                    return None
                return subscription.sid  # unsubscribed while this subscribe was on its way
        return None

    def complete_waiters(self) -> None:
        """Complete every subscribe whose subscriptions are all confirmed."""
        # A subscribe awaited across a reconnect completes when the restore confirms it.
        for command_id, each in list(self.waiters.items()):
            if all(s.sid is not None for s in each.subscriptions) and not each.future.done():
                each.future.set_result(None)
            if each.internal and each.future.done():
                del self.waiters[command_id]
                self.answered(command_id)

    def refused(self, frame: dict[str, Any]) -> None:
        """The server answered a command with an error frame."""
        body = frame.get("msg") or {}
        error = StreamCommandError(int(body.get("code", 0)), str(body.get("msg", "")))
        command_id = frame.get("id", -1)
        waiter = self.waiters.get(command_id)
        if waiter is not None and not waiter.internal:
            # Refused, so not kept for reconnects (the server refuses a command as a whole).
            unconfirmed = [s for s in waiter.subscriptions if s.sid is None]
            self.subscriptions = [s for s in self.subscriptions if s not in unconfirmed]
            with contextlib.suppress(asyncio.InvalidStateError):  # answered already
                waiter.future.set_exception(error)
            return
        log.warning("stream: %s", error)
        if waiter is None:
            return
        # A subscription the stream makes again was refused: it is dropped, and a subscribe()
        # awaited across the reconnect raises; otherwise the reader gets the error.
        del self.waiters[command_id]
        refused = set(waiter.subscriptions)
        self.subscriptions = [s for s in self.subscriptions if s not in refused]
        awaiting = [
            w
            for w in self.waiters.values()
            if not w.internal and not w.future.done() and refused & set(w.subscriptions)
        ]
        for each in awaiting:
            each.future.set_exception(error)
        if not awaiting:
            self.emit(error)
        self.answered(command_id)

    def message(self, subscription: Subscription, frame: dict[str, Any]) -> tuple[int, int] | None:
        """Yield a data frame; or, when its ``seq`` skips, the ``seq`` expected and received."""
        seq = frame.get("seq")
        if isinstance(seq, int):
            if subscription.seq and seq != subscription.seq + 1:
                return subscription.seq + 1, seq
            subscription.seq = seq
        self.emit(
            Message(
                type=str(frame.get("type")),
                channel=subscription.channel,
                sid=int(frame["sid"]),
                seq=seq if isinstance(seq, int) else None,
                msg=frame.get("msg"),
            )
        )
        return None
