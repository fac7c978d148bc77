"""Kalshi's environments (demo and production), their hosts, and custom base URLs."""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import UnknownEnvironmentError, UntrustedHostError

__all__ = [
    "DEMO",
    "ENVIRONMENTS",
    "KALSHI_HOSTS",
    "LOCAL",
    "PRODUCTION",
    "Environment",
    "is_local",
    "is_loopback_host",
    "resolve_environment",
]

API_PATH = "/trade-api/v2"
WS_PATH = "/trade-api/ws/v2"
MARGIN_WS_PATH = WS_PATH + "/margin"


@dataclass(frozen=True)
class Environment:
    """One place the Trade API is served: its REST and WebSocket base URLs.

    :ivar name: ``"demo"``, ``"production"``, or ``"custom"`` for a base URL given by hand.
    :ivar rest_url: REST base URL ending in ``/trade-api/v2``, no trailing slash.
    :ivar ws_url: WebSocket URL (``wss://…/trade-api/ws/v2``).
    :ivar legacy_rest_urls: older REST base URLs Kalshi still serves for this environment.
    :ivar legacy_ws_urls: older WebSocket URLs Kalshi still serves for this environment.
    :ivar margin_ws_url: WebSocket URL of perpetual futures ("margin"), on hosts of their own
        at Kalshi (``wss://…/trade-api/ws/v2/margin``); when not given, ``ws_url`` followed
        by ``/margin``.
    """

    name: str
    rest_url: str
    ws_url: str
    legacy_rest_urls: tuple[str, ...] = field(default=())
    legacy_ws_urls: tuple[str, ...] = field(default=())
    margin_ws_url: str = ""

    def __post_init__(self) -> None:
        if not self.margin_ws_url:
            object.__setattr__(self, "margin_ws_url", self.ws_url.rstrip("/") + "/margin")

    @property
    def hosts(self) -> frozenset[str]:
        """Every host name this environment is served from (recommended and older, margin too)."""
        urls = (
            self.rest_url,
            self.ws_url,
            self.margin_ws_url,
            *self.legacy_rest_urls,
            *self.legacy_ws_urls,
        )
        return frozenset(urlsplit(url).hostname or "" for url in urls) - {""}

    def __str__(self) -> str:
        return self.name


DEMO = Environment(
    name="demo",
    rest_url="https://external-api.demo.kalshi.co/trade-api/v2",
    ws_url="wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2",
    legacy_rest_urls=("https://demo-api.kalshi.co/trade-api/v2",),
    legacy_ws_urls=("wss://demo-api.kalshi.co/trade-api/ws/v2",),
    margin_ws_url="wss://external-api-margin-ws.demo.kalshi.co/trade-api/ws/v2/margin",
)
"""Kalshi's demo exchange: play money, its own API keys."""

PRODUCTION = Environment(
    name="production",
    rest_url="https://external-api.kalshi.com/trade-api/v2",
    ws_url="wss://external-api-ws.kalshi.com/trade-api/ws/v2",
    legacy_rest_urls=(
        "https://api.elections.kalshi.com/trade-api/v2",
        "https://trading-api.kalshi.com/trade-api/v2",
    ),
    legacy_ws_urls=("wss://api.elections.kalshi.com/trade-api/ws/v2",),
    margin_ws_url="wss://external-api-margin-ws.kalshi.com/trade-api/ws/v2/margin",
)
"""Kalshi's production exchange: real money."""

ENVIRONMENTS: dict[str, Environment] = {"demo": DEMO, "production": PRODUCTION, "prod": PRODUCTION}
"""Environment names ``session()`` understands (``"prod"`` is an alias)."""

KALSHI_HOSTS: frozenset[str] = DEMO.hosts | PRODUCTION.hosts
"""Every host name of Kalshi's API, demo and production, recommended and older, margin too."""

LOCAL = "local"
"""The name that starts a fresh local exchange: ``session("local")``, ``KALSHI_ENV=local``."""


def is_local(env: object) -> bool:
    """Whether ``env`` is the name :data:`LOCAL` (in any case, surrounding spaces ignored)."""
    return isinstance(env, str) and env.strip().lower() == LOCAL


@functools.lru_cache(maxsize=256)
def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is surely this machine: ``localhost``, ``127.0.0.0/8`` or ``::1``.

    Other names under ``.localhost`` are not trusted: the system resolver answers for them,
    and nothing guarantees that answer is a loopback address.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_environment(env: str | Environment) -> Environment:
    """Turn a name, an :class:`Environment` or a base URL into an :class:`Environment`.

    Names are ``"demo"`` and ``"production"`` (or ``"prod"``), in any case. ``"local"``
    is refused here: it is not a place but a new exchange, which only :func:`session` starts.

    A base URL such as ``http://127.0.0.1:8080/trade-api/v2`` gives a ``"custom"``
    environment; a URL with no path gets ``/trade-api/v2`` appended. The recommended base URL
    of demo or production gives :data:`DEMO` or :data:`PRODUCTION` itself.

    :raises UnknownEnvironmentError: an unknown name, or a URL that is not http(s).
    """
    if isinstance(env, Environment):
        return env
    if not isinstance(env, str):
        raise UnknownEnvironmentError(
            "env must be 'demo', 'production', an Environment or a base URL, "
            f"not {type(env).__name__}."
        )
    name = env.strip()
    known = ENVIRONMENTS.get(name.lower())
    if known is not None:
        return known
    if is_local(name):
        raise UnknownEnvironmentError(
            "'local' is not a fixed place: session('local') starts a fresh local exchange "
            "and returns a session bound to it; for a server that is already running, pass "
            "its base URL, such as 'http://127.0.0.1:8080/trade-api/v2'."
        )
    if "://" not in name:
        raise UnknownEnvironmentError(
            f"unknown environment {name!r}: use 'demo', 'production' (or 'prod'), a base URL "
            "such as 'http://127.0.0.1:8080/trade-api/v2', or 'local' with session()."
        )
    return _custom_environment(name)


def _custom_environment(url: str) -> Environment:
    # Imported here: this module is the hosts' data, which the requests-free core reads, and
    # only vetting a custom base URL needs the requests side's URL parser (urllib3's).
    from .urls import target_of

    authority = re.split(r"[/?#]", url.split("://", 1)[1], maxsplit=1)[0]
    if "@" in authority:
        raise UnknownEnvironmentError(
            "a base URL must not hold a user name or password (user:password@host): "
            "authenticate with KalshiAuth, and configure a proxy's credentials in proxies=."
        )
    try:
        parts = urlsplit(url)
        target_of(url)  # a URL that HTTP clients read in different ways is refused
    except (ValueError, UntrustedHostError):
        parts = None
    if parts is None:
        raise UnknownEnvironmentError(
            f"base URL {url!r} cannot be used: check its host and port (no backslashes, "
            "spaces or control characters)."
        )
    if parts.scheme.lower() not in ("http", "https"):
        raise UnknownEnvironmentError(
            f"base URL {url!r} must start with https:// (or http:// for a local server)."
        )
    if not parts.hostname:
        raise UnknownEnvironmentError(f"base URL {url!r} has no host name.")
    if parts.query or parts.fragment:
        raise UnknownEnvironmentError(f"base URL {url!r} must not have a query string or fragment.")
    path = parts.path.rstrip("/") or API_PATH
    rest_url = f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"
    for known in (DEMO, PRODUCTION):
        if rest_url == known.rest_url:  # its WebSocket host differs from the REST host
            return known
    ws_scheme = "wss" if parts.scheme.lower() == "https" else "ws"
    ws_path = path[: -len(API_PATH)] + WS_PATH if path.endswith(API_PATH) else path + "/ws"
    return Environment(
        name="custom", rest_url=rest_url, ws_url=f"{ws_scheme}://{parts.netloc}{ws_path}"
    )
