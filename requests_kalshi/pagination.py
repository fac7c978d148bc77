"""Walking Kalshi's cursor-paginated list endpoints.

:class:`PageWalk` is the walk itself, with no I/O: the query of the next page, what a page's
body yields, and when to stop. :func:`walk_pages` and :func:`walk_pages_async` drive it with
a function that fetches one page (blocking, or awaited); :func:`paginate` is the walk over a
:class:`~requests_kalshi.KalshiSession`, and the httpx clients' ``paginate`` methods are the
same walk over theirs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import requests

from .api_errors import raise_for_kalshi
from .errors import ConfigurationError, KalshiError

__all__ = ["PageCallback", "PageWalk", "paginate", "walk_pages", "walk_pages_async"]

MAX_PAGE_SIZE = 1000

PageCallback = Callable[[int, int, Any], object]
"""``on_page(page, items, response)``: the page's number (from 1), the number of items
received so far (this page's included, at most ``limit``), and the page's response (a
``requests`` or an ``httpx`` response, as the client gives)."""

Page = tuple[Any, Any]
"""One fetched page: its decoded JSON body and its response."""


class PageWalk:
    """One walk over a list endpoint's pages, following ``cursor``; no I/O of its own.

    Ask :attr:`query` for the next page's query parameters, fetch it, and hand its body to
    :meth:`items`, until :attr:`done`.

    >>> walk = PageWalk("/markets", params={"status": "open"}, limit=3)
    >>> walk.query
    {'status': 'open', 'limit': 3}
    >>> walk.items({"markets": [1, 2], "cursor": "c2"}, None), walk.query["cursor"]
    ([1, 2], 'c2')
    >>> walk.items({"markets": [3, 4], "cursor": "c3"}, None), walk.done
    ([3], True)

    Takes the arguments of :func:`paginate` but the session.

    :raises ConfigurationError: a bad ``limit`` or ``max_pages``, or an ``on_page`` that is
        not callable.
    """

    def __init__(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        key: str | None = None,
        limit: int | None = None,
        max_pages: int | None = None,
        on_page: PageCallback | None = None,
    ) -> None:
        for name, value in (("limit", limit), ("max_pages", max_pages)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ConfigurationError(
                    f"{name} must be a whole number ≥ 1 or None, not {value!r}."
                )
        if on_page is not None and not callable(on_page):
            raise ConfigurationError(
                f"on_page must be a function of (page, items, response), not {on_page!r}."
            )
        self.path = path
        self._key = key
        self._limit = limit
        self._max_pages = max_pages
        self._on_page = on_page
        self._query = dict(params or {})
        self._query.pop("cursor", None)
        if limit is not None and "limit" not in self._query:
            self._query["limit"] = min(limit, MAX_PAGE_SIZE)
        self._yielded = self._pages = 0
        self._cursor: str | None = None
        self._stuck = False
        self.done = False
        """Whether the walk is over: no more pages to ask for."""

    @property
    def query(self) -> dict[str, Any]:
        """The query parameters of the next page (with its ``cursor``).

        :raises KalshiError: the last page answered the cursor it was sent (asking again
            would loop forever).
        """
        if self._stuck:
            raise KalshiError(
                f"{self.path} answered the cursor it was sent ({self._cursor!r}); stopping "
                "instead of asking for the same page forever."
            )
        return dict(self._query)

    def items(self, body: Any, response: Any) -> list[Any]:
        """The items a page yields, given its decoded ``body``; moves the walk on.

        Calls ``on_page`` first, with ``response``.

        :raises KalshiError: the body has no list field, or ``key`` is not in it.
        """
        self._pages += 1
        items = _items(body, self._key, self.path)
        if self._limit is not None:
            items = items[: self._limit - self._yielded]
        if self._on_page is not None:
            self._on_page(self._pages, self._yielded + len(items), response)
        self._yielded += len(items)
        sent, cursor = self._cursor, body.get("cursor")
        self.done = (
            (self._limit is not None and self._yielded >= self._limit)
            or not cursor
            or (self._max_pages is not None and self._pages >= self._max_pages)
        )
        self._stuck = not self.done and cursor == sent
        self._cursor = cursor
        self._query["cursor"] = cursor
        return items


def walk_pages(walk: PageWalk, fetch: Callable[[dict[str, Any]], Page]) -> Iterator[Any]:
    """Yield the items of ``walk``, fetching each page with ``fetch(query)``.

    ``fetch`` returns the page's decoded body and its response, or raises for an error.
    """
    while not walk.done:
        body, response = fetch(walk.query)
        yield from walk.items(body, response)


async def walk_pages_async(
    walk: PageWalk, fetch: Callable[[dict[str, Any]], Awaitable[Page]]
) -> AsyncIterator[Any]:
    """:func:`walk_pages` for an event loop: each page is awaited."""
    while not walk.done:
        body, response = await fetch(walk.query)
        for item in walk.items(body, response):
            yield item


def paginate(
    session: requests.Session,
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

    Stops when the response's cursor is empty, missing or ``null``, after ``limit`` items, or
    after ``max_pages`` pages. Each page is an ordinary ``session.get``, so it is signed,
    retried and rate-limited like any request.

    >>> from requests_kalshi.testing import KalshiMock
    >>> seen = []
    >>> with KalshiMock(key_type="ed25519") as kalshi, kalshi.session() as s:
    ...     markets = list(paginate(s, "/markets", params={"limit": 10},
    ...                             on_page=lambda page, items, r: seen.append((page, items))))
    >>> seen
    [(1, 10), (2, 20), (3, 27)]

    :param session: a :class:`~requests_kalshi.KalshiSession` (anything with ``get``).
    :param path: the endpoint, e.g. ``"/markets"``.
    :param params: query parameters for every page (``cursor`` is managed here).
    :param key: the list field of the body (``"markets"``); found by itself when the body
        has exactly one list field.
    :param limit: stop after this many items (also sent as the page size, up to 1000, unless
        ``params`` sets ``limit``).
    :param max_pages: stop after this many pages.
    :param on_page: called with ``(page, items, response)`` as each page arrives, before its
        items are yielded: the page's number (from 1), the number of items received so far
        (this page's included, at most ``limit``) and the page's response. For progress
        bars and logs; what it returns is ignored, and what it raises ends the walk.
    :raises KalshiAPIError: a page answered with an error status.
    :raises KalshiError: the body has no list field, ``key`` is not in it, or the server
        answers the same cursor it was sent (which would loop forever).
    :raises ConfigurationError: a bad ``limit`` or ``max_pages``, or an ``on_page`` that is
        not callable.
    """
    walk = PageWalk(path, params=params, key=key, limit=limit, max_pages=max_pages, on_page=on_page)

    def fetch(query: dict[str, Any]) -> Page:
        response = session.get(path, params=query, **request_options)
        raise_for_kalshi(response)
        return response.json(), response

    return walk_pages(walk, fetch)


def _items(body: Any, key: str | None, path: str) -> list[Any]:
    if not isinstance(body, dict):
        raise KalshiError(f"{path} did not answer with a JSON object; it cannot be paginated.")
    if key is not None:
        items = body.get(key)
        if not isinstance(items, list):
            raise KalshiError(f"{path} has no list field {key!r}; its fields are {sorted(body)}.")
        return items
    lists = [name for name, value in body.items() if isinstance(value, list)]
    if len(lists) != 1:
        raise KalshiError(
            f"cannot tell which field of {path} holds the items ({sorted(lists) or 'none'}); "
            "pass key=…."
        )
    found: list[Any] = body[lists[0]]
    return found
