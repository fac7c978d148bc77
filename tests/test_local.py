"""``session("local")`` and ``KALSHI_ENV=local``: a session bound to its own local exchange."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from requests_kalshi import ConfigurationError, KalshiAuth, KalshiSession, session
from requests_kalshi.environments import resolve_environment
from requests_kalshi.errors import UnknownEnvironmentError
from requests_kalshi.local import LocalSession
from requests_kalshi.testing import ExchangeNotRunningError, LocalExchange

from .conftest import KEY_ID
from .orders import V2_ORDERS, v2_order
from .verifier import assert_signed

ROOT = Path(__file__).resolve().parent.parent
KEY_VARIABLES = ("KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH", "KALSHI_PRIVATE_KEY")


def exchange_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("LocalExchange:")}


@pytest.fixture(autouse=True)
def no_leaked_exchange() -> Iterator[None]:
    before = exchange_threads()
    yield
    gc.collect()
    assert exchange_threads() <= before, "a local exchange outlived its test"


def local(env: str = "local", **options: Any) -> LocalSession:
    s = session(env, **options)
    assert isinstance(s, LocalSession)
    return s


def running(exchange: LocalExchange) -> bool:
    try:
        exchange.url  # noqa: B018 - raises when it is not running
    except ExchangeNotRunningError:
        return False
    return True


def test_local_session_talks_to_its_own_exchange() -> None:
    with session("local") as s:
        assert isinstance(s, LocalSession)
        assert isinstance(s, KalshiSession)
        assert s.base_url == s.exchange.url
        assert s.base_url.startswith("http://127.0.0.1:")
        assert s.auth is s.exchange.auth
        balance = s.get("/portfolio/balance").json()
        assert (balance["balance"], balance["balance_dollars"]) == (100000, "1000.0000")
        seen = s.exchange.requests[-1]
        assert seen.auth == "ok"
        assert_signed(
            s.exchange.auth.public_key,
            seen.headers,
            "GET",
            "/trade-api/v2/portfolio/balance",
            s.exchange.key_id,
        )
        exchange = s.exchange
        assert running(exchange)
    assert not running(exchange)


def test_close_stops_the_exchange_and_requests_then_fail() -> None:
    s = local(retries=0)
    url = s.base_url
    s.close()
    assert not running(s.exchange)
    s.close()  # a second close is harmless
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/exchange/status", timeout=2)


def test_a_forgotten_session_does_not_leak_its_exchange() -> None:
    s = local()
    exchange = s.exchange
    assert running(exchange)
    del s
    gc.collect()
    assert not running(exchange)


def test_at_exit_the_exchanges_of_open_sessions_are_stopped() -> None:
    from requests_kalshi.local import _stop_open_exchanges

    s = local()
    with local() as closed:
        pass
    _stop_open_exchanges()  # what runs before threading joins threads at exit
    assert not running(s.exchange)
    assert not running(closed.exchange)
    s.close()


def test_each_local_session_has_a_fresh_exchange() -> None:
    with local() as first, local(" LOCAL ") as second:
        assert first.exchange is not second.exchange
        assert first.base_url != second.base_url
        first.post(V2_ORDERS, json=v2_order()).raise_for_status()
        assert first.get("/portfolio/orders").json()["orders"]
        assert second.get("/portfolio/orders").json()["orders"] == []


def test_the_exchange_is_reachable_through_the_session() -> None:
    with local(retries=0) as s:
        s.exchange.fail_next(status=503)
        assert s.get("/exchange/status").status_code == 503
        assert s.get("/exchange/status").status_code == 200


def test_kalshi_env_local_ignores_key_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    environ = {
        "KALSHI_ENV": "local",
        "KALSHI_API_KEY_ID": "meant-for-demo",
        "KALSHI_PRIVATE_KEY_PATH": "/no/such/demo-key.pem",
    }
    with session(environ=environ) as s:
        assert isinstance(s, LocalSession)
        assert s.get("/portfolio/balance").status_code == 200
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with session() as s:
        assert isinstance(s, LocalSession)
        assert s.get("/portfolio/balance").status_code == 200


def test_given_credentials_are_registered_with_the_exchange(
    rsa_key: rsa.RSAPrivateKey, rsa_key_file: Path
) -> None:
    with local(key_id=KEY_ID, private_key=rsa_key_file) as s:
        assert isinstance(s.auth, KalshiAuth)
        assert s.auth.key_id == KEY_ID
        assert s.get("/portfolio/balance").status_code == 200
        seen = s.exchange.requests[-1]
        assert (seen.auth, seen.headers["KALSHI-ACCESS-KEY"]) == ("ok", KEY_ID)
        assert_signed(
            rsa_key.public_key(), seen.headers, "GET", "/trade-api/v2/portfolio/balance", KEY_ID
        )


def test_a_given_kalshi_auth_is_registered_too(ed_key: ed25519.Ed25519PrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    with local(auth=auth) as s:
        assert s.auth is auth
        assert s.get("/portfolio/balance").status_code == 200
        assert s.exchange.requests[-1].headers["KALSHI-ACCESS-KEY"] == KEY_ID


def test_an_auth_that_is_not_kalshis_is_refused_before_starting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def start(self: LocalExchange) -> LocalExchange:
        raise AssertionError("started an exchange for a session it refuses")

    monkeypatch.setattr(LocalExchange, "start", start)
    with pytest.raises(ConfigurationError, match="HTTPBasicAuth is not one"):
        session("local", auth=requests.auth.HTTPBasicAuth("user", "pass"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": -1}, "timeout must be a finite number of seconds"),
        ({"rate_limit": "no-such-tier"}, "no-such-tier"),
        ({"key_id": KEY_ID}, "private_key is missing"),
    ],
)
def test_bad_options_leave_no_exchange_running(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        session("local", **options)


def test_local_is_not_a_place_for_resolve_environment() -> None:
    for make in (resolve_environment, KalshiSession):
        with pytest.raises(UnknownEnvironmentError, match=r"session\('local'\) starts a fresh"):
            make("local")


def test_the_testing_kit_is_imported_only_for_local() -> None:
    code = (
        "import sys\n"
        "from requests_kalshi import session\n"
        "session('demo').close()\n"
        "assert 'requests_kalshi.testing' not in sys.modules, 'imported for demo'\n"
        "s = session('local')\n"
        "assert 'requests_kalshi.testing' in sys.modules\n"
        "assert s.get('/exchange/status').ok\n"
        "print('exits without close()')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALSHI_")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "exits without close()\n"
    assert result.stderr == ""
