"""The ``requests-kalshi`` command line: in-process for detail, as a subprocess for real."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import select
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from requests_kalshi import KalshiAuth
from requests_kalshi.cli import main
from requests_kalshi.testing import LocalExchange

from .conftest import KEY_ID
from .verifier import assert_signed

ROOT = Path(__file__).resolve().parent.parent
KALSHI_VARS = (
    "KALSHI_API_KEY_ID",
    "KALSHI_PRIVATE_KEY_PATH",
    "KALSHI_PRIVATE_KEY",
    "KALSHI_PRIVATE_KEY_PASSWORD",
    "KALSHI_ENV",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KALSHI_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ex(rsa_key: rsa.RSAPrivateKey) -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        exchange.register_key(KEY_ID, rsa_key.public_key())
        yield exchange


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("requests-kalshi: error: ")
    return lines[0]


# -- request -------------------------------------------------------------------------------


def test_request_local_needs_no_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "request", "GET", "/portfolio/balance", "--env", "local")
    assert (status, err) == (0, "")
    balance = json.loads(out)
    assert (balance["balance"], balance["balance_dollars"]) == (100000, "1000.0000")


def test_kalshi_env_local(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALSHI_ENV", "local")
    status, out, _ = run(capsys, "request", "get", "markets", "-p", "limit=2", "-p", "status=open")
    assert status == 0
    assert len(json.loads(out)["markets"]) == 2


def test_request_post_json_and_include(capsys: pytest.CaptureFixture[str]) -> None:
    body = json.dumps(
        {
            "ticker": "KXFED-26DEC-T4.25",
            "side": "bid",
            "count": "1",
            "price": "0.03",
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
        }
    )
    status, out, _ = run(
        capsys,
        "--env",
        "local",
        "request",
        "POST",
        "/portfolio/events/orders",
        "--json",
        body,
        "-i",
    )
    assert status == 0
    head, _, payload = out.partition("\n\n")
    assert head.startswith("HTTP 201 Created\n")
    assert "Date: " in head
    assert json.loads(payload)["remaining_count"] == "1.00"  # resting


def test_request_http_error_exits_1_with_diagnosis(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "request", "GET", "/markets/KXNOPE", "--env", "local")
    assert status == 1
    assert json.loads(out)["error"]["code"] == "not_found"
    assert "404" in one_line_error(err)


def test_request_with_key_file_to_a_base_url(
    capsys: pytest.CaptureFixture[str], ex: LocalExchange, rsa_key_file: Path
) -> None:
    args = ("request", "GET", "/portfolio/orders", "--env", ex.url)
    status, out, _ = run(capsys, *args, "--key-id", KEY_ID, "--key", str(rsa_key_file))
    assert status == 0
    assert json.loads(out) == {"orders": [], "cursor": ""}
    seen = ex.requests[-1]
    assert_signed(
        KalshiAuth(KEY_ID, rsa_key_file).public_key, seen.headers, "GET", seen.path, KEY_ID
    )


def test_credentials_from_environment_variables(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    ex: LocalExchange,
    rsa_key_file: Path,
) -> None:
    monkeypatch.setenv("KALSHI_ENV", ex.url)
    monkeypatch.setenv("KALSHI_API_KEY_ID", KEY_ID)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY", rsa_key_file.read_text())
    status, out, _ = run(capsys, "request", "GET", "/portfolio/balance")
    assert json.loads(out)["balance"] == 100000
    assert status == 0
    assert ex.requests[-1].auth == "ok"


def test_no_credentials_sends_unsigned_and_explains_401(
    capsys: pytest.CaptureFixture[str], ex: LocalExchange
) -> None:
    assert run(capsys, "request", "GET", "/exchange/status", "--env", ex.url)[0] == 0
    status, _, err = run(capsys, "request", "GET", "/portfolio/balance", "--env", ex.url)
    assert status == 1
    assert "signature_is_missing_from_headers" in one_line_error(err)
    assert "KALSHI-ACCESS" in err


def test_unknown_key_is_diagnosed(
    capsys: pytest.CaptureFixture[str], ex: LocalExchange, rsa_key_file: Path
) -> None:
    other_id = "0f0f0f0f-1234-4d2b-9c3e-5f6a7b8c9d0e"
    args = ("request", "GET", "/portfolio/balance", "--env", ex.url, "--key-id", other_id)
    status, _, err = run(capsys, *args, "--key", str(rsa_key_file))
    assert status == 1
    assert "NOT_FOUND" in one_line_error(err)
    assert "demo" in err.lower()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["request", "GET", "/markets", "-p", "limit", "--env", "local"], "-p expects KEY=VALUE"),
        (["request", "GET", "/markets", "-p", "=5", "--env", "local"], "-p expects KEY=VALUE"),
        (["request", "POST", "/x", "--json", "{nope", "--env", "local"], "--json is not valid"),
        (["request", "G/T", "/markets", "--env", "local"], "METHOD must be"),
        (["request", "GET", "/markets", "--env", "nowhere"], "unknown environment 'nowhere'"),
        (["request", "GET", "/markets", "--env", "ftp://x"], "must start with https://"),
        (["check", "--key-id", KEY_ID, "--key", "/no/such/key.pem"], "file not found"),
        (["check"], "no API key"),
        (["sign", "GET", "/markets"], "no API key"),
        (["check", "--key-id", KEY_ID], "neither KALSHI_PRIVATE_KEY_PATH"),
        (["check", "--env", "local", "--key-id", KEY_ID], "neither KALSHI_PRIVATE_KEY_PATH"),
    ],
)
def test_usage_and_config_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert fragment in one_line_error(err)
    assert out == ""


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["sign", "GET", "/x", "--curl", "--json"])
    assert exit_info.value.code == 2


# -- sign and check ------------------------------------------------------------------------


def test_sign_prints_verifiable_headers(
    capsys: pytest.CaptureFixture[str], rsa_key: rsa.RSAPrivateKey, rsa_key_file: Path
) -> None:
    creds = ("--key-id", KEY_ID, "--key", str(rsa_key_file))
    status, out, _ = run(capsys, "sign", "get", "/portfolio/orders?limit=5", *creds)
    assert status == 0
    headers = dict(line.split(": ", 1) for line in out.splitlines())
    assert_signed(rsa_key.public_key(), headers, "GET", "/trade-api/v2/portfolio/orders", KEY_ID)

    status, out, _ = run(capsys, "sign", "GET", "/trade-api/ws/v2", "--json", *creds)
    assert_signed(rsa_key.public_key(), json.loads(out), "GET", "/trade-api/ws/v2", KEY_ID)

    status, out, _ = run(capsys, "sign", "DELETE", "/portfolio/orders/abc", "--curl", *creds)
    words = shlex.split(out)
    assert words[:4] == ["curl", "-sS", "-X", "DELETE"]
    assert words[-1] == "https://external-api.demo.kalshi.co/trade-api/v2/portfolio/orders/abc"
    curl_headers = dict(w.split(": ", 1) for w in words[5:-1:2])
    assert_signed(
        rsa_key.public_key(), curl_headers, "DELETE", "/trade-api/v2/portfolio/orders/abc", KEY_ID
    )


def test_sign_refuses_an_untrusted_host(
    capsys: pytest.CaptureFixture[str], rsa_key_file: Path
) -> None:
    creds = ("--key-id", KEY_ID, "--key", str(rsa_key_file))
    status, _, err = run(capsys, "sign", "GET", "https://evil.example/trade-api/v2/x", *creds)
    assert status == 2
    assert "evil.example" in one_line_error(err)


def test_check_shows_the_key(capsys: pytest.CaptureFixture[str], rsa_key_file: Path) -> None:
    creds = ("--key-id", KEY_ID, "--key", str(rsa_key_file))
    status, out, _ = run(capsys, "check", "--env", "production", *creds)
    assert status == 0
    fields = dict(line.split(":", 1) for line in out.splitlines())
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    assert fields["key id"] == KEY_ID
    assert fields["key type"] == "RSA-2048"
    assert fields["fingerprint"] == KalshiAuth(KEY_ID, rsa_key_file).fingerprint
    assert fields["environment"] == "production (https://external-api.kalshi.com/trade-api/v2)"


def test_check_online(
    capsys: pytest.CaptureFixture[str], ex: LocalExchange, rsa_key_file: Path
) -> None:
    creds = ("--key-id", KEY_ID, "--key", str(rsa_key_file))
    status, out, _ = run(capsys, "check", "--online", "--env", ex.url, *creds)
    assert status == 0
    assert f"environment:  {ex.url}" in out
    assert "online:       OK (balance 100000 cents)" in out
    ex.clock_offset = 600
    status, out, err = run(capsys, "check", "--online", "--env", ex.url, *creds)
    assert status == 1
    assert "online:       FAILED" in out
    assert "header_timestamp_expired" in one_line_error(err)
    assert "clock" in err


def test_check_local_with_an_explicit_key(
    capsys: pytest.CaptureFixture[str], rsa_key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALSHI_API_KEY_ID", "ignored-for-local")
    status, out, _ = run(capsys, "check", "--online", "--env", "local")
    assert status == 0
    assert "key type:     Ed25519" in out
    creds = ("--key-id", KEY_ID, "--key", str(rsa_key_file))
    status, out, _ = run(capsys, "check", "--online", "--env", "local", *creds)
    assert status == 0
    assert f"key id:       {KEY_ID}" in out
    assert "environment:  local (http://127.0.0.1:" in out
    assert "online:       OK" in out


# -- as a real process ---------------------------------------------------------------------


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KALSHI_VARS}
    env["PYTHONPATH"] = str(ROOT)
    return env


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "requests_kalshi", *argv],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["request", "GET", "/portfolio/balance", "--env", "local"], 0),
        (["sign", "GET", "/portfolio/balance", "--json", "--env", "local"], 0),
        (["check", "--online", "--env", "local"], 0),
        (["check", "--key-id", KEY_ID, "--key", "/no/such/key.pem"], 2),
        (["request", "GET", "/markets", "--env", "nowhere"], 2),
        (["request", "GET", "/markets", "-p", "limit", "--env", "local"], 2),
        (["request", "GET", "/markets/KXNOPE", "--env", "local"], 1),
    ],
)
def test_subprocess_exit_status_and_one_line_errors(argv: list[str], status: int) -> None:
    result = cli(*argv)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    if status:
        one_line_error(result.stderr)
    else:
        assert result.stderr == ""
        assert result.stdout.strip()


@pytest.mark.parametrize("command", ["request", "sign", "check", "serve"])
def test_subprocess_help_has_examples(command: str) -> None:
    result = cli(command, "--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout
    assert f"requests-kalshi {command}" in result.stdout


def test_serve_runs_until_interrupted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "requests_kalshi", "serve", "--key-type", "ed25519"],
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # unbuffered: select() then sees every line still unread
    )
    try:
        assert proc.stdout is not None
        lines: dict[str, str] = {}
        while "key file" not in lines:
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, "serve printed nothing"
            line = proc.stdout.readline().decode()
            assert line, "serve exited early"
            name, _, value = line.partition(":")
            lines[name.strip()] = value.strip()
        url = lines["Local Kalshi exchange"]
        key_file = Path(lines["key file"])
        auth = KalshiAuth(lines["key id"], key_file)
        r = requests.get(url + "/portfolio/balance", auth=auth, timeout=5)
        assert r.status_code == 200
        assert r.json()["balance"] == 100000
        proc.send_signal(signal.SIGINT)
        out_bytes, err_bytes = proc.communicate(timeout=30)
        out, err = out_bytes.decode(), err_bytes.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopped." in out
    assert "Traceback" not in err
    assert not key_file.exists()


async def subscribed(auth: KalshiAuth, url: str) -> list[str]:
    from requests_kalshi.stream import connect

    async with connect(auth, url) as stream:
        await stream.subscribe("trade")
        return [s["channel"] for s in await stream.list_subscriptions()]


def test_serve_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve`` until the (stubbed) wait is interrupted, as Ctrl-C does."""
    seen: dict[str, str] = {}

    def interrupted_pause() -> None:
        printed = capsys.readouterr().out
        for line in printed.splitlines():
            name, _, value = line.partition(":")
            seen[name.strip()] = value.strip()
        auth = KalshiAuth(seen["key id"], Path(seen["key file"]))
        r = requests.get(seen["Local Kalshi exchange"] + "/portfolio/balance", auth=auth, timeout=5)
        seen["status"] = str(r.status_code)
        seen["channels"] = str(asyncio.run(subscribed(auth, seen["websocket"])))
        on_sigterm = signal.getsignal(signal.SIGTERM)
        assert callable(on_sigterm)
        on_sigterm(signal.SIGTERM, None)  # what `kill` would do: raises KeyboardInterrupt

    monkeypatch.setattr(signal, "pause", interrupted_pause)
    before = signal.getsignal(signal.SIGTERM)
    status, out, _ = run(capsys, "serve", "--key-type", "ed25519")
    assert status == 0
    assert out == "stopped.\n"
    assert seen["status"] == "200"
    assert seen["channels"] == "['trade']"  # it serves the WebSocket channels too
    assert "--key-id " + seen["key id"] in seen["try"]
    assert not Path(seen["key file"]).exists()
    assert signal.getsignal(signal.SIGTERM) is before


def test_serve_port_in_use_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with LocalExchange(key_type="ed25519") as busy:
        status, _, err = run(capsys, "serve", "--port", str(busy.port), "--key-type", "ed25519")
    assert status == 1
    assert "Address already in use" in one_line_error(err)


def test_text_answers_are_printed_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    from .loopback import LoopbackServer

    server = LoopbackServer(lambda r: (200, {"Content-Type": "text/plain"}, b"plain words"))
    with server.running():
        status, out, _ = run(capsys, "request", "GET", "/x", "--env", server.url)
        assert (status, out) == (0, "plain words\n")
        server.respond = lambda r: (204, {}, b"")
        status, out, _ = run(capsys, "request", "DELETE", "/x", "--env", server.url)
        assert (status, out) == (0, "")


def test_python_dash_m_entry_point(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import runpy

    monkeypatch.delitem(sys.modules, "requests_kalshi.__main__", raising=False)
    monkeypatch.setattr(
        sys, "argv", ["requests_kalshi", "request", "GET", "/exchange/status", "--env", "local"]
    )
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("requests_kalshi", run_name="__main__")
    assert exit_info.value.code == 0
    assert json.loads(capsys.readouterr().out)["exchange_active"] is True
    monkeypatch.delitem(sys.modules, "requests_kalshi.__main__", raising=False)
    importlib.import_module("requests_kalshi.__main__")  # importing it runs nothing
    assert capsys.readouterr().out == ""
