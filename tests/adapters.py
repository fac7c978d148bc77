"""Every client this library serves, behind one small interface, for the shared test suite.

An :class:`Adapter` makes a client for a base URL and sends a batch of requests through it
(one batch per event loop for the async client), returning each answer as an
:class:`Answer`. Exceptions the client raises propagate as they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests

from requests_kalshi import KalshiAuth, session
from requests_kalshi import httpx as kalshi_httpx


@dataclass(frozen=True)
class Call:
    """One request: method, URL (relative to the base URL or absolute) and options."""

    method: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """What came back: status, body and the client's own response object."""

    status: int
    body: bytes
    raw: object


@dataclass
class Adapter:
    """One client kind. ``auth`` is the requests ``KalshiAuth``; each kind adapts it."""

    name: str
    send: Callable[[Adapter, str, KalshiAuth | None, Sequence[Call], dict[str, Any]], list[Answer]]
    http_auth: kalshi_httpx.KalshiAuth | None = None

    def run(
        self, base_url: str, auth: KalshiAuth | None, calls: Sequence[Call], **options: Any
    ) -> list[Answer]:
        """Make the client with ``options`` (as for ``session()``) and send ``calls``."""
        return self.send(self, base_url, auth, calls, options)

    def one(
        self, base_url: str, auth: KalshiAuth | None, method: str, url: str, **options: Any
    ) -> Answer:
        """Send a single request; ``options`` go to the client, not the request."""
        return self.run(base_url, auth, [Call(method, url)], **options)[0]

    def clock_offset(self, auth: KalshiAuth) -> float:
        """The clock offset the client signs with now."""
        return auth.clock_offset if self.http_auth is None else self.http_auth.clock_offset

    def _httpx_auth(self, auth: KalshiAuth | None) -> kalshi_httpx.KalshiAuth | None:
        self.http_auth = None if auth is None else kalshi_httpx.KalshiAuth.from_requests_auth(auth)
        return self.http_auth


def _send_requests(
    adapter: Adapter,
    base_url: str,
    auth: KalshiAuth | None,
    calls: Sequence[Call],
    options: dict[str, Any],
) -> list[Answer]:
    options.pop("follow_redirects", None)  # requests follows redirects by itself
    with session(base_url, auth=auth, **options) as s:
        answers = []
        for call in calls:
            r = s.request(call.method, call.url, **call.options)
            answers.append(Answer(r.status_code, r.content, r))
        return answers


def _send_httpx(
    adapter: Adapter,
    base_url: str,
    auth: KalshiAuth | None,
    calls: Sequence[Call],
    options: dict[str, Any],
) -> list[Answer]:
    with kalshi_httpx.client(base_url, auth=adapter._httpx_auth(auth), **options) as c:
        answers = []
        for call in calls:
            r = c.request(call.method, call.url, **call.options)
            answers.append(Answer(r.status_code, r.content, r))
        return answers


def _send_httpx_async(
    adapter: Adapter,
    base_url: str,
    auth: KalshiAuth | None,
    calls: Sequence[Call],
    options: dict[str, Any],
) -> list[Answer]:
    http_auth = adapter._httpx_auth(auth)

    async def main() -> list[Answer]:
        async with kalshi_httpx.async_client(base_url, auth=http_auth, **options) as c:
            answers = []
            for call in calls:
                r = await c.request(call.method, call.url, **call.options)
                answers.append(Answer(r.status_code, r.content, r))
            return answers

    return asyncio.run(main())


ADAPTERS = [
    Adapter("requests", _send_requests),
    Adapter("httpx", _send_httpx),
    Adapter("httpx-async", _send_httpx_async),
]
"""The clients made by this library's factories."""


def bare_requests(auth: KalshiAuth, url: str, method: str = "GET") -> Answer:
    """A plain ``requests.Session`` with the auth set on it."""
    with requests.Session() as s:
        s.auth = auth
        r = s.request(method, url, timeout=5)
        return Answer(r.status_code, r.content, r)


def bare_httpx(auth: KalshiAuth, url: str, method: str = "GET") -> Answer:
    """A plain ``httpx.Client(auth=KalshiAuth(...), follow_redirects=True)``."""
    signing = kalshi_httpx.KalshiAuth.from_requests_auth(auth)
    with httpx.Client(auth=signing, follow_redirects=True, timeout=5) as c:
        r = c.request(method, url)
        return Answer(r.status_code, r.content, r)


def bare_httpx_async(auth: KalshiAuth, url: str, method: str = "GET") -> Answer:
    """A plain ``httpx.AsyncClient(auth=KalshiAuth(...), follow_redirects=True)``."""
    signing = kalshi_httpx.KalshiAuth.from_requests_auth(auth)

    async def main() -> Answer:
        async with httpx.AsyncClient(auth=signing, follow_redirects=True, timeout=5) as c:
            r = await c.request(method, url)
            return Answer(r.status_code, r.content, r)

    return asyncio.run(main())


BARE = {"requests.Session": bare_requests, "httpx.Client": bare_httpx}
BARE["httpx.AsyncClient"] = bare_httpx_async
"""Plain clients with only the auth of this library set on them."""
