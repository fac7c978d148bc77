"""The exchange itself, free of any transport: one request in, one reply out.

:class:`SimulatedExchange` holds the keys, the account state, the faults and the record of
requests. :class:`~requests_kalshi.testing.LocalExchange` serves it over real HTTP and
:class:`~requests_kalshi.testing.KalshiMock` through ``responses``, so both behave the same.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from requests_kalshi.auth import KalshiAuth
from requests_kalshi.errors import ConfigurationError
from requests_kalshi.keys import PrivateKey

from .authcheck import DEFAULT_WINDOW, AuthVerdict, PublicKey, check_headers
from .faults import TOO_MANY_REQUESTS, FaultPlan, RateLimit, RateLimiter
from .market import Market
from .routes import DOMAIN_ROUTES, Call
from .state import DEFAULT_BALANCE, ExchangeState, MarketControls, Rejection, api_error

__all__ = ["Outcome", "RecordedRequest", "SimulatedExchange"]

API_PATH = "/trade-api/v2"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the exchange received, for assertions in tests.

    :ivar method: the method as received.
    :ivar path: the path as received, without the query string.
    :ivar query: the query parameters (the first value of each).
    :ivar headers: the headers as received.
    :ivar body: the raw body.
    :ivar auth: the verdict on its signature headers: ``"ok"``, ``"public"``,
        ``"missing_signature"``, ``"unknown_key"``, ``"bad_timestamp"``, ``"expired"``,
        ``"bad_signature"``, or ``"skipped"`` when a fault answered first.
    :ivar status: the status it was answered with; ``None`` if the connection was dropped.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    auth: str
    status: int | None

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass
class Outcome:
    """What a transport must do with one request.

    :ivar status: the HTTP status to answer with.
    :ivar headers: the response headers (``Date`` and ``Content-Type`` included).
    :ivar body: the response body.
    :ivar delay: seconds to wait before answering.
    :ivar drop: close the connection instead of answering.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    drop: bool = False


_Call = Call


class SimulatedExchange(MarketControls):
    """Kalshi's authentication and API (market data, V2 orders, portfolio), without a transport.

    :param key_type: the throwaway key's type: ``"rsa"`` (RSA-2048, what Kalshi issues by
        default; generated once per process and reused, since RSA key generation is slow) or
        ``"ed25519"``.
    :param markets: the markets to serve; the seeded catalog by default (four series, six
        events, 27 markets; see :func:`~requests_kalshi.testing.seed_catalog`).
    :param balance: the starting balance in cents.
    :param seed: chooses the seeded prices and the simulated participants' liquidity; the
        same seed gives the same book every run.
    :param timestamp_window: seconds a signed timestamp may differ from the server clock.
    :param rate_limit: answer 429 above these budgets; ``None`` (default) for no limit.
    :param clock: the server's clock (Unix seconds); :func:`time.time` by default.
    :raises ConfigurationError: an unusable option.
    """

    key_id: str
    """The key id of the throwaway key, registered with this exchange."""
    auth: KalshiAuth
    """A :class:`KalshiAuth` signing with the throwaway key."""
    state: ExchangeState
    """Markets, orders and balance."""
    clock_offset: float
    """Seconds added to the server clock: makes the exchange's clock run ahead (or behind)."""
    timestamp_window: float
    """Seconds a signed timestamp may differ from the server clock, either way."""

    def __init__(
        self,
        *,
        key_type: str = "rsa",
        markets: Iterable[Market] | None = None,
        balance: int = DEFAULT_BALANCE,
        timestamp_window: float = DEFAULT_WINDOW,
        rate_limit: RateLimit | None = None,
        clock: Callable[[], float] | None = None,
        seed: int = 0,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigurationError(f"seed must be a whole number, not {seed!r}.")
        if key_type not in ("rsa", "ed25519"):
            raise ConfigurationError(f"key_type must be 'rsa' or 'ed25519', not {key_type!r}.")
        if isinstance(balance, bool) or not isinstance(balance, int) or balance < 0:
            raise ConfigurationError(f"balance must be whole cents ≥ 0, not {balance!r}.")
        if (
            isinstance(timestamp_window, bool)
            or not isinstance(timestamp_window, (int, float))
            or timestamp_window <= 0
        ):
            raise ConfigurationError("timestamp_window must be a positive number of seconds.")
        if clock is not None and not callable(clock):
            raise ConfigurationError("clock must be a function returning Unix time in seconds.")
        self._clock: Callable[[], float] = clock or time.time
        self.clock_offset = 0.0
        self.timestamp_window = float(timestamp_window)
        self._key: PrivateKey = (
            _throwaway_rsa_key() if key_type == "rsa" else ed25519.Ed25519PrivateKey.generate()
        )
        self.key_id = str(uuid.uuid4())
        self._keys: dict[str, PublicKey] = {self.key_id: self._key.public_key()}
        self.auth = KalshiAuth(self.key_id, self._key, clock=self._clock)
        self.state = ExchangeState(markets=markets, balance=balance, clock=self.now, seed=seed)
        self._faults = FaultPlan()
        self._limiter: RateLimiter | None = None
        self._limit = RateLimit()
        if rate_limit is not None:
            self.set_rate_limit(rate_limit)
        self._record_lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    # -- configuration -------------------------------------------------------------------

    def now(self) -> float:
        """The exchange's clock: Unix seconds, ``clock() + clock_offset``."""
        return self._clock() + self.clock_offset

    def register_key(self, key_id: str, public_key: Any) -> None:
        """Accept signatures from another key.

        :param key_id: the key id requests will carry.
        :param public_key: an RSA or Ed25519 public key, its PEM text, or a private key (its
            public half is used).
        :raises ConfigurationError: an empty key id, or a key that is not RSA or Ed25519.
        """
        if not isinstance(key_id, str) or not key_id.strip():
            raise ConfigurationError("key_id must be a non-empty string.")
        self._keys[key_id.strip()] = _public_key(public_key)

    def private_key_pem(self) -> bytes:
        """The throwaway private key as unencrypted PKCS#8 PEM, for programs in other languages."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def set_rate_limit(self, limit: RateLimit | None) -> None:
        """Answer ``429 {"error": "too many requests"}`` above ``limit``; ``None`` turns it off.

        :raises ConfigurationError: ``limit`` is not a :class:`RateLimit` or ``None``.
        """
        if limit is not None and not isinstance(limit, RateLimit):
            raise ConfigurationError("limit must be a RateLimit(...) or None.")
        self._limit = limit or RateLimit()
        self._limiter = None if limit is None else RateLimiter(limit, self._clock)

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        path: str | None = None,
        method: str | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` (before checking auth).

        :param status: 429 answers ``{"error": "too many requests"}`` as Kalshi does; 5xx
            answer a nested error body.
        :param path: only requests to this path (``"/markets"`` or ``"/trade-api/v2/markets"``).
        :param method: only requests with this method.
        :param body: the JSON body to answer with, instead of the default for ``status``.
        :raises ConfigurationError: a bad ``n``, ``status``, ``path`` or ``method``.
        """
        self._faults.add("fail", n, path=path, method=method, status=status, body=body)

    def delay_next(
        self, n: int = 1, *, seconds: float, path: str | None = None, method: str | None = None
    ) -> None:
        """Wait ``seconds`` before answering the next ``n`` matching requests (to test timeouts).

        :raises ConfigurationError: a bad ``n``, ``seconds``, ``path`` or ``method``.
        """
        self._faults.add("delay", n, path=path, method=method, seconds=seconds)

    def drop_next(
        self,
        n: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        after_processing: bool = False,
    ) -> None:
        """Close the connection without answering the next ``n`` matching requests.

        :param after_processing: process the request first (an order is placed), then drop:
            the client cannot tell whether it happened, as when a network fails mid-answer.
        :raises ConfigurationError: a bad ``n``, ``path`` or ``method``.
        """
        kind = "drop_after" if after_processing else "drop"
        self._faults.add(kind, n, path=path, method=method)

    def clear_faults(self) -> None:
        """Forget every planned fault."""
        self._faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._record_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        with self._record_lock:
            self._requests.clear()

    @property
    def balance(self) -> int:
        """The account balance in cents (what ``GET /portfolio/balance`` reports)."""
        with self.state.lock:
            return self.state.balance

    # -- handling ------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes = b""
    ) -> Outcome:
        """Answer one request.

        :param method: the method as received.
        :param target: the request target: path and query string, as sent.
        :param headers: the request headers.
        :param body: the request body.
        """
        parts = urlsplit(target)
        path = parts.path or "/"
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        api_path = path[len(API_PATH) :] if path.startswith(API_PATH + "/") else path
        outcome = Outcome()
        verdict = "skipped"
        payload: Any = None
        fault = self._faults.take(method, path, api_path)
        if fault is not None and fault.kind == "drop":
            outcome.drop = True
        elif fault is not None and fault.kind == "fail":
            outcome.status, payload = fault.status, fault.body
        else:
            if fault is not None and fault.kind == "delay":
                outcome.delay = fault.seconds
            route, params, allowed = _route(method, path)
            check = self._check(headers, method, path, public=route is not None and route[1])
            verdict = check.reason
            if not check.ok:
                outcome.status, payload = 401, check.error_body()
            elif self._limiter is not None and not self._limiter.allow(method):
                outcome.status, payload = 429, dict(TOO_MANY_REQUESTS)
            elif route is None:
                outcome.status, payload = _no_route(path, allowed)
            else:
                call = _Call(method, query, body, params)
                try:
                    outcome.status, payload = route[0](self, call)
                except Rejection as rejection:
                    outcome.status, payload = rejection.status, rejection.body
            outcome.drop = fault is not None and fault.kind == "drop_after"
        if not outcome.drop:
            outcome.body = json.dumps(payload).encode()
            outcome.headers = {
                "Content-Type": "application/json",
                "Date": formatdate(self.now(), usegmt=True),
            }
        record = RecordedRequest(
            method=method,
            path=path,
            query=query,
            headers=dict(headers),
            body=body,
            auth=verdict,
            status=None if outcome.drop else outcome.status,
        )
        with self._record_lock:
            self._requests.append(record)
        return outcome

    def websocket_handshake(self, target: str, headers: Mapping[str, str]) -> Outcome:
        """Answer a WebSocket handshake to ``/trade-api/ws/v2`` as Kalshi does.

        The handshake is signed like a REST request, over ``GET /trade-api/ws/v2``.

        :returns: status 101 when the signature headers are good (the transport then
            upgrades the connection), else 401 with Kalshi's error body.
        """
        path = urlsplit(target).path
        check = self._check(headers, "GET", path, public=False)
        outcome = Outcome(status=101 if check.ok else 401)
        if not check.ok:
            outcome.body = json.dumps(check.error_body()).encode()
            outcome.headers = {
                "Content-Type": "application/json",
                "Date": formatdate(self.now(), usegmt=True),
            }
        record = RecordedRequest(
            method="GET",
            path=path,
            query={},
            headers=dict(headers),
            body=b"",
            auth=check.reason,
            status=outcome.status,
        )
        with self._record_lock:
            self._requests.append(record)
        return outcome

    def _check(
        self, headers: Mapping[str, str], method: str, path: str, *, public: bool
    ) -> AuthVerdict:
        return check_headers(
            headers,
            method,
            path,
            keys=dict(self._keys),
            now=self.now(),
            window=self.timestamp_window,
            public=public,
        )

    # -- endpoints -----------------------------------------------------------------------

    def _limits(self, call: _Call) -> tuple[int, Any]:
        return 200, {
            "usage_tier": self._limit.tier,
            "read_limit": self._limit.reads_per_second,
            "write_limit": self._limit.writes_per_second,
        }


# (method, path pattern under /trade-api/v2, handler, public)
_ROUTES: list[tuple[str, re.Pattern[str], Callable[..., tuple[int, Any]], bool]] = [
    *DOMAIN_ROUTES,
    ("GET", re.compile(r"/account/limits"), SimulatedExchange._limits, False),
]


def _route(
    method: str, path: str
) -> tuple[tuple[Callable[..., tuple[int, Any]], bool] | None, tuple[str, ...], list[str]]:
    """``((handler, public) or None, path parameters, methods allowed on this path)``."""
    if not path.startswith(API_PATH + "/"):
        return None, (), []
    api_path = path[len(API_PATH) :]
    allowed = []
    for route_method, pattern, handler, public in _ROUTES:
        match = pattern.fullmatch(api_path)
        if match is None:
            continue
        if route_method == method:
            return (handler, public), tuple(unquote(g) for g in match.groups()), []
        allowed.append(route_method)
    return None, (), allowed


def _no_route(path: str, allowed: list[str]) -> tuple[int, Any]:
    if allowed:
        return 405, {
            "error": {"code": "method_not_allowed", "message": f"use {', '.join(allowed)}"}
        }
    rejection = api_error(404, "not_found", f"{path} is not served by the local exchange")
    return rejection.status, rejection.body


@functools.lru_cache(maxsize=1)
def _throwaway_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_key(value: Any) -> PublicKey:
    if isinstance(value, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        return value.public_key()
    if isinstance(value, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        return value
    if isinstance(value, (str, bytes)):
        data = value.encode() if isinstance(value, str) else value
        try:
            loaded = serialization.load_pem_public_key(data)
        except ValueError:
            raise ConfigurationError(
                "public_key text is not a PEM public key ('-----BEGIN PUBLIC KEY-----')."
            ) from None
        if isinstance(loaded, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
            return loaded
    raise ConfigurationError("public_key must be an RSA or Ed25519 public key (or its PEM).")
