"""How the command line sends a request: counting attempts, and one line when none got through.

That line says what was tried (method, URL, attempts, time) and what to check, instead of
urllib3's "Max retries exceeded".
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .errors import KalshiError
from .kalshi_session import KalshiSession

__all__ = ["Unreachable", "send", "unreachable_message"]


class Unreachable(KalshiError):
    """No answer came back from the server; the message says what was tried."""


def send(
    s: KalshiSession, method: str, url: str, *, timeout: float, **options: Any
) -> requests.Response:
    """``s.request``, with a one-line :class:`Unreachable` when no answer came back."""
    counter = _CountingAdapter()
    s.mount("http://", counter)
    s.mount("https://", counter)
    started = time.monotonic()
    try:
        return s.request(method, url, timeout=timeout, **options)
    except (requests.ConnectionError, requests.Timeout) as error:
        target = requests.Request(method, s.url_for(url), params=options.get("params"))
        message = unreachable_message(
            error,
            method=method,
            url=target.prepare().url or url,
            attempts=counter.attempts,
            seconds=time.monotonic() - started,
            timeout=timeout,
        )
        raise Unreachable(message) from None


class _CountingAdapter(HTTPAdapter):
    """Counts the attempts that went on the wire, to say how often a request was tried."""

    attempts = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        """Count one attempt and send it as :class:`HTTPAdapter` does."""
        self.attempts += 1
        return super().send(request, *args, **kwargs)


def unreachable_message(
    error: requests.RequestException,
    *,
    method: str,
    url: str,
    attempts: int,
    seconds: float,
    timeout: float,
) -> str:
    """Say in one line which request failed how often, why, and what to check.

    :param error: what the last attempt raised.
    :param method: the request's method.
    :param url: the URL that was tried.
    :param attempts: how many times it was sent (retries included).
    :param seconds: how long all attempts took together.
    :param timeout: the timeout of each attempt, in seconds.
    """
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    reason, check = _diagnosis(error, timeout)
    return f"could not reach {method} {url} ({tries} in {seconds:.1f} s): {reason}; {check}."


def _diagnosis(error: requests.RequestException, timeout: float) -> tuple[str, str]:
    causes = list(_causes(error))
    if isinstance(error, requests.exceptions.SSLError):
        return (
            "the TLS handshake failed",
            "check the system's CA certificates, REQUESTS_CA_BUNDLE, and any proxy that "
            "intercepts TLS",
        )
    if isinstance(error, requests.exceptions.ProxyError):
        return "the proxy failed", "check HTTPS_PROXY, HTTP_PROXY and NO_PROXY"
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return (
            "the host name does not resolve",
            "check the URL given with --env (or KALSHI_ENV), DNS and the network connection",
        )
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return (
            "connection refused",
            "check that the server is running and that --env (or KALSHI_ENV) has the right "
            "host and port",
        )
    if isinstance(error, requests.ConnectTimeout):
        return (
            f"no connection within {timeout:g} s",
            "check the network connection, a firewall or proxy, and --env (or KALSHI_ENV)",
        )
    if isinstance(error, requests.Timeout):
        return (
            f"no answer within {timeout:g} s",
            "the server is slow or overloaded: try again later or raise --timeout",
        )
    return (
        "the connection failed or was closed without an answer",
        "check the network connection, a proxy, and --env (or KALSHI_ENV)",
    )


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps (``reason``, ``__cause__``, ``__context__``, args)."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        pending += [getattr(item, "reason", None), item.__cause__, item.__context__, *item.args]
