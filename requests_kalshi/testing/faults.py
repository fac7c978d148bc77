"""Fault injection for the local exchange: failures, delays and dropped connections."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

from requests_kalshi.errors import ConfigurationError

__all__ = ["Fault", "FaultPlan", "default_error_body"]

TOO_MANY_REQUESTS: dict[str, Any] = {"error": "too many requests"}
"""Kalshi's 429 body."""

_ERRORS = {
    500: ("internal_server_error", "internal server error"),
    502: ("bad_gateway", "bad gateway"),
    503: ("service_unavailable", "service unavailable"),
    504: ("gateway_timeout", "gateway timeout"),
}


KINDS = ("fail", "delay", "drop", "fail_after", "delay_after", "drop_after")
"""Every kind of :class:`Fault`."""


def default_error_body(status: int) -> dict[str, Any]:
    """The body an injected failure answers with when none is given.

    >>> default_error_body(429)
    {'error': 'too many requests'}
    """
    if status == 429:
        return dict(TOO_MANY_REQUESTS)
    code, message = _ERRORS.get(status, ("injected_failure", f"injected failure {status}"))
    return {"error": {"code": code, "message": message}}


@dataclass
class Fault:
    """One planned misbehaviour for the next ``remaining`` matching requests.

    :ivar kind: what to do; before the exchange processes the request: ``"fail"`` (answer
        ``status`` and ``body`` instead), ``"delay"`` (hold the request ``seconds``, then
        process it), ``"drop"`` (close the connection, no answer); after it processed the
        request (an order is placed): ``"fail_after"`` (answer ``status`` and ``body``
        instead of the real answer), ``"delay_after"`` (hold the answer ``seconds``),
        ``"drop_after"`` (close the connection instead of answering).
    :ivar remaining: how many more requests this fault applies to.
    :ivar path: only requests to this path (with or without ``/trade-api/v2``); ``None``: any.
    :ivar method: only requests with this method; ``None``: any.
    """

    kind: str
    remaining: int
    path: str | None = None
    method: str | None = None
    status: int = 500
    body: Any = None
    seconds: float = 0.0

    def matches(self, method: str, path: str, api_path: str) -> bool:
        """Whether a request to ``path`` (``api_path`` without the API prefix) is affected."""
        if self.method is not None and self.method != method.upper():
            return False
        return self.path is None or self.path in (path, api_path)


class FaultPlan:
    """A thread-safe queue of :class:`Fault` objects, consumed by matching requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        kind: str,
        n: int,
        *,
        path: str | None,
        method: str | None,
        status: int = 500,
        body: Any = None,
        seconds: float = 0.0,
    ) -> None:
        """Queue a fault for the next ``n`` matching requests.

        :raises ConfigurationError: ``n``, ``path``, ``method``, ``status`` or ``seconds`` is
            not usable.
        """
        if kind not in KINDS:
            raise ConfigurationError(f"fault kind must be one of {', '.join(KINDS)}.")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigurationError(f"n must be a whole number of requests ≥ 1, not {n!r}.")
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise ConfigurationError(f"path must start with '/', as in '/markets', not {path!r}.")
        if method is not None and (not isinstance(method, str) or not method.isalpha()):
            raise ConfigurationError(
                f"method must be an HTTP method such as 'GET', not {method!r}."
            )
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ConfigurationError(
                f"status must be an HTTP error status (400-599), not {status!r}."
            )
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or not 0 <= seconds < math.inf
        ):
            raise ConfigurationError(f"seconds must be a finite number ≥ 0, not {seconds!r}.")
        fault = Fault(
            kind,
            n,
            path=path.split("?", 1)[0] if path else None,
            method=method.upper() if method else None,
            status=status,
            body=default_error_body(status) if body is None else body,
            seconds=float(seconds),
        )
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str, api_path: str) -> Fault | None:
        """The first queued fault matching this request, counted as used; or ``None``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, api_path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        """Forget every queued fault."""
        with self._lock:
            self._faults.clear()
