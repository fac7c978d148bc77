"""``paginate(..., on_page=...)``: a sign of life for each page of a long walk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from requests_kalshi import ConfigurationError
from requests_kalshi.pagination import paginate
from requests_kalshi.sessions import KalshiSession
from requests_kalshi.testing import LocalExchange


@pytest.fixture(scope="module")
def s() -> Iterator[KalshiSession]:
    with LocalExchange(key_type="ed25519") as exchange, exchange.session() as s:
        yield s


def test_each_page_is_reported_before_its_items(s: KalshiSession) -> None:
    total = len(s.get("/markets", params={"limit": 1000}).json()["markets"])
    assert total > 20  # the seeded catalog: at least three pages of 10
    sizes = [min(10, total - start) for start in range(0, total, 10)]
    events: list[tuple[str, object]] = []
    responses: list[requests.Response] = []

    def on_page(page: int, items: int, response: requests.Response) -> None:
        events.append(("page", (page, items)))
        responses.append(response)

    for market in s.paginate("/markets", params={"limit": 10}, on_page=on_page):
        events.append(("item", market["ticker"]))
    pages = [value for kind, value in events if kind == "page"]
    assert pages == [(n + 1, sum(sizes[: n + 1])) for n in range(len(sizes))]
    # Each page's event comes right before its items.
    starts = [i for i, (kind, _) in enumerate(events) if kind == "page"]
    assert starts == [sum(sizes[:n]) + n for n in range(len(sizes))]
    assert [len(r.json()["markets"]) for r in responses] == sizes
    urls = [r.request.url or "" for r in responses]
    assert ["cursor=" in url for url in urls] == [False] + [True] * (len(sizes) - 1)


def test_items_counts_only_what_is_yielded(s: KalshiSession) -> None:
    seen: list[tuple[int, int]] = []
    markets = list(
        paginate(
            s,
            "/markets",
            params={"limit": 10},
            limit=15,
            on_page=lambda page, items, response: seen.append((page, items)),
        )
    )
    assert len(markets) == 15
    assert seen == [(1, 10), (2, 15)]
    seen.clear()
    assert len(list(s.paginate("/markets", limit=5, on_page=lambda *a: seen.append(a[:2])))) == 5
    assert seen == [(1, 5)]
    seen.clear()
    pages = s.paginate(
        "/markets", params={"limit": 5}, max_pages=2, on_page=lambda *a: seen.append(a[:2])
    )
    assert len(list(pages)) == 10
    assert seen == [(1, 5), (2, 10)]


class Stop(Exception):
    pass


def test_an_error_in_the_callback_ends_the_walk(s: KalshiSession) -> None:
    def on_page(page: int, items: int, response: requests.Response) -> None:
        if page == 2:
            raise Stop

    walked: list[str] = []
    markets = s.paginate("/markets", params={"limit": 10}, on_page=on_page)
    with pytest.raises(Stop):
        walked.extend(market["ticker"] for market in markets)
    assert len(walked) == 10


def test_on_page_must_be_callable(s: KalshiSession) -> None:
    with pytest.raises(ConfigurationError, match="on_page must be a function"):
        next(s.paginate("/markets", on_page="tqdm"))  # type: ignore[arg-type]
