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
from dataclasses import dataclass

import requests
from urllib3.exceptions import NewConnectionError

from .clock import wait_asked
from .core.retrying import Failure, RetryRules
from .errors import ConfigurationError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy(RetryRules):
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

    It is the core's :class:`~requests_kalshi.core.RetryRules`, checked: every client's
    attempt flow decides with it.
    """

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
        return self.retries(method, Failure.STATUS, status)

    def retries_error(self, method: str, error: BaseException) -> bool:
        """Whether ``error``, raised while sending a ``method`` request, may be retried."""
        return self.retries(method, failure_of(error))

    def retry_after(self, response: requests.Response) -> float | None:
        """Seconds the server asked to wait (``Retry-After``, seconds or HTTP date), if any."""
        if not self.respect_retry_after:
            return None
        return wait_asked(response)


def failure_of(error: BaseException) -> Failure:
    """What a ``requests`` exception raised while sending means for retrying.

    A TLS or proxy failure does not go away by itself; a connection that was never opened
    sent nothing; any other connection failure or timeout may have happened after sending.
    """
    if isinstance(error, (requests.exceptions.SSLError, requests.exceptions.ProxyError)):
        return Failure.FATAL
    if not_sent(error):
        return Failure.NOT_SENT
    if isinstance(
        error,
        (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ),
    ):
        return Failure.AFTER_SEND
    return Failure.FATAL


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
