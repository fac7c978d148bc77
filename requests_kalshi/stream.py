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

from ._stream_client import KalshiStream
from ._stream_items import (
    Gap,
    Message,
    Reconnected,
    StreamCommandError,
    StreamError,
    StreamGaveUpError,
    StreamHandshakeError,
)
from .auth import KalshiAuth
from .environments import Environment

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
