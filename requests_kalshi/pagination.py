"""Walking Kalshi's cursor-paginated list endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

from .api_errors import raise_for_kalshi
from .errors import ConfigurationError, KalshiError

__all__ = ["PageCallback", "paginate"]

MAX_PAGE_SIZE = 1000

PageCallback = Callable[[int, int, requests.Response], object]
"""``on_page(page, items, response)``: the page's number (from 1), the number of items
received so far (this page's included, at most ``limit``), and the page's response."""


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
    for name, value in (("limit", limit), ("max_pages", max_pages)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ConfigurationError(f"{name} must be a whole number ≥ 1 or None, not {value!r}.")
    if on_page is not None and not callable(on_page):
        raise ConfigurationError(
            f"on_page must be a function of (page, items, response), not {on_page!r}."
        )
    query = dict(params or {})
    query.pop("cursor", None)
    if limit is not None and "limit" not in query:
        query["limit"] = min(limit, MAX_PAGE_SIZE)
    yielded = pages = 0
    cursor: str | None = None
    while True:
        if cursor:
            query["cursor"] = cursor
        response = session.get(path, params=query, **request_options)
        raise_for_kalshi(response)
        body = response.json()
        pages += 1
        items = _items(body, key, path)
        if limit is not None:
            items = items[: limit - yielded]
        if on_page is not None:
            on_page(pages, yielded + len(items), response)
        for item in items:
            yield item
            yielded += 1
        if limit is not None and yielded >= limit:
            return
        sent, cursor = cursor, body.get("cursor")
        if not cursor or (max_pages is not None and pages >= max_pages):
            return
        if cursor == sent:
            raise KalshiError(
                f"{path} answered the cursor it was sent ({cursor!r}); stopping instead of "
                "asking for the same page forever."
            )


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
