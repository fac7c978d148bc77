"""Signed headers for Kalshi's WebSocket handshake (``wss://…/trade-api/ws/v2``).

The handshake is an HTTP ``GET`` signed like any REST request:
``TIMESTAMP + "GET" + "/trade-api/ws/v2"``. Pass the headers to any WebSocket client.
Perpetual futures ("margin") stream from hosts of their own: ``product="margin"`` gives their
URL (``wss://…/trade-api/ws/v2/margin``) and signs ``GET /trade-api/ws/v2/margin``.

>>> from requests_kalshi import DEMO, websocket_url
>>> websocket_url("demo") == DEMO.ws_url
True
>>> websocket_url("production", product="margin")
'wss://external-api-margin-ws.kalshi.com/trade-api/ws/v2/margin'
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .auth import KalshiAuth
from .environments import Environment, resolve_environment
from .errors import ConfigurationError

__all__ = ["PRODUCTS", "resolve_websocket_url", "websocket_headers", "websocket_url"]

PRODUCTS = ("events", "margin")
"""Kalshi's products, each with its own WebSocket URL: event contracts and perpetual futures."""

_WS_SCHEMES = ("ws", "wss")


def websocket_url(env: str | Environment = "demo", *, product: str = "events") -> str:
    """The WebSocket URL of an environment, for one product.

    :param env: ``"demo"``, ``"production"`` (or ``"prod"``), an :class:`Environment`, or a
        REST base URL such as ``"http://127.0.0.1:8080/trade-api/v2"`` (its WebSocket URL
        is ``ws://127.0.0.1:8080/trade-api/ws/v2``).
    :param product: ``"events"`` (event contracts, :attr:`Environment.ws_url`) or
        ``"margin"`` (perpetual futures, :attr:`Environment.margin_ws_url`).
    :raises UnknownEnvironmentError: an unknown name or a URL that is not http(s).
    :raises ConfigurationError: an unknown ``product``.
    """
    margin = _is_margin(product)
    # Kalshi's REST base URLs resolve to DEMO or PRODUCTION themselves (their WebSocket host
    # is another one); an Environment of your own keeps its own ws_url and margin_ws_url.
    environment = resolve_environment(env)
    return environment.margin_ws_url if margin else environment.ws_url


def websocket_headers(
    auth: KalshiAuth, env_or_url: str | Environment = "demo", *, product: str | None = None
) -> dict[str, str]:
    """The three ``KALSHI-ACCESS-*`` headers that authenticate a WebSocket handshake.

    Signs ``GET`` and the path of the WebSocket URL (``/trade-api/ws/v2`` for Kalshi), with
    a fresh timestamp: make them right before connecting, and anew for every reconnect.

    :param auth: the :class:`KalshiAuth` to sign with.
    :param env_or_url: an environment (as for :func:`websocket_url`) or a ``ws://`` /
        ``wss://`` URL; a URL's host must be one ``auth`` signs for (Kalshi's hosts, loopback
        or its ``allowed_hosts``), and its query string is not signed.
    :param product: with an environment, ``"events"`` (the default) or ``"margin"``, as for
        :func:`websocket_url`; not with a URL, which already names its path.
    :raises ConfigurationError: ``auth`` is not a :class:`KalshiAuth`; an unknown
        ``product``, or one given with a URL.
    :raises UntrustedHostError: the URL's host is not trusted, or it is plain ``ws://`` to a
        host that is not loopback.
    :raises UnknownEnvironmentError: an unknown environment name or URL scheme.
    """
    if not isinstance(auth, KalshiAuth):
        raise ConfigurationError(
            f"auth must be a KalshiAuth, not {type(auth).__name__}: "
            "websocket_headers(KalshiAuth(key_id, private_key), 'demo')."
        )
    return auth.headers("GET", resolve_websocket_url(env_or_url, product=product))


def resolve_websocket_url(env_or_url: str | Environment, *, product: str | None = None) -> str:
    """The WebSocket URL to connect to, from an environment or a URL.

    A ``ws://``/``wss://`` URL is kept as given (stripped); an environment gives its URL for
    ``product`` (see :func:`websocket_url`).

    :raises ConfigurationError: an unknown ``product``, or one given with a URL.
    :raises UnknownEnvironmentError: an unknown environment name or URL scheme.
    """
    if isinstance(env_or_url, str) and _scheme(env_or_url.strip()) in _WS_SCHEMES:
        if product is not None:
            raise ConfigurationError(
                f"product={product!r} goes with an environment, not with a WebSocket URL, "
                "whose path already says what it serves: pass one or the other."
            )
        return env_or_url.strip()
    return websocket_url(env_or_url, product=product or "events")


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:  # such as unbalanced brackets: refused as a URL later on
        return ""


def _is_margin(product: object) -> bool:
    if product not in PRODUCTS:
        raise ConfigurationError(
            f"product must be one of {', '.join(map(repr, PRODUCTS))}, not {product!r}."
        )
    return product == "margin"
