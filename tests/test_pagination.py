"""``KalshiSession.paginate``: cursors, guards, and every page signed, retried and checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import (
    ConfigurationError,
    KalshiAuth,
    KalshiError,
    KalshiSession,
    NotFoundError,
    RetryPolicy,
    ServerError,
)
from requests_kalshi.testing import LocalExchange

from .conftest import KEY_ID
from .loopback import LoopbackServer, Received, Reply, json_reply
from .scripted import ScriptedServer, ticking_clock

ITEMS = [f"M{n}" for n in range(10)]
TOO_MANY = json_reply(429, {"error": "too many requests"})


def query(received: Received) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(received.target).query).items()}


def pages(last_cursor: Any = "", size: int = 4) -> Any:
    """Serves ``ITEMS`` ``size`` at a time; the cursor is the next offset as text."""

    def respond(received: Received) -> Reply:
        start = int(query(received).get("cursor", "0"))
        body: dict[str, Any] = {"markets": ITEMS[start : start + size]}
        following = start + size
        if following < len(ITEMS):
            body["cursor"] = str(following)
        elif last_cursor is not ...:
            body["cursor"] = last_cursor
        return json_reply(200, body)

    return respond


@pytest.fixture
def auth(ed_key: ed25519.Ed25519PrivateKey) -> KalshiAuth:
    return KalshiAuth(KEY_ID, ed_key, clock=ticking_clock())


def serve(ed_key: ed25519.Ed25519PrivateKey, *steps: Any) -> ScriptedServer:
    return ScriptedServer(ed_key.public_key(), KEY_ID, list(steps))


@pytest.mark.parametrize("last_cursor", ["", None, ...], ids=["empty", "null", "missing"])
def test_walks_every_page_until_the_cursor_ends(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth, last_cursor: Any
) -> None:
    respond = pages(last_cursor)
    with serve(ed_key, respond, respond, respond, respond).running() as server:
        s = KalshiSession(server.url, auth=auth)
        items = list(s.paginate("/markets", params={"status": "open", "cursor": "stale"}))
    assert items == ITEMS
    assert [query(r).get("cursor") for r in server.received] == [None, "4", "8"]
    assert all(query(r)["status"] == "open" for r in server.received)
    assert {r.path for r in server.received} == {"/trade-api/v2/markets"}
    assert None not in server.timestamps()  # every page signed, for the path without query


def test_a_page_answered_429_is_retried_with_a_fresh_signature(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    respond = pages()
    sleeps: list[float] = []
    with serve(ed_key, respond, TOO_MANY, respond, respond).running() as server:
        s = KalshiSession(server.url, auth=auth, sleep=sleeps.append, jitter=lambda: 0.0)
        assert list(s.paginate("/markets")) == ITEMS
    assert [query(r).get("cursor") for r in server.received] == [None, "4", "4", "8"]
    stamps = server.timestamps()
    assert None not in stamps
    assert len(set(stamps)) == 4
    assert sleeps == [0.0]


def test_limit_and_max_pages(ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth) -> None:
    respond = pages()
    with serve(ed_key, *[respond] * 10).running() as server:
        s = KalshiSession(server.url, auth=auth)
        assert list(s.paginate("/markets", limit=6)) == ITEMS[:6]
        assert len(server.received) == 2  # the second page had what was missing
        assert query(server.received[0])["limit"] == "6"  # also asked as the page size
        assert list(s.paginate("/markets", max_pages=2)) == ITEMS[:8]
        assert len(server.received) == 4
        assert list(s.paginate("/markets", params={"limit": 4}, limit=5000)) == ITEMS
        assert query(server.received[-1])["limit"] == "4"  # the caller's page size wins
        assert list(s.paginate("/markets", limit=5000, max_pages=1)) == ITEMS[:4]
        assert query(server.received[-1])["limit"] == "1000"  # Kalshi's maximum page size


def test_a_server_repeating_its_cursor_is_stopped(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    same = json_reply(200, {"markets": [1], "cursor": "abc"})
    with serve(ed_key, same, same, same).running() as server:
        s = KalshiSession(server.url, auth=auth)
        walked = s.paginate("/markets")
        assert next(walked) == 1
        assert next(walked) == 1
        with pytest.raises(KalshiError, match="answered the cursor it was sent"):
            next(walked)
    assert len(server.received) == 2


def test_an_error_page_raises_the_typed_error_after_retries(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    respond = pages()
    failing = json_reply(503, {"error": {"code": "unavailable", "message": "down"}})
    with serve(ed_key, respond, failing, failing).running() as server:
        s = KalshiSession(server.url, auth=auth, sleep=lambda _: None, retry=RetryPolicy(total=1))
        walked = s.paginate("/markets")
        assert [next(walked) for _ in range(4)] == ITEMS[:4]
        with pytest.raises(ServerError):
            next(walked)
    assert len(server.received) == 3


@pytest.mark.parametrize(
    "options",
    [{"limit": 0}, {"limit": True}, {"limit": 2.5}, {"max_pages": 0}, {"max_pages": "3"}],
)
def test_bad_guards(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="must be a whole number"):
        next(KalshiSession("demo").paginate("/markets", **options))


def test_the_list_field_must_be_known(ed_key: ed25519.Ed25519PrivateKey) -> None:
    replies = LoopbackServer(lambda r: json_reply(200, {"a": [1], "b": [2], "cursor": ""}))
    with replies.running():
        s = KalshiSession(replies.url + "/trade-api/v2", auth=KalshiAuth(KEY_ID, ed_key))
        with pytest.raises(KalshiError, match="pass key="):
            next(s.paginate("/x"))
        with pytest.raises(KalshiError, match="no list field 'c'"):
            next(s.paginate("/x", key="c"))
        assert list(s.paginate("/x", key="b")) == [2]
    other = LoopbackServer(lambda r: json_reply(200, [1, 2]))
    with other.running():
        s = KalshiSession(other.url + "/trade-api/v2")
        with pytest.raises(KalshiError, match="not answer with a JSON object"):
            next(s.paginate("/x"))


@pytest.fixture
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as ex:
        yield ex


def test_local_exchange_markets_across_pages(exchange: LocalExchange) -> None:
    s = exchange.session()
    tickers = [m["ticker"] for m in s.paginate("/markets", params={"limit": 10})]
    assert len(tickers) == len(set(tickers)) == 27
    walked = [r for r in exchange.requests if r.path.endswith("/markets")]
    assert len(walked) == 3
    assert all(r.auth == "ok" for r in walked)
    assert len(list(s.paginate("/markets", params={"limit": 5}, max_pages=3))) == 15
    with pytest.raises(NotFoundError):
        next(s.paginate("/nothing-here"))
