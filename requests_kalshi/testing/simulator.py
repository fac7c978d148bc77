"""The exchange itself, free of any transport: one request in, one reply out.

:class:`SimulatedExchange` holds the keys, the account state, the faults and the record of
requests. :class:`~requests_kalshi.testing.LocalExchange` serves it over real HTTP and
:class:`~requests_kalshi.testing.KalshiMock` through ``responses``, so both behave the same.
"""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi.auth import KalshiAuth
from requests_kalshi.errors import ConfigurationError
from requests_kalshi.keys import PrivateKey
from requests_kalshi.ratelimit import RateLimiter

from ._bodycheck import body_problem, unreadable_body
from ._keyring import public_key_of, throwaway_rsa_key
from ._requestlog import RecordedRequest, RequestLog
from .authcheck import DEFAULT_WINDOW, AuthVerdict, PublicKey, check_headers
from .faults import TOO_MANY_REQUESTS, FaultPlan
from .limits import RateLimit, items_billed
from .margin import MarginExchange
from .margin_routes import MARGIN_ROUTES
from .market import Market
from .routes import DOMAIN_ROUTES, Call
from .state import DEFAULT_BALANCE, ExchangeState, MarketControls, Rejection, api_error

__all__ = ["Outcome", "RecordedRequest", "SimulatedExchange"]

API_PATH = "/trade-api/v2"


@dataclass
class Outcome:
    """What a transport must do with one request.

    :ivar status: the HTTP status to answer with.
    :ivar headers: the response headers (``Date`` and ``Content-Type`` included).
    :ivar body: the response body.
    :ivar delay: seconds to wait before sending the answer (the request was processed).
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
    :param rate_limit: answer 429 above these budgets (a :class:`RateLimit` or a tier name);
        ``None`` (default) for no limit.
    :param clock: the server's clock (Unix seconds); :func:`time.time` by default.
    :param clock_offset: seconds added to ``clock``, see :attr:`clock_offset`.
    :raises ConfigurationError: an unusable option.
    """

    key_id: str
    """The key id of the throwaway key, registered with this exchange."""
    auth: KalshiAuth
    """A :class:`KalshiAuth` signing with the throwaway key."""
    state: ExchangeState
    """Markets, orders and balance."""
    clock_offset: float
    """Seconds added to the server clock: makes the exchange's clock run ahead (or behind).

    It moves the ``Date`` header and the timestamp window check alike."""
    timestamp_window: float
    """Seconds a signed timestamp may differ from the server clock, either way."""

    def __init__(
        self,
        *,
        key_type: str = "rsa",
        markets: Iterable[Market] | None = None,
        balance: int = DEFAULT_BALANCE,
        timestamp_window: float = DEFAULT_WINDOW,
        rate_limit: RateLimit | str | None = None,
        clock: Callable[[], float] | None = None,
        clock_offset: float = 0.0,
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
        if (
            isinstance(clock_offset, bool)
            or not isinstance(clock_offset, (int, float))
            or not math.isfinite(clock_offset)
        ):
            raise ConfigurationError(f"clock_offset must be seconds, not {clock_offset!r}.")
        self.clock_offset = float(clock_offset)
        self.timestamp_window = float(timestamp_window)
        self._key: PrivateKey = (
            throwaway_rsa_key() if key_type == "rsa" else ed25519.Ed25519PrivateKey.generate()
        )
        self.key_id = str(uuid.uuid4())
        self._keys: dict[str, PublicKey] = {self.key_id: self._key.public_key()}
        self.auth = KalshiAuth(self.key_id, self._key, clock=self._clock)
        self.state = ExchangeState(markets=markets, balance=balance, clock=self.now, seed=seed)
        self.margin = MarginExchange(clock=self.now)
        """Perpetual futures (``/margin/…``): see :class:`~.margin.MarginExchange`."""
        self._faults = FaultPlan()
        self._limiter: RateLimiter | None = None
        self._limit = RateLimit()
        if rate_limit is not None:
            self.set_rate_limit(rate_limit)
        self._log = RequestLog()

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
        self._keys[key_id.strip()] = public_key_of(public_key)

    def private_key_pem(self) -> bytes:
        """The throwaway private key as unencrypted PKCS#8 PEM, for programs in other languages."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def auth_for_host(self, host: str) -> KalshiAuth:
        """A :class:`KalshiAuth` with the throwaway key that also signs for ``host``.

        For transports that answer for a host other than Kalshi's or loopback (a proxy's).
        """
        return KalshiAuth(self.key_id, self._key, allowed_hosts=[host], clock=self._clock)

    def set_rate_limit(self, limit: RateLimit | str | None) -> None:
        """Answer ``429 {"error": "too many requests"}`` above ``limit``; ``None`` turns it off.

        The buckets start full. ``GET /account/limits`` and ``GET /account/endpoint_costs``
        report ``limit`` (the Basic tier while there is none). Margin requests (under
        ``/margin/``) draw from buckets of their own with the same budgets, as on Kalshi.

        :param limit: a :class:`RateLimit`, a tier name (``"advanced"``…), or ``None``.
        :raises ConfigurationError: any other value, or an unknown tier name.
        """
        if isinstance(limit, str):
            limit = RateLimit(tier=limit)
        if limit is not None and not isinstance(limit, RateLimit):
            raise ConfigurationError("limit must be a RateLimit(...), a tier name or None.")
        self._limit = limit or RateLimit()
        self._limiter = None if limit is None else limit.limiter(self._clock)

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate limit in force, or ``None``."""
        return self._limit if self._limiter is not None else None

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        path: str | None = None,
        method: str | None = None,
        body: Any = None,
        after_processing: bool = False,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status``.

        :param status: 429 answers ``{"error": "too many requests"}`` as Kalshi does; 5xx
            answer a nested error body.
        :param path: only requests to this path (``"/markets"`` or ``"/trade-api/v2/markets"``).
        :param method: only requests with this method.
        :param body: the JSON body to answer with, instead of the default for ``status``.
        :param after_processing: process the request first (an order is placed), then answer
            ``status`` instead of the real answer, as when a gateway fails after the exchange
            acted. By default the request is answered before authentication and has no effect.
        :raises ConfigurationError: a bad ``n``, ``status``, ``path`` or ``method``.
        """
        kind = "fail_after" if after_processing else "fail"
        self._faults.add(kind, n, path=path, method=method, status=status, body=body)

    def delay_next(
        self,
        n: int = 1,
        *,
        seconds: float,
        path: str | None = None,
        method: str | None = None,
        after_processing: bool = False,
    ) -> None:
        """Hold the next ``n`` matching requests ``seconds`` (to test timeouts).

        :param after_processing: process the request at once (an order is placed) and hold
            the answer. By default the request itself is held, as if slow in transit, and
            processed afterwards: the exchange checks its timestamp then, so a delay longer
            than :attr:`timestamp_window` answers ``header_timestamp_expired``.
        :raises ConfigurationError: a bad ``n``, ``seconds``, ``path`` or ``method``.
        """
        kind = "delay_after" if after_processing else "delay"
        self._faults.add(kind, n, path=path, method=method, seconds=seconds)

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
        return self._log.snapshot()

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        self._log.clear()

    @property
    def balance(self) -> int:
        """The account balance in cents (what ``GET /portfolio/balance`` reports)."""
        with self.state.lock:
            return self.state.balance

    # -- handling ------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        *,
        wait: Callable[[float], bool] | None = None,
    ) -> Outcome:
        """Answer one request: faults, authentication, rate limit, route, record.

        :param method: the method as received.
        :param target: the request target: path and query string, as sent.
        :param headers: the request headers.
        :param body: the request body.
        :param wait: how the transport waits ``seconds`` while a delayed request is held
            before processing; returns ``False`` when the wait was cut short (the
            transport is stopping), and the connection is then dropped. Sleeps by default.
        """
        parts = urlsplit(target)
        path = parts.path or "/"
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        api_path = path[len(API_PATH) :] if path.startswith(API_PATH + "/") else path
        fault = self._faults.take(method, path, api_path)
        kind = fault.kind if fault is not None else ""
        outcome = Outcome()
        verdict = "skipped"
        payload: Any = None
        if fault is not None and kind == "delay" and not (wait or _sleep)(fault.seconds):
            outcome.drop = True
        elif fault is not None and kind in ("fail", "drop"):
            outcome.drop = kind == "drop"
            outcome.status, payload = fault.status, fault.body
        else:
            verdict, outcome.status, payload = self._process(method, path, query, headers, body)
            if fault is not None and kind == "fail_after":
                outcome.status, payload = fault.status, fault.body
            outcome.drop = kind == "drop_after"
            outcome.delay = fault.seconds if fault is not None and kind == "delay_after" else 0.0
        if not outcome.drop:
            outcome.body = json.dumps(payload).encode()
            outcome.headers = {
                "Content-Type": "application/json",
                "Date": formatdate(self.now(), usegmt=True),
            }
        self._record(
            RecordedRequest(
                method=method,
                path=path,
                query=query,
                headers=dict(headers),
                body=body,
                auth=verdict,
                status=None if outcome.drop else outcome.status,
                fault=kind,
            )
        )
        return outcome

    def refuse(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        status: int,
        code: str,
        message: str,
    ) -> Outcome:
        """Answer and record a request a transport could not read (bad framing, long lines).

        :returns: ``status`` with the body ``{"error": {"code": code, "message": message}}``.
        """
        path = urlsplit(target).path if target else ""
        self._record(
            RecordedRequest(
                method=method,
                path=path,
                query={},
                headers=dict(headers),
                body=b"",
                auth="skipped",
                status=status,
            )
        )
        return Outcome(
            status=status,
            headers={
                "Content-Type": "application/json",
                "Date": formatdate(self.now(), usegmt=True),
            },
            body=json.dumps({"error": {"code": code, "message": message}}).encode(),
        )

    def _process(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[str, int, Any]:
        """``(auth verdict, status, payload)``: the exchange's real answer to a request."""
        route, params, allowed = _route(method, path)
        check = self._check(headers, method, path, public=route is not None and route[1])
        if not check.ok:
            return check.reason, 401, check.error_body()
        if self._limiter is not None and not self._limiter.try_acquire(
            method,
            path,
            cost=self._limiter.cost_of(method, path) * items_billed(method, path, body),
        ):
            return check.reason, 429, dict(TOO_MANY_REQUESTS)
        if route is None:
            return (check.reason, *_no_route(path, allowed))
        problem = body_problem(body) if body else None
        if problem is not None:
            return check.reason, 400, unreadable_body(problem)
        call = _Call(method, query, body, params)
        try:
            status, payload = route[0](self, call)
        except Rejection as refusal:
            status, payload = refusal.status, refusal.body
        return check.reason, status, payload

    def watch_requests(self, listener: Callable[[RecordedRequest], None]) -> Callable[[], None]:
        """Call ``listener`` with each request once it is answered (or dropped), as recorded.

        It runs on the thread that served the request; an exception it raises is logged and
        does not reach the client.

        :returns: a function that stops the calls.
        """
        return self._log.watch(listener)

    def _record(self, record: RecordedRequest) -> None:
        self._log.append(record)

    def websocket_handshake(self, target: str, headers: Mapping[str, str]) -> Outcome:
        """Answer a WebSocket handshake to ``/trade-api/ws/v2`` (or ``…/margin``) as Kalshi does.

        The handshake is signed like a REST request, over ``GET`` and the path it asks for.

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
        self._record(
            RecordedRequest(
                method="GET",
                path=path,
                query={},
                headers=dict(headers),
                body=b"",
                auth=check.reason,
                status=outcome.status,
            )
        )
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
        return 200, self._limit.account_limits()

    def _endpoint_costs(self, call: _Call) -> tuple[int, Any]:
        return 200, self._limit.endpoint_costs()


# (method, path pattern under /trade-api/v2, handler, public)
_ROUTES: list[tuple[str, re.Pattern[str], Callable[..., tuple[int, Any]], bool]] = [
    *DOMAIN_ROUTES,
    *MARGIN_ROUTES,
    ("GET", re.compile(r"/account/limits"), SimulatedExchange._limits, False),
    ("GET", re.compile(r"/account/endpoint_costs"), SimulatedExchange._endpoint_costs, False),
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


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return True


def _no_route(path: str, allowed: list[str]) -> tuple[int, Any]:
    if allowed:
        return 405, {
            "error": {"code": "method_not_allowed", "message": f"use {', '.join(allowed)}"}
        }
    refusal = api_error(404, "not_found", f"{path} is not served by the local exchange")
    return refusal.status, refusal.body
