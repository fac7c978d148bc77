"""``requests-kalshi serve``: request log, URLs, seed, rate limit, faults and clock offset."""

from __future__ import annotations

import email.utils
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from requests_kalshi import KalshiAuth
from requests_kalshi.cli import main
from requests_kalshi.cli_serve import FaultSpec, parse_fault, parse_rate_limit
from requests_kalshi.errors import ConfigurationError
from requests_kalshi.testing import RateLimit
from requests_kalshi.testing import exchange as exchange_module

from .test_cli import cli_env


def serve_in_process(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    while_serving: Callable[[dict[str, Any], KalshiAuth], None],
) -> tuple[int, dict[str, Any], str]:
    """Run ``serve argv``; call ``while_serving(printed, auth)``; stop it as Ctrl-C would."""
    printed: dict[str, Any] = {"fault": []}

    def interrupted_pause() -> None:
        for line in capsys.readouterr().out.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "fault":
                printed["fault"].append(value.strip())
            else:
                printed[name.strip()] = value.strip()
        auth = KalshiAuth(printed["key id"], Path(printed["key file"]))
        while_serving(printed, auth)
        on_sigint = signal.getsignal(signal.SIGINT)
        assert callable(on_sigint)
        on_sigint(signal.SIGINT, None)

    monkeypatch.setattr(signal, "pause", interrupted_pause)
    status = main(["serve", "--key-type", "ed25519", *argv])
    return status, printed, capsys.readouterr().err


def test_serve_prints_both_urls_and_logs_every_request(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def calls(printed: dict[str, Any], auth: KalshiAuth) -> None:
        url = printed["Local Kalshi exchange"]
        assert requests.get(url + "/portfolio/balance", auth=auth, timeout=5).status_code == 200
        assert requests.get(url + "/portfolio/balance", timeout=5).status_code == 401
        assert requests.get(url + "/nowhere", auth=auth, timeout=5).status_code == 404

    status, printed, err = serve_in_process(capsys, monkeypatch, [], calls)
    assert status == 0
    port = printed["Local Kalshi exchange"].split(":")[2].split("/")[0]
    assert printed["websocket"] == f"ws://127.0.0.1:{port}/trade-api/ws/v2"
    assert printed["margin ws"] == f"ws://127.0.0.1:{port}/trade-api/ws/v2/margin"
    logged = [line.split(" ", 1)[1] for line in err.splitlines()]  # without the time
    assert logged == [
        "GET /trade-api/v2/portfolio/balance 200 auth=ok",
        "GET /trade-api/v2/portfolio/balance 401 auth=missing_signature",
        "GET /trade-api/v2/nowhere 404 auth=ok",
    ]
    assert err.splitlines()[0][:8].count(":") == 2  # HH:MM:SS


def test_serve_injects_faults_from_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def calls(printed: dict[str, Any], auth: KalshiAuth) -> None:
        url = printed["Local Kalshi exchange"] + "/portfolio/balance"
        statuses = [requests.get(url, auth=auth, timeout=5).status_code for _ in range(4)]
        assert statuses == [503, 502, 502, 200]
        with pytest.raises(requests.ConnectionError):
            requests.post(printed["Local Kalshi exchange"] + "/x", auth=auth, timeout=5)
        started = time.monotonic()
        requests.get(printed["Local Kalshi exchange"] + "/markets", timeout=5)
        assert time.monotonic() - started >= 0.2

    argv = [
        "--fail", "GET /portfolio/balance 503 after",
        "--fail", "get /trade-api/v2/portfolio/balance 502 x2",
        "--drop", "POST",
        "--delay", "/markets 0.2s",
    ]  # fmt: skip
    status, printed, err = serve_in_process(capsys, monkeypatch, argv, calls)
    assert status == 0
    assert printed["fault"] == [
        "fail GET /portfolio/balance 503 after x1",
        "fail GET /trade-api/v2/portfolio/balance 502 x2",
        "delay /markets 0.2s x1",
        "drop POST x1",
    ]
    logged = [line.split(" ", 1)[1] for line in err.splitlines()]
    assert logged == [
        "GET /trade-api/v2/portfolio/balance 503 auth=ok fault=fail_after",
        "GET /trade-api/v2/portfolio/balance 502 auth=skipped fault=fail",
        "GET /trade-api/v2/portfolio/balance 502 auth=skipped fault=fail",
        "GET /trade-api/v2/portfolio/balance 200 auth=ok",
        "POST /trade-api/v2/x dropped auth=skipped fault=drop",
        "GET /trade-api/v2/markets 200 auth=public fault=delay",
    ]


def test_serve_sets_a_rate_limit_and_a_clock_offset(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def calls(printed: dict[str, Any], auth: KalshiAuth) -> None:
        url = printed["Local Kalshi exchange"]
        status = requests.get(url + "/exchange/status", timeout=5)
        served = email.utils.parsedate_to_datetime(status.headers["Date"]).timestamp()
        assert 80 < served - time.time() < 100
        # A signature made with the local clock is 90 s off the exchange's: refused.
        assert requests.get(url + "/account/limits", auth=auth, timeout=5).status_code == 401
        auth.clock_offset = 90
        limits = requests.get(url + "/account/limits", auth=auth, timeout=5)
        assert limits.json()["read"] == {"refill_rate": 300, "bucket_capacity": 300}

    argv = ["--rate-limit", "advanced", "--clock-offset", "90"]
    status, printed, _ = serve_in_process(capsys, monkeypatch, argv, calls)
    assert status == 0
    assert printed["rate limit"] == (
        "advanced, read 300/s (bucket 300), write 300/s (bucket 600) tokens"
    )
    assert printed["clock offset"] == "+90 s"


def test_serve_refuses_requests_above_a_token_rate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def calls(printed: dict[str, Any], auth: KalshiAuth) -> None:
        url = printed["Local Kalshi exchange"] + "/exchange/status"
        # 10 tokens a second, 10 a request: 20 requests cannot all fit in the time they take
        answers = [requests.get(url, timeout=5) for _ in range(20)]
        refused = [r for r in answers if r.status_code == 429]
        assert refused
        assert refused[0].json() == {"error": "too many requests"}
        assert "Retry-After" not in refused[0].headers

    status, _, err = serve_in_process(capsys, monkeypatch, ["--rate-limit", "10/10", "-q"], calls)
    assert (status, err) == (0, "")  # --quiet: no request log


def test_serve_passes_the_seed_to_the_exchange(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[dict[str, Any]] = []

    def exchange(**options: Any) -> Any:
        made.append(options)
        raise ConfigurationError("the test stops here")

    monkeypatch.setattr(exchange_module, "LocalExchange", exchange)
    assert main(["serve", "--seed", "7", "--port", "0"]) == 2
    assert made == [{"port": 0, "key_type": "rsa", "clock_offset": 0.0, "seed": 7}]
    assert main(["serve"]) == 2
    assert "seed" not in made[1]
    assert "the test stops here" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fail", "POST /portfolio/events/orders"], "names no status"),
        (["--fail", "POST 503 sometimes"], "'sometimes' is not understood"),
        (["--fail", "GET 200"], "status must be an HTTP error status"),
        (["--delay", "GET /markets"], "names no seconds"),
        (["--delay", "/markets -1"], "'-1' is not understood"),
        (["--drop", "POST x0"], "'x0' is not understood"),
        (["--rate-limit", "gold"], "not one of Kalshi's tiers"),
        (["--rate-limit", "fast/slow"], "READ/WRITE tokens per second"),
        (["--rate-limit", "5/100"], "more than the read bucket holds"),
        (["--clock-offset", "nan"], "clock_offset must be seconds"),
    ],
)
def test_serve_refuses_bad_options(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["serve", "--key-type", "ed25519", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("requests-kalshi: error: ")
    assert message in err


def test_fault_and_rate_limit_specs() -> None:
    assert parse_fault("drop", "post after x3") == FaultSpec(
        "drop", method="POST", after=True, times=3
    )
    assert parse_fault("delay", "2.5").seconds == 2.5
    assert parse_fault("fail", "/markets 429").path == "/markets"
    assert parse_rate_limit(" Premier ") == RateLimit(tier="premier")
    assert str(parse_fault("delay", "GET 1 after")) == "delay GET 1s after x1"


def test_serve_in_a_real_process_logs_to_stderr() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "requests_kalshi", "serve", "--key-type", "ed25519",
         "--drop", "GET /markets"],
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines: dict[str, str] = {}
        while "try" not in lines:
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, "serve printed nothing"
            line = proc.stdout.readline().decode()
            assert line, "serve exited early"
            name, _, value = line.partition(":")
            lines[name.strip()] = value.strip()
        with pytest.raises(requests.ConnectionError):
            requests.get(lines["Local Kalshi exchange"] + "/markets", timeout=5)
        assert requests.get(lines["Local Kalshi exchange"] + "/markets", timeout=5).ok
        proc.send_signal(signal.SIGTERM)
        _, err_bytes = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    logged = [line.split(" ", 1)[1] for line in err_bytes.decode().splitlines()]
    assert logged == [
        "GET /trade-api/v2/markets dropped auth=skipped fault=drop",
        "GET /trade-api/v2/markets 200 auth=public",
    ]
