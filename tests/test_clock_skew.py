"""Clock-skew recovery: a refused timestamp corrects ``clock_offset`` and is retried once."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519
from requests.adapters import HTTPAdapter

from requests_kalshi import (
    ConfigurationError,
    KalshiAuth,
    KalshiSession,
    TimestampExpiredError,
    session,
)
from requests_kalshi.testing import LocalExchange

from .conftest import KEY_ID
from .loopback import LoopbackServer, Received, Reply, json_reply
from .scripted import OK, PublicKey, ScriptedServer, signature_of

EXPIRED = json_reply(401, {"error": {"code": "header_timestamp_expired", "message": "expired"}})
BAD_SIGNATURE = json_reply(
    401, {"error": {"code": "authentication_error", "details": "INCORRECT_API_KEY_SIGNATURE"}}
)
WINDOW = 5.0  # seconds; Kalshi's real window is somewhere between 5 and 30 s


def window_check(public_key: PublicKey, window: float = WINDOW) -> Callable[[Received], Reply]:
    """A responder that verifies the signature, then checks the timestamp against its clock.

    ``BaseHTTPRequestHandler`` sends a ``Date`` header from the server's own clock with every
    reply, as Kalshi does.
    """

    def respond(received: Received) -> Reply:
        stamp = signature_of(received, public_key, KEY_ID)
        if stamp is None:
            return BAD_SIGNATURE
        if abs(stamp / 1000 - time.time()) > window:
            return EXPIRED
        return OK

    return respond


@pytest.fixture
def behind(ed_key: ed25519.Ed25519PrivateKey) -> KalshiAuth:
    """An auth whose clock is two minutes behind the server's."""
    return KalshiAuth(KEY_ID, ed_key, clock_offset=-120.0)


def test_stale_timestamp_is_corrected_and_retried_exactly_once(
    ed_key: ed25519.Ed25519PrivateKey, behind: KalshiAuth, caplog: pytest.LogCaptureFixture
) -> None:
    server = ScriptedServer(ed_key.public_key(), KEY_ID, [window_check(ed_key.public_key())] * 3)
    with server.running(), caplog.at_level(logging.WARNING, logger="requests_kalshi"):
        s = KalshiSession(server.url, auth=behind)
        assert s.get("/portfolio/balance").status_code == 200
        first, second = server.timestamps()
        assert first is not None  # both attempts carry a valid signature
        assert second is not None
        assert second - first > 100_000  # the retry's timestamp moved ~120 s ahead
        assert abs(behind.clock_offset) < 1.6  # -120 + ~120: in step with the server
        assert s.get("/portfolio/balance").ok
        assert len(server.received) == 3  # later requests need no second try
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert re.search(r"clock is off by \+1(19|20|21)\.\d s", warnings[0].getMessage())


def test_a_post_is_retried_too_because_the_server_refused_it(
    ed_key: ed25519.Ed25519PrivateKey, behind: KalshiAuth
) -> None:
    server = ScriptedServer(ed_key.public_key(), KEY_ID, [window_check(ed_key.public_key())] * 2)
    with server.running():
        s = KalshiSession(server.url, auth=behind)
        r = s.post("/portfolio/orders", json={"client_order_id": "c1"})
        assert r.status_code == 200
    assert [x.method for x in server.received] == ["POST", "POST"]
    assert [x.body for x in server.received] == [b'{"client_order_id": "c1"}'] * 2


def test_a_second_refusal_is_returned_not_retried_again(
    ed_key: ed25519.Ed25519PrivateKey, behind: KalshiAuth
) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID, [EXPIRED] * 5).running() as server:
        s = KalshiSession(server.url, auth=behind)
        assert s.get("/portfolio/balance").status_code == 401
    assert len(server.received) == 2


def test_a_body_that_cannot_be_rewound_is_not_sent_twice(
    ed_key: ed25519.Ed25519PrivateKey, behind: KalshiAuth
) -> None:
    def body() -> Iterator[bytes]:
        yield b"{}"

    with ScriptedServer(ed_key.public_key(), KEY_ID, [EXPIRED] * 2).running() as server:
        s = KalshiSession(server.url, auth=behind)
        assert s.post("/portfolio/orders", data=body()).status_code == 401
    assert len(server.received) == 1
    assert behind.clock_offset == -120.0


class NoDateAdapter(HTTPAdapter):
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = super().send(request, **kwargs)
        del response.headers["Date"]
        return response


def test_without_a_date_header_nothing_is_guessed(
    ed_key: ed25519.Ed25519PrivateKey, behind: KalshiAuth
) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID, [EXPIRED] * 2).running() as server:
        s = KalshiSession(server.url, auth=behind)
        s.mount("http://", NoDateAdapter())
        assert s.get("/portfolio/balance").status_code == 401
    assert len(server.received) == 1
    assert behind.clock_offset == -120.0


def test_threads_refused_together_agree_on_one_offset(
    ed_key: ed25519.Ed25519PrivateKey, behind: KalshiAuth
) -> None:
    """Eight requests signed with the stale clock are all refused; the fixes must not add up."""
    threads = 8
    barrier = threading.Barrier(threads, timeout=10)
    check = window_check(ed_key.public_key())

    def together(received: Received) -> Reply:
        barrier.wait()  # every thread's first request is signed before any answer arrives
        return check(received)

    server = ScriptedServer(ed_key.public_key(), KEY_ID, [together] * threads + [check] * threads)
    statuses: list[int] = []
    errors: list[BaseException] = []
    with server.running():
        s = KalshiSession(server.url, auth=behind)

        def worker() -> None:
            try:
                statuses.append(s.get("/portfolio/balance").status_code)
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    assert errors == []
    assert statuses == [200] * threads
    assert len(server.received) == 2 * threads
    assert abs(behind.clock_offset) < 1.6  # not -120 + 8 × 120


@pytest.fixture
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as ex:
        yield ex


def test_local_exchange_stale_timestamp_is_corrected(exchange: LocalExchange) -> None:
    exchange.auth.clock_offset = -120.0  # the local clock is two minutes behind
    s = exchange.session()
    assert s.get("/portfolio/balance").status_code == 200
    assert [x.auth for x in exchange.requests] == ["expired", "ok"]
    assert abs(exchange.auth.clock_offset) < 1.6


def test_correct_clock_false_raises_the_diagnosis(exchange: LocalExchange) -> None:
    exchange.auth.clock_offset = -120.0
    s = exchange.session(correct_clock=False, raise_errors=True)
    with pytest.raises(TimestampExpiredError) as info:
        s.get("/portfolio/balance")
    assert info.value.clock_offset is not None
    assert 118 < info.value.clock_offset < 122
    assert len(exchange.requests) == 1


def test_sync_clock(exchange: LocalExchange) -> None:
    exchange.clock_offset = 60.0  # the server is a minute ahead
    s = exchange.session()
    offset = s.sync_clock()
    assert 58.4 < offset < 61.6
    assert exchange.auth.clock_offset == offset
    assert s.get("/portfolio/balance").ok
    assert exchange.requests[-1].auth == "ok"
    with pytest.raises(ConfigurationError, match="needs a session with a KalshiAuth"):
        session(exchange.url, environ={}).sync_clock()


def test_sync_clock_without_date_header(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with LoopbackServer().running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, ed_key))
        s.mount("http://", NoDateAdapter())
        with pytest.raises(ConfigurationError, match="no usable Date header"):
            s.sync_clock()


def test_other_401s_are_returned_untouched(
    ed_key: ed25519.Ed25519PrivateKey, behind: KalshiAuth
) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID, [BAD_SIGNATURE] * 2).running() as server:
        s = KalshiSession(server.url, auth=behind)
        assert s.get("/portfolio/balance").status_code == 401
    assert len(server.received) == 1
    assert behind.clock_offset == -120.0
