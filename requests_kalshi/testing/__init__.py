"""Test your Kalshi code without Kalshi: a local exchange that checks signatures like Kalshi.

- :class:`LocalExchange`: a real HTTP server on 127.0.0.1 with Kalshi's authentication, today's
  API (market data, V2 orders matched on a seeded order book, portfolio) and fault injection.
- :class:`KalshiMock`: the same exchange behind ``responses``, for unit tests without sockets.
- pytest fixtures ``kalshi_exchange`` and ``kalshi_mock``: add
  ``pytest_plugins = ["requests_kalshi.testing.pytest_plugin"]`` to your ``conftest.py``.

>>> from requests_kalshi.testing import LocalExchange
>>> with LocalExchange(key_type="ed25519") as ex, ex.session() as s:
...     s.get("/markets", params={"limit": 1}).json()["markets"][0]["ticker"]
'KXHIGHNY-26NOV30-T38'
"""

from .authcheck import AuthVerdict, check_headers
from .catalog import seed_catalog, seed_markets
from .exchange import ExchangeNotRunningError, LocalExchange
from .limits import RateLimit
from .market import Event, Market, Series
from .mock import KalshiMock
from .simulator import RecordedRequest, SimulatedExchange

__all__ = [
    "AuthVerdict",
    "Event",
    "ExchangeNotRunningError",
    "KalshiMock",
    "LocalExchange",
    "Market",
    "RateLimit",
    "RecordedRequest",
    "Series",
    "SimulatedExchange",
    "check_headers",
    "seed_catalog",
    "seed_markets",
]
