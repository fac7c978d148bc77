"""``session("local")``: a session bound to a fresh local exchange that lives as long as it.

The testing kit is imported only when ``local`` is asked for.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import weakref
from typing import TYPE_CHECKING, Any

from requests.auth import AuthBase

from .auth import KalshiAuth
from .errors import ConfigurationError
from .kalshi_session import KalshiSession

if TYPE_CHECKING:
    from .testing.exchange import LocalExchange

__all__ = ["LocalSession"]

_OPEN: weakref.WeakSet[LocalSession] = weakref.WeakSet()


def _stop_open_exchanges() -> None:
    for open_session in list(_OPEN):
        open_session._stop_exchange()


# At exit, stop the exchanges of sessions still open before threading joins their connection
# threads: a connection a session keeps alive would hold one of them forever.
with contextlib.suppress(RuntimeError):  # imported while the interpreter exits: too late
    getattr(threading, "_register_atexit", atexit.register)(_stop_open_exchanges)


class LocalSession(KalshiSession):
    """A :class:`~requests_kalshi.KalshiSession` bound to its own running local exchange.

    Made by ``session("local")``. The exchange (a
    :class:`~requests_kalshi.testing.LocalExchange` on ``127.0.0.1``) is started with the
    session and stopped by :meth:`close` (so by the end of a ``with`` block), or when the
    session is garbage-collected or the interpreter exits, whichever comes first.

    :param exchange: a running local exchange; this session owns it from now on.
    :param options: the keyword options of :class:`~requests_kalshi.KalshiSession`.
    """

    exchange: LocalExchange
    """The local exchange this session talks to: inject faults, inspect ``state``, …."""

    def __init__(self, exchange: LocalExchange, **options: Any) -> None:
        super().__init__(exchange.url, **options)
        self.exchange = exchange
        # A bound method of the exchange: the finalizer keeps the exchange, not the session.
        self._stop_exchange = weakref.finalize(self, exchange.stop)
        _OPEN.add(self)

    def close(self) -> None:
        """Close the connections and stop the local exchange; safe to call more than once."""
        try:
            super().close()
        finally:
            self._stop_exchange()


def local_session(auth: AuthBase | None = None, **options: Any) -> LocalSession:
    """Start a local exchange and return a :class:`LocalSession` bound to it.

    :param auth: ``None`` to sign with the exchange's throwaway Ed25519 key, or a
        :class:`~requests_kalshi.KalshiAuth` whose key is registered with the exchange, so
        code that loads its own key works unchanged.
    :param options: the keyword options of :class:`~requests_kalshi.KalshiSession`.
    :raises ConfigurationError: ``auth`` is not a :class:`~requests_kalshi.KalshiAuth`, or a
        bad option.
    """
    if auth is not None and not isinstance(auth, KalshiAuth):
        raise ConfigurationError(
            f"session('local') registers the key of a KalshiAuth with the local exchange; "
            f"{type(auth).__name__} is not one. Pass key_id= and private_key=, a KalshiAuth, "
            "or no credentials to use the exchange's throwaway key."
        )
    from .testing.exchange import LocalExchange

    exchange = LocalExchange(key_type="ed25519").start()
    try:
        if auth is None:
            auth = exchange.auth
        else:
            exchange.register_key(auth.key_id, auth.public_key)
        return LocalSession(exchange, auth=auth, **options)
    except BaseException:
        exchange.stop()
        raise
