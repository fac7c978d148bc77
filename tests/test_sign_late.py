"""Every attempt is signed after every wait (rate limiter, backoff, Retry-After), right before
it is sent; clock offsets are measured from the moment of sending, not of queueing."""

from __future__ import annotations

import threading
import time

import requests
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import KalshiAuth, KalshiSession
from requests_kalshi.testing import LocalExchange

from .conftest import KEY_ID
from .loopback import LoopbackServer, Received, Reply, json_reply
from .scripted import OK, signature_of

WINDOW = 0.5  # seconds the local exchange accepts a timestamp off its clock


class QueueingLimiter:
    """A client-side limiter that lets one request through every ``interval`` seconds."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.lock = threading.Lock()
        self.next_free = 0.0

    def acquire(self, method: str, path: str) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_free)
            self.next_free = start + self.interval
        time.sleep(start - now)


def test_requests_queued_longer_than_the_window_are_accepted() -> None:
    limiter = QueueingLimiter(0.15)  # 8 requests: the last one waits about 1 s > WINDOW
    with LocalExchange(key_type="ed25519", timestamp_window=WINDOW) as exchange:
        s = exchange.session(rate_limit=limiter, correct_clock=False, retries=0)
        statuses: list[int] = []

        def get() -> None:
            statuses.append(s.get("/portfolio/balance").status_code)

        threads = [threading.Thread(target=get) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 8


def test_a_clock_fix_retry_is_signed_after_it_queues_again() -> None:
    limiter = QueueingLimiter(2 * WINDOW)
    with LocalExchange(key_type="ed25519", timestamp_window=WINDOW) as exchange:
        auth = exchange.auth
        auth.clock_offset = -60.0  # refused first: corrected, then queued again
        s = exchange.session(rate_limit=limiter, retries=0)
        limiter.acquire("GET", "/")  # the next acquire waits a full interval
        assert s.get("/portfolio/balance").status_code == 200


def test_a_retry_after_wait_is_followed_by_a_fresh_signature(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    answers: list[Reply] = [
        json_reply(503, {"error": {"code": "service_unavailable"}}, {"Retry-After": "1"})
    ]

    def respond(received: Received) -> Reply:
        stamp = signature_of(received, ed_key.public_key(), KEY_ID)
        if answers:
            return answers.pop()
        if stamp is None or abs(stamp / 1000 - time.time()) > WINDOW:
            return json_reply(401, {"error": {"code": "header_timestamp_expired"}})
        return OK

    with LoopbackServer(respond).running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, ed_key), correct_clock=False)
        assert s.get("/markets").status_code == 200
    assert len(server.received) == 2


def test_sync_clock_does_not_take_queueing_for_skew() -> None:
    limiter = QueueingLimiter(2.0)
    with LocalExchange(key_type="ed25519") as exchange:
        s = exchange.session(rate_limit=limiter)
        limiter.acquire("GET", "/")  # sync_clock's request queues for 2 s
        offset = s.sync_clock()
    # Date has whole seconds: a right measure is within about half a second of 0.
    assert abs(offset) < 1.0


def test_a_prepared_request_is_signed_when_sent() -> None:
    with LocalExchange(key_type="ed25519", timestamp_window=WINDOW) as exchange:
        s = exchange.session()
        prepared = s.prepare_request(requests.Request("GET", "/portfolio/balance"))
        time.sleep(2 * WINDOW)
        assert s.send(prepared).status_code == 200


def test_requests_paced_by_the_real_rate_limiter_are_accepted() -> None:
    # 10 tokens a request, 40 tokens a second, a burst of one request: 6 threads queue for up
    # to 1.25 s, far longer than the 0.5 s window.
    limit = {"read_per_second": 40, "write_per_second": 40, "read_burst": 10, "write_burst": 10}
    with LocalExchange(key_type="ed25519", timestamp_window=WINDOW) as exchange:
        s = exchange.session(rate_limit=limit, correct_clock=False, retries=0)
        statuses: list[int] = []
        threads = [
            threading.Thread(target=lambda: statuses.append(s.get("/markets").status_code))
            for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 6


def test_a_request_signed_elsewhere_is_signed_again_when_sent() -> None:
    seen: list[int] = []

    def count(response: requests.Response, **kwargs: object) -> requests.Response:
        seen.append(response.status_code)
        return response

    with LocalExchange(key_type="ed25519", timestamp_window=WINDOW) as exchange:
        prepared = requests.Request(
            "GET", exchange.url + "/portfolio/balance", hooks={"response": [count]}
        ).prepare()
        exchange.auth(prepared)  # signed now, by a plain auth, after a hook of the caller's
        time.sleep(2 * WINDOW)
        assert exchange.session().send(prepared).status_code == 200
    assert seen == [200]
