"""V2 order bodies for tests: a resting bid on a seeded market of the local exchange."""

from __future__ import annotations

from typing import Any

TICKER = "KXFED-26DEC-T4.25"
"""A seeded open market (bid 0.22, ask 0.24 with the default seed)."""
V2_ORDERS = "/portfolio/events/orders"


def v2_order(**fields: Any) -> dict[str, Any]:
    """A good-till-canceled bid for 1 contract at $0.10 (it rests), with ``fields`` changed."""
    body: dict[str, Any] = {
        "ticker": TICKER,
        "side": "bid",
        "count": "1",
        "price": "0.10",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    body.update(fields)
    return body
