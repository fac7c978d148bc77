"""One simulated exchange (the core), several transports holding it: HTTP and ``responses``."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from requests_kalshi import ConfigurationError
from requests_kalshi.testing import KalshiMock, LocalExchange, SimulatedExchange

from .orders import v2_order

ORDER = v2_order(client_order_id="shared-1")


@pytest.mark.parametrize("transport", [LocalExchange, KalshiMock])
def test_transports_hold_a_core_instead_of_being_one(transport: type[Any]) -> None:
    assert not issubclass(transport, SimulatedExchange)
    front = transport(key_type="ed25519", balance=500)
    assert isinstance(front.core, SimulatedExchange)
    assert front.balance == 500 == front.core.balance
    assert front.key_id == front.core.key_id
    assert front.state is front.core.state


def test_two_transports_serve_one_account() -> None:
    core = SimulatedExchange(key_type="ed25519")
    core.fail_next(2, status=503, path="/portfolio/balance")
    with LocalExchange(core=core) as ex, ex.session(retries=0) as s:
        assert s.get("/portfolio/balance", timeout=5).status_code == 503
    with KalshiMock(core=core) as kalshi, kalshi.session(retries=0) as s:
        assert s.get("/portfolio/balance").status_code == 503  # the fault planned once
        assert s.get("/portfolio/balance").status_code == 200
    assert [(r.status, r.fault) for r in core.requests] == [(503, "fail"), (503, "fail"), (200, "")]
    assert ex.requests == kalshi.requests == core.requests


def test_the_testing_api_acts_on_the_core() -> None:
    ex = LocalExchange(key_type="ed25519")
    ex.clock_offset = 30
    ex.timestamp_window = 9
    assert (ex.core.clock_offset, ex.core.timestamp_window) == (30, 9)
    assert (ex.clock_offset, ex.timestamp_window) == (30, 9)
    assert abs(ex.now() - ex.core.now()) < 1
    ex.fail_next(status=503)
    ex.drop_next()
    ex.delay_next(seconds=0.01)
    ex.clear_faults()
    ex.clear_requests()
    assert ex.private_key_pem() == ex.core.private_key_pem()
    # Public names the front does not list are the core's too; private ones are not.
    assert ex.websocket_handshake.__self__ is ex.core
    with pytest.raises(AttributeError):
        ex._keys  # noqa: B018
    with pytest.raises(AttributeError):
        ex.no_such_thing  # noqa: B018


def test_the_fronts_methods_are_the_cores_to_the_signature() -> None:
    from requests_kalshi.testing.front import ExchangeFront

    methods = [
        name
        for name, member in vars(ExchangeFront).items()
        if not name.startswith("_") and inspect.isfunction(member)
    ]
    assert {"fail_next", "delay_next", "drop_next", "watch_requests", "now"} <= set(methods)
    for name in methods:
        core_method = getattr(SimulatedExchange, name)
        front_method = getattr(ExchangeFront, name)
        assert inspect.signature(front_method) == inspect.signature(core_method), name
        assert front_method.__doc__ == core_method.__doc__, name


@pytest.mark.parametrize("transport", [LocalExchange, KalshiMock])
def test_core_and_options_are_exclusive(transport: type[Any]) -> None:
    core = SimulatedExchange(key_type="ed25519")
    with pytest.raises(ConfigurationError, match="either core= or exchange options"):
        transport(core=core, balance=5)
    with pytest.raises(ConfigurationError, match="unknown exchange option"):
        transport(key_type="ed25519", balanse=5)
    with pytest.raises(ConfigurationError, match="core must be a SimulatedExchange"):
        transport(core=object())


def test_request_watchers_see_each_answer_and_cannot_break_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[tuple[str, int | None]] = []

    def broken(record: Any) -> None:
        raise RuntimeError("listener bug")

    with KalshiMock(key_type="ed25519") as kalshi, kalshi.session(retries=0) as s:
        stop = kalshi.watch_requests(lambda r: seen.append((r.path, r.status)))
        stop_broken = kalshi.core.watch_requests(broken)
        with caplog.at_level("ERROR", logger="requests_kalshi"):
            assert s.get("/exchange/status").status_code == 200
        assert "a request listener failed" in caplog.text
        stop()
        stop()  # a second stop does nothing
        stop_broken()
        s.get("/exchange/status")
    assert seen == [("/trade-api/v2/exchange/status", 200)]
