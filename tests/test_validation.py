"""Numbers that cannot work are refused where they are given; clock corrections are bounded."""

from __future__ import annotations

import logging
import math
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import (
    ConfigurationError,
    KalshiAuth,
    KalshiSession,
    RetryPolicy,
    session,
)
from requests_kalshi.clock import MAX_CLOCK_CORRECTION
from requests_kalshi.testing import LocalExchange

from .conftest import KEY_ID

NOT_FINITE = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("value", NOT_FINITE)
def test_a_timeout_that_is_not_finite_is_refused(value: float) -> None:
    for timeout in (value, (value, 5.0), (5.0, value)):
        with pytest.raises(ConfigurationError, match="timeout"):
            KalshiSession("demo", timeout=timeout)
        with pytest.raises(ConfigurationError, match="timeout"):
            session("demo", timeout=timeout)


@pytest.mark.parametrize("value", NOT_FINITE)
def test_a_clock_offset_that_is_not_finite_is_refused(
    value: float, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    with pytest.raises(ConfigurationError, match="clock_offset"):
        KalshiAuth(KEY_ID, ed_key, clock_offset=value)
    auth = KalshiAuth(KEY_ID, ed_key)
    with pytest.raises(ConfigurationError, match="clock_offset"):
        auth.clock_offset = value
    auth.clock_offset = 2  # an int is a number of seconds too
    assert auth.clock_offset == 2.0
    assert auth.headers("GET", "/trade-api/v2/markets")


@pytest.mark.parametrize(
    "options",
    [
        {"retries": 3},
        {"backoff_factor": 0.5},
        {"retries": 0},
        {"retries": 3, "backoff_factor": 0.5},
    ],
)
def test_retry_with_retries_or_backoff_is_refused_whatever_their_values(
    options: dict[str, float],
) -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        session("demo", retry=RetryPolicy(total=0), **options)  # type: ignore[arg-type]


def test_the_default_retries_still_apply() -> None:
    assert session("demo").retry == RetryPolicy(total=3, backoff_factor=0.5)
    assert session("demo", retries=1).retry.total == 1
    assert session("demo", retry=RetryPolicy(total=0)).retry.total == 0


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "soon"])
def test_cli_timeout_is_a_usage_error(value: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "requests_kalshi", "request", "GET", "/markets", "--timeout", value],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert (
        proc.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "requests-kalshi: error: argument --timeout: must be a number of seconds above 0"
        )
    )


DECADES = -30 * 365 * 86400.0  # the exchange's clock is 30 years behind


def test_a_server_date_decades_off_does_not_move_the_clock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        LocalExchange(key_type="ed25519") as exchange,
        caplog.at_level(logging.WARNING, logger="requests_kalshi"),
    ):
        exchange.clock_offset = DECADES
        s = exchange.session(retries=0)
        assert s.get("/portfolio/balance").status_code == 401
    assert exchange.auth.clock_offset == 0.0
    warnings = [r.getMessage() for r in caplog.records]
    assert any("not corrected" in w and "3600 s" in w for w in warnings), warnings


def test_sync_clock_refuses_a_correction_beyond_the_bound() -> None:
    with LocalExchange(key_type="ed25519") as exchange:
        exchange.clock_offset = DECADES
        s = exchange.session()
        with pytest.raises(ConfigurationError, match=f"{MAX_CLOCK_CORRECTION:.0f} s"):
            s.sync_clock()
    assert exchange.auth.clock_offset == 0.0


@pytest.mark.parametrize("off", [-120.0, 600.0])
def test_a_correction_within_the_bound_is_made(off: float) -> None:
    with LocalExchange(key_type="ed25519") as exchange:
        exchange.clock_offset = off
        s = exchange.session()
        assert s.get("/portfolio/balance").status_code == 200
        assert abs(exchange.auth.clock_offset - off) < 2.0


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_cli_timeout_is_checked_in_process(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    from requests_kalshi.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["request", "GET", "/markets", "--timeout", value])
    assert exited.value.code == 2
    assert "must be a number of seconds above 0" in capsys.readouterr().err
