"""``RetryPolicy``: which failed requests are safe to send again, and when.

Retries run in :class:`~requests_kalshi.KalshiSession`, one level above urllib3, so every
attempt is signed anew with a fresh timestamp. The policy never repeats a request the server
may already have acted on unless the method is idempotent: an order ``POST`` (one order,
``POST /portfolio/events/orders``, or a batch, ``POST /portfolio/events/orders/batched``) is
retried only after a 429 or a connection that failed before anything was sent. Cancels
(``DELETE /portfolio/events/orders/{order_id}`` and the batched ``DELETE``) are idempotent.

To send an order again yourself after an unknown outcome (a 5xx, a read timeout), reuse its
``client_order_id``: Kalshi keeps one order per ``client_order_id`` and answers
``409 order_already_exists`` to a repeat, so nothing is placed twice. In a batch each order
carries its own ``client_order_id``: resending the whole batch places the orders that were
missing and reports ``order_already_exists`` in the ``error`` of each item that was placed
the first time.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

import requests
from urllib3.exceptions import NewConnectionError

from .clock import retry_after as retry_after_header
from .core.retrying import IDEMPOTENT_METHODS, RETRY_STATUSES
from .errors import ConfigurationError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """An immutable description of how :class:`~requests_kalshi.KalshiSession` retries.

    ============================  =================================  ============================
    failure                       GET, HEAD, OPTIONS, PUT, DELETE      POST, PATCH
    ============================  =================================  ============================
    connection refused / DNS      retried                            retried (nothing was sent)
    connect timeout               retried                            retried (nothing was sent)
    read timeout                  retried                            not retried
    connection reset after send   retried                            not retried
    TLS certificate, proxy error  not retried                        not retried
    429                           retried                            retried (refused unprocessed)
    500 502 503 504               retried                            not retried (an order may
                                                                     exist: see above)
    other statuses                not retried                        not retried
    ============================  =================================  ============================

    A redirect's next hop is retried for its own method (the GET after a 303 may be); the
    request that was redirected is never started over.

    The delay before retry ``n`` (0-based) is a random value in
    ``[0, min(backoff_max, backoff_factor * 2**n)]`` ("full jitter"), or the server's
    ``Retry-After`` when it sends one. No retry starts once ``budget`` seconds have passed
    since the first attempt, or when its delay would end past that point.

    :param total: how many retries at most (``0`` disables retrying).
    :param backoff_factor: seconds; the base of the exponential backoff.
    :param backoff_max: seconds; the cap of one backoff delay.
    :param budget: seconds; the time all attempts of one request may take together.
    :param statuses: statuses retried for idempotent methods.
    :param idempotent_methods: methods that are safe to repeat.
    :param respect_retry_after: wait as long as a ``Retry-After`` header says.
    :raises ConfigurationError: a negative or non-numeric setting.
    """

    total: int = 3
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    budget: float = 30.0
    statuses: frozenset[int] = field(default=RETRY_STATUSES)
    idempotent_methods: frozenset[str] = field(default=IDEMPOTENT_METHODS)
    respect_retry_after: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.total, bool) or not isinstance(self.total, int) or self.total < 0:
            raise ConfigurationError(f"retries must be a whole number ≥ 0, not {self.total!r}.")
        for name in ("backoff_factor", "backoff_max", "budget"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
            ):
                raise ConfigurationError(f"{name} must be a number of seconds ≥ 0, not {value!r}.")
        object.__setattr__(self, "statuses", frozenset(_ints(self.statuses)))
        methods = frozenset(m.upper() for m in self.idempotent_methods)
        object.__setattr__(self, "idempotent_methods", methods)

    def retries_response(self, method: str, status: int) -> bool:
        """Whether a response with ``status`` to a ``method`` request may be retried."""
        if status == 429:
            return True
        return method.upper() in self.idempotent_methods and status in self.statuses

    def retries_error(self, method: str, error: BaseException) -> bool:
        """Whether ``error``, raised while sending a ``method`` request, may be retried."""
        if isinstance(error, requests.exceptions.SSLError):
            return False  # a certificate problem does not go away by itself
        if not_sent(error):
            return True
        if method.upper() not in self.idempotent_methods:
            return False
        return isinstance(
            error,
            (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ),
        )

    def backoff(self, retry_number: int, rand: float) -> float:
        """The delay before retry ``retry_number`` (0-based), for ``rand`` in ``[0, 1)``."""
        ceiling = min(self.backoff_max, self.backoff_factor * (2.0**retry_number))
        return ceiling * rand

    def retry_after(self, response: requests.Response) -> float | None:
        """Seconds the server asked to wait (``Retry-After``, seconds or HTTP date), if any."""
        if not self.respect_retry_after:
            return None
        return retry_after_header(response)


def not_sent(error: BaseException) -> bool:
    """Whether ``error`` proves the request never reached the server.

    True for a connect timeout and for a connection that could not be opened (refused,
    unreachable, unknown host); false for anything that may have happened after sending.
    """
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(error, requests.exceptions.ConnectionError):
        return False
    if isinstance(error, (requests.exceptions.ProxyError, requests.exceptions.SSLError)):
        return False
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError)


def _ints(values: Collection[int]) -> list[int]:
    checked = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigurationError(f"statuses must be HTTP status codes, not {value!r}.")
        checked.append(value)
    return checked
