"""Opens a stream's connections: signed afresh each time, retried within the reconnect budget."""

from __future__ import annotations

import asyncio
import logging
import random

from websockets.asyncio import client as _client
from websockets.exceptions import InvalidHandshake, InvalidStatus

from ._stream_items import StreamHandshakeError
from ._stream_policy import ReconnectPolicy
from .auth import KalshiAuth
from .websocket import websocket_headers

__all__ = ["Connector"]

log = logging.getLogger("requests_kalshi")


class Connector:
    """Opens connections to ``url`` and counts the failed attempts of the outage under way."""

    def __init__(
        self,
        auth: KalshiAuth,
        url: str,
        policy: ReconnectPolicy,
        *,
        open_timeout: float,
        ping_interval: float | None,
    ) -> None:
        self.auth = auth
        self.url = url
        self.policy = policy
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.failures = 0  # failed attempts in a row: the budget and the pause follow it
        self.tries = 0  # connections tried since the last loss
        self.opened_at = 0.0

    def lost(self) -> None:
        """The open connection was lost: a new outage, unless it was lost too soon."""
        if self.policy.lost_too_soon(asyncio.get_running_loop().time() - self.opened_at):
            self.failures += 1  # lost too soon to count as back: the outage goes on
        else:
            self.failures = 0

    async def open(self, last: BaseException | None = None) -> _client.ClientConnection:
        """A new connection, after a pause if attempts failed before it.

        :raises StreamHandshakeError: a refusal that retrying will not fix.
        :raises StreamGaveUpError: the attempts ran out.
        """
        self.tries = 0
        while self.policy.may_try(self.failures):
            if self.failures:
                pause = self.policy.pause(self.failures)
                await asyncio.sleep(pause * random.uniform(0.5, 1.0))  # noqa: S311 - jitter
            self.tries += 1
            # Signed here, after the pause: a signature expires within seconds.
            headers = websocket_headers(self.auth, self.url)
            try:
                ws = await _client.connect(
                    self.url,
                    additional_headers=headers,
                    open_timeout=self.open_timeout,
                    ping_interval=self.ping_interval,
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
                self.opened_at = asyncio.get_running_loop().time()
                return ws
            self.failures += 1
            log.warning(
                "stream: connecting to %s failed (%d failed attempts of %d): %s",
                self.url,
                self.failures,
                self.policy.retries + 1,
                last,
            )
        raise self.policy.gave_up(self.url, self.failures, last) from last
