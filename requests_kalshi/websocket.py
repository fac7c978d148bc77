"""Signed headers for Kalshi's WebSocket handshake (``wss://…/trade-api/ws/v2``).

The handshake is an HTTP ``GET`` signed like any REST request:
``TIMESTAMP + "GET" + "/trade-api/ws/v2"``. Pass the headers to any WebSocket client.

>>> from requests_kalshi import DEMO, websocket_url
>>> websocket_url("demo") == DEMO.ws_url
True
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .auth import KalshiAuth
from .environments import Environment, resolve_environment
from .errors import ConfigurationError

__all__ = ["websocket_headers", "websocket_url"]

_WS_SCHEMES = ("ws", "wss")


def websocket_url(env: str | Environment = "demo") -> str:
    """The WebSocket URL of an environment.

    :param env: ``"demo"``, ``"production"`` (or ``"prod"``), an :class:`Environment`, or a
        REST base URL such as ``"http://127.0.0.1:8080/trade-api/v2"`` (its WebSocket URL
        is ``ws://127.0.0.1:8080/trade-api/ws/v2``).
    :raises UnknownEnvironmentError: an unknown name or a URL that is not http(s).
    """
    # Kalshi's REST base URLs resolve to DEMO or PRODUCTION themselves (their WebSocket host
    # is another one); an Environment of your own keeps its own ws_url.
    return resolve_environment(env).ws_url


def websocket_headers(auth: KalshiAuth, env_or_url: str | Environment = "demo") -> dict[str, str]:
    """The three ``KALSHI-ACCESS-*`` headers that authenticate a WebSocket handshake.

    Signs ``GET`` and the path of the WebSocket URL (``/trade-api/ws/v2`` for Kalshi), with
    a fresh timestamp: make them right before connecting, and anew for every reconnect.

    :param auth: the :class:`KalshiAuth` to sign with.
    :param env_or_url: an environment (as for :func:`websocket_url`) or a ``ws://`` /
        ``wss://`` URL; a URL's host must be one ``auth`` signs for (Kalshi's hosts, loopback
        or its ``allowed_hosts``), and its query string is not signed.
    :raises ConfigurationError: ``auth`` is not a :class:`KalshiAuth`.
    :raises UntrustedHostError: the URL's host is not trusted, or it is plain ``ws://`` to a
        host that is not loopback.
    :raises UnknownEnvironmentError: an unknown environment name or URL scheme.
    """
    if not isinstance(auth, KalshiAuth):
        raise ConfigurationError(
            f"auth must be a KalshiAuth, not {type(auth).__name__}: "
            "websocket_headers(KalshiAuth(key_id, private_key), 'demo')."
        )
    if isinstance(env_or_url, str) and _scheme(env_or_url.strip()) in _WS_SCHEMES:
        url = env_or_url.strip()
    else:
        url = websocket_url(env_or_url)
    return auth.headers("GET", url)


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:  # such as unbalanced brackets: refused as a URL later on
        return ""
