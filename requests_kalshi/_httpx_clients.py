"""The httpx clients :func:`requests_kalshi.httpx.client` makes: base URL, pages, clock sync."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from ._httpx_auth import DeferredSigning, KalshiAuth
from ._httpx_errors import error_for_httpx, offset_measured
from .clock import synced_offset
from .core.urls import join_url
from .environments import Environment
from .errors import ConfigurationError
from .pagination import PageCallback, PageWalk, walk_pages, walk_pages_async

__all__ = ["AsyncKalshiClient", "KalshiClient", "checked"]

log = logging.getLogger("requests_kalshi")


class KalshiClient(httpx.Client):
    """An ``httpx.Client`` bound to one Kalshi environment; made by :func:`client`.

    Relative URLs join the environment's base URL as in :class:`requests_kalshi.KalshiSession`.
    """

    environment: Environment
    """The environment this client talks to."""

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        """As :meth:`httpx.Client.build_request`, with ``url`` joined to the base URL."""
        return super().build_request(method, _joined(self.environment, url), **kwargs)

    def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        key: str | None = None,
        limit: int | None = None,
        max_pages: int | None = None,
        on_page: PageCallback | None = None,
        **request_options: Any,
    ) -> Iterator[Any]:
        """Yield the items of a list endpoint across pages, following ``cursor``.

        As :meth:`requests_kalshi.KalshiSession.paginate` (the same options, checks and
        errors); each page is an ordinary ``self.get``, and ``on_page`` gets httpx responses.

        :raises KalshiAPIError: a page answered with an error status.
        """
        walk = PageWalk(
            path, params=params, key=key, limit=limit, max_pages=max_pages, on_page=on_page
        )
        return walk_pages(
            walk, lambda query: _page(self.get(path, params=query, **request_options))
        )

    def sync_clock(self) -> float:
        """Measure how far the local clock is from Kalshi's and correct the auth for it.

        As :meth:`requests_kalshi.KalshiSession.sync_clock`: sends ``GET /exchange/status``.

        :returns: the auth's new ``clock_offset`` in seconds.
        :raises ConfigurationError: the client has no
            :class:`requests_kalshi.httpx.KalshiAuth`, or the server
            sent no usable ``Date`` header (or one more than an hour away).
        """
        signing = _signing_auth(self.auth)
        return _synced(signing, self.get("/exchange/status"))


class AsyncKalshiClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` bound to one Kalshi environment; made by :func:`async_client`.

    Relative URLs join the environment's base URL as in :class:`requests_kalshi.KalshiSession`.
    """

    environment: Environment
    """The environment this client talks to."""

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        """As :meth:`httpx.AsyncClient.build_request`, with ``url`` joined to the base URL."""
        return super().build_request(method, _joined(self.environment, url), **kwargs)

    def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        key: str | None = None,
        limit: int | None = None,
        max_pages: int | None = None,
        on_page: PageCallback | None = None,
        **request_options: Any,
    ) -> AsyncIterator[Any]:
        """Yield the items of a list endpoint across pages: ``async for item in c.paginate(…)``.

        As :meth:`KalshiClient.paginate`, each page awaited.

        :raises KalshiAPIError: a page answered with an error status.
        """
        walk = PageWalk(
            path, params=params, key=key, limit=limit, max_pages=max_pages, on_page=on_page
        )

        async def fetch(query: dict[str, Any]) -> tuple[Any, httpx.Response]:
            return _page(await self.get(path, params=query, **request_options))

        return walk_pages_async(walk, fetch)

    async def sync_clock(self) -> float:
        """As :meth:`KalshiClient.sync_clock`, awaited: ``await c.sync_clock()``."""
        signing = _signing_auth(self.auth)
        return _synced(signing, await self.get("/exchange/status"))


def checked(response: httpx.Response) -> httpx.Response:
    """``response``, unless it is an error: then its typed :class:`KalshiAPIError`."""
    if response.is_error:
        response.read()
        raise error_for_httpx(response)
    return response


def _page(response: httpx.Response) -> tuple[Any, httpx.Response]:
    return checked(response).json(), response


def _signing_auth(auth: httpx.Auth | None) -> KalshiAuth:
    if isinstance(auth, DeferredSigning):
        return auth.auth
    raise ConfigurationError("sync_clock() needs a client with a KalshiAuth.")


def _synced(signing: KalshiAuth, response: httpx.Response) -> float:
    measured = offset_measured(response)
    signing.clock_offset = synced_offset(signing.clock_offset, measured)
    log.info("clock offset set to %+.1f s", signing.clock_offset)
    return signing.clock_offset


def _joined(environment: Environment, url: httpx.URL | str) -> str:
    return join_url(environment.rest_url, str(url))
