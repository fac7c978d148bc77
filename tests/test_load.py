"""Load: one ``KalshiSession`` shared by many threads; every request arrives, validly signed."""

from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from requests_kalshi import KalshiAuth, KalshiSession

from .conftest import KEY_ID
from .scripted import ScriptedServer


@pytest.mark.parametrize(("key_type", "threads", "each"), [("ed25519", 8, 200), ("rsa", 4, 25)])
def test_one_session_many_threads(
    ed_key: ed25519.Ed25519PrivateKey,
    rsa_key: rsa.RSAPrivateKey,
    key_type: str,
    threads: int,
    each: int,
) -> None:
    key = ed_key if key_type == "ed25519" else rsa_key
    errors: list[BaseException] = []
    statuses: list[int] = []
    with ScriptedServer(key.public_key(), KEY_ID).running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, key))

        def worker(n: int) -> None:
            try:
                for i in range(each):
                    method = "GET" if i % 2 else "POST"
                    statuses.append(s.request(method, f"/markets/T{n}-{i}").status_code)
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        stamps = server.timestamps()
    assert errors == []
    assert statuses == [200] * (threads * each)
    assert len(server.received) == threads * each
    assert None not in stamps  # every signature verifies for its own method and path
    sent = {(r.method, r.path) for r in server.received}
    expected = {
        ("GET" if i % 2 else "POST", f"/trade-api/v2/markets/T{n}-{i}")
        for n in range(threads)
        for i in range(each)
    }
    assert sent == expected  # none lost, none duplicated, none mixed up between threads
