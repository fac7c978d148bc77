"""What every endpoint handler of the local exchange shares: the call, paging, reading bodies.

A handler takes the exchange (anything with an :class:`~.state.ExchangeState` at ``.state``
and a ``now()`` clock) and one :class:`Call`, and answers ``(status, body)``; refusals are
raised as :class:`~.state.Rejection`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from . import views
from .engine import Engine
from .records import OrderError
from .state import ExchangeState, Rejection, bad_request, rejection

__all__ = [
    "Call",
    "Exchange",
    "Handler",
    "comma_list",
    "engine_of",
    "one_page",
    "read_body",
    "refused_as_answers",
    "status_filter",
    "timestamp",
    "ts_ms",
]

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


@dataclass
class Call:
    """One request as a handler sees it: the query (first values), body and path parameters."""

    method: str
    query: dict[str, str]
    body: bytes
    params: tuple[str, ...]


class Exchange(Protocol):
    """What a handler needs of the exchange."""

    state: ExchangeState

    def now(self) -> float:
        """The exchange's clock, Unix seconds."""


Handler = Callable[[Any, Call], tuple[int, Any]]
T = TypeVar("T")


def engine_of(ex: Exchange) -> Engine:
    """The matching engine of ``ex``."""
    return ex.state.engine


def one_page(items: Sequence[T], query: Mapping[str, str]) -> tuple[list[T], str]:
    """One page of ``items`` by the ``limit`` and ``cursor`` of ``query``, and the next cursor.

    :raises Rejection: Kalshi's bare 400 ``{"msg": ...}`` for a limit outside 1..1000; 400 for
        a cursor this exchange did not give.
    """
    raw_limit = query.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise Rejection(400, {"msg": f"limit must be between 1 and {MAX_LIMIT}"})
    limit = int(raw_limit)
    start = _decode_cursor(query.get("cursor", ""))
    end = start + limit
    return list(items[start:end]), _encode_cursor(end) if end < len(items) else ""


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode("ascii")


def _decode_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (ValueError, binascii.Error):
        text = ""
    prefix, _, number = text.partition(":")
    if prefix != "offset" or not number.isdigit():
        raise bad_request("cursor is not one this exchange returned")
    return int(number)


def read_body(call: Call) -> Any:
    """The JSON body of ``call``.

    :raises Rejection: Kalshi's flat 400 ``bad_request`` for a body that is not JSON.
    """
    try:
        return json.loads(call.body or b"null")
    except ValueError:
        raise Rejection(
            400,
            {"code": "bad_request", "message": "bad request", "details": "body is not JSON"},
        ) from None


def comma_list(query: Mapping[str, str], name: str) -> set[str]:
    """The comma-separated values of ``name`` in ``query``."""
    return {part for part in query.get(name, "").split(",") if part}


def status_filter(query: Mapping[str, str]) -> set[str]:
    """The market states a ``status`` filter names.

    :raises Rejection: 400 for a status that is not a filter value.
    """
    wanted = comma_list(query, "status")
    unknown = wanted - set(views.MARKET_STATUS)
    if unknown:
        raise bad_request(f"status must be among {', '.join(views.MARKET_STATUS)}")
    return wanted


def timestamp(query: Mapping[str, str], name: str) -> float | None:
    """``name`` of ``query`` as Unix seconds, or ``None`` when absent.

    :raises Rejection: 400 for anything but digits.
    """
    raw = query.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise bad_request(f"{name} must be Unix seconds")
    return float(raw)


def ts_ms(ex: Exchange) -> int:
    """The exchange's clock in Unix milliseconds, for ``ts_ms``."""
    return int(ex.now() * 1000)


def refused_as_answers(action: Callable[[], T]) -> T:
    """Run ``action``; an :class:`OrderError` it raises becomes the exchange's answer."""
    try:
        return action()
    except OrderError as error:
        raise rejection(error) from None
