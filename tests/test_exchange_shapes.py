"""Every answer of the local exchange has every field KALSHI_API_SHAPES.md requires, typed right.

Checked with tests/schema.py, a schema written by hand from the shapes file (not the
TypedDicts the exchange is built from). A whole trading day is played first, so that no list
is empty when it is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from requests_kalshi import KalshiSession
from requests_kalshi.testing import LocalExchange

from .schema import ANSWERS, MARKET, problems

TICKER = "KXFED-26DEC-T4.25"  # seeded 0.22 / 0.24
EVENT = "KXFED-26DEC"


def order(**fields: Any) -> dict[str, Any]:
    body = {
        "ticker": TICKER,
        "side": "bid",
        "count": "10",
        "price": "0.10",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    return {**body, **fields}


class Day:
    """The answers of one trading day, by endpoint, in the shapes file's words."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, Any]]] = {}

    def record(self, endpoint: str, response: Any) -> Any:
        self.answers.setdefault(endpoint, []).append((response.status_code, response.json()))
        return response.json()


@pytest.fixture(scope="module")
def day() -> Iterator[Day]:
    seen = Day()
    with LocalExchange(key_type="ed25519") as ex, ex.session(retries=0) as s:
        play(ex, s, seen)
        yield seen


def play(ex: LocalExchange, s: KalshiSession, day: Day) -> None:
    create = "POST /portfolio/events/orders"
    taken = day.record(create, s.post("/portfolio/events/orders", json=order(price="0.24")))
    assert taken["fill_count"] != "0.00"
    resting = day.record(create, s.post("/portfolio/events/orders", json=order()))
    oid = resting["order_id"]
    base = f"/portfolio/events/orders/{oid}"
    day.record(
        "POST /portfolio/events/orders/{order_id}/amend",
        s.post(
            f"{base}/amend", json={"ticker": TICKER, "side": "bid", "price": "0.23", "count": "12"}
        ),
    )
    day.record(
        "POST /portfolio/events/orders/{order_id}/decrease",
        s.post(f"{base}/decrease", json={"reduce_by": "2"}),
    )
    ex.put_liquidity(TICKER, "ask", "0.23", "3")  # fills the amended order partly
    batch = day.record(
        "POST /portfolio/events/orders/batched",
        s.post(
            "/portfolio/events/orders/batched",
            json={"orders": [order(price="0.05"), order(price="0.15"), order(price="1.50")]},
        ),
    )
    assert [("error" in item) for item in batch["orders"]] == [False, False, True]
    day.record(
        "DELETE /portfolio/events/orders/batched",
        s.delete(
            "/portfolio/events/orders/batched",
            json={"orders": [{"order_id": batch["orders"][0]["order_id"]}, {"order_id": "nope"}]},
        ),
    )
    day.record("DELETE /portfolio/events/orders/{order_id}", s.delete(base))
    s.post("/portfolio/events/orders", json=order(ticker="KXFED-26DEC-T3.25", price="0.90"))
    ex.settle_market("KXFED-26DEC-T3.25", "yes")
    gets = {
        "GET /exchange/status": "/exchange/status",
        "GET /exchange/schedule": "/exchange/schedule",
        "GET /markets": "/markets",
        "GET /markets/{ticker}": f"/markets/{TICKER}",
        "GET /markets/{ticker}/orderbook": f"/markets/{TICKER}/orderbook",
        "GET /markets/trades": "/markets/trades",
        "GET /events": "/events?with_nested_markets=true",
        "GET /events/{event_ticker}": f"/events/{EVENT}",
        "GET /series": "/series",
        "GET /series/{series_ticker}": "/series/KXFED",
        "GET /portfolio/balance": "/portfolio/balance",
        "GET /portfolio/positions": "/portfolio/positions",
        "GET /portfolio/fills": "/portfolio/fills",
        "GET /portfolio/settlements": "/portfolio/settlements",
        "GET /portfolio/orders": "/portfolio/orders",
        "GET /portfolio/orders/{order_id}": f"/portfolio/orders/{oid}",
    }
    for endpoint, path in gets.items():
        day.record(endpoint, s.get(path))


@pytest.mark.parametrize("endpoint", sorted(ANSWERS))
def test_every_answer_fits_the_shapes_file(day: Day, endpoint: str) -> None:
    answers = day.answers[endpoint]
    assert answers, f"{endpoint} was not exercised"
    for status, body in answers:
        assert status == (
            201
            if endpoint.startswith("POST /portfolio/events/orders")
            and not endpoint.endswith(("amend", "decrease"))
            else 200
        )
        assert problems(body, ANSWERS[endpoint]) == []


@pytest.mark.parametrize(
    ("endpoint", "key"),
    [
        ("GET /markets", "markets"),
        ("GET /markets/trades", "trades"),
        ("GET /events", "events"),
        ("GET /portfolio/positions", "market_positions"),
        ("GET /portfolio/positions", "event_positions"),
        ("GET /portfolio/fills", "fills"),
        ("GET /portfolio/settlements", "settlements"),
        ("GET /portfolio/orders", "orders"),
    ],
)
def test_no_list_was_checked_empty(day: Day, endpoint: str, key: str) -> None:
    assert day.answers[endpoint][0][1][key]


def test_nested_markets_are_checked_too(day: Day) -> None:
    events = day.answers["GET /events"][0][1]["events"]
    assert all(event["markets"] for event in events)


def test_integer_cent_fields_are_gone(day: Day) -> None:
    market = day.answers["GET /markets/{ticker}"][0][1]["market"]
    listed = day.answers["GET /portfolio/orders"][0][1]["orders"][0]
    fill = day.answers["GET /portfolio/fills"][0][1]["fills"][0]
    for old in ("yes_bid", "yes_ask", "no_bid", "no_ask", "last_price", "volume", "open_interest"):
        assert old not in market
    for old in ("yes_price", "no_price", "fill_count", "remaining_count", "side", "action"):
        assert old not in listed
    assert "count" not in fill


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"yes_bid_dollars": 0.56}, "is not a $"),
        ({"yes_bid_dollars": "0.56"}, "is not a $"),
        ({"volume_fp": "10"}, "is not a fp"),
        ({"created_time": "yesterday"}, "is not a time"),
        ({"result": "maybe"}, "is not one of"),
        ({"price_ranges": [{"start": "0.0000", "end": "1.0000"}]}, "step: missing"),
        ({"can_close_early": "true"}, "is not a bool"),
    ],
)
def test_the_schema_catches_a_wrong_market(
    day: Day, change: dict[str, Any], complaint: str
) -> None:
    market = dict(day.answers["GET /markets/{ticker}"][0][1]["market"], **change)
    found = problems(market, MARKET)
    assert len(found) == 1
    assert complaint in found[0]


def test_the_schema_catches_a_missing_field(day: Day) -> None:
    market = dict(day.answers["GET /markets/{ticker}"][0][1]["market"])
    del market["open_interest_fp"]
    assert problems(market, MARKET) == ["$.open_interest_fp: missing"]
    assert problems([], MARKET) == ["$: expected an object, got list"]
    assert problems({"markets": {}}, ANSWERS["GET /markets"])[0].endswith(
        "expected a list, got dict"
    )
