"""What the command line prints: complete curl commands, its stderr lines, unreachable servers."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from requests_kalshi import session
from requests_kalshi._cli_send import Unreachable, send, unreachable_message
from requests_kalshi.cli import DEFAULT_TIMEOUT, main
from requests_kalshi.testing import LocalExchange

from .conftest import KEY_ID
from .orders import v2_order
from .verifier import assert_signed

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "requests-kalshi: "
ORDER = v2_order(client_order_id="curl-order-1")
# Quotes, $, backticks, backslashes, spaces and non-ASCII: what a shell would otherwise eat.
AWKWARD = '{"client_order_id": "it\'s $HOME `id` \\\\ \\"q\\" ünï", "note": "a  b;|&"}'


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("KALSHI_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def ex(rsa_key: rsa.RSAPrivateKey) -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        exchange.register_key(KEY_ID, rsa_key.public_key())
        yield exchange


@pytest.fixture
def creds(rsa_key_file: Path) -> tuple[str, ...]:
    return ("--key-id", KEY_ID, "--key", str(rsa_key_file))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(PREFIX + "error: ")
    return lines[0]


def all_prefixed(err: str) -> list[str]:
    lines = err.splitlines()
    assert lines, "nothing on stderr"
    assert all(line.startswith(PREFIX) for line in lines), err
    return lines


def shell_env() -> dict[str, str]:
    """The environment for a real curl: no proxy between it and 127.0.0.1."""
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


# -- sign --curl ---------------------------------------------------------------------------


def curl_words(
    capsys: pytest.CaptureFixture[str], ex: LocalExchange, creds: tuple[str, ...], *argv: str
) -> tuple[str, list[str]]:
    status, out, err = run(capsys, "sign", *argv, "--curl", "--env", ex.url, *creds)
    assert (status, err) == (0, "")
    assert out.count("\n") == 1, "one command on one line"
    return out, shlex.split(out)


def test_curl_command_has_the_body_and_its_content_type(
    capsys: pytest.CaptureFixture[str],
    ex: LocalExchange,
    creds: tuple[str, ...],
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    path = "/portfolio/events/orders"
    _, words = curl_words(capsys, ex, creds, "POST", path, "--data", AWKWARD)
    assert words[:4] == ["curl", "-sS", "-X", "POST"]
    assert words[-3:] == ["--data-raw", AWKWARD, ex.url + path]
    headers = dict(w.split(": ", 1) for w in words[5:-3:2])
    assert set(words[4:-3:2]) == {"-H"}
    assert headers["Content-Type"] == "application/json"
    assert_signed(rsa_key.public_key(), headers, "POST", "/trade-api/v2" + path, KEY_ID)


def test_curl_command_without_a_body(
    capsys: pytest.CaptureFixture[str], ex: LocalExchange, creds: tuple[str, ...]
) -> None:
    _, words = curl_words(capsys, ex, creds, "GET", "/markets?limit=2&status=open")
    assert words[-1] == ex.url + "/markets?limit=2&status=open"
    assert "--data-raw" not in words
    assert not any(w.startswith("Content-Type") for w in words)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_the_printed_command_runs_in_a_shell(
    capsys: pytest.CaptureFixture[str], ex: LocalExchange, creds: tuple[str, ...]
) -> None:
    def shell(command: str) -> str:
        result = subprocess.run(
            ["sh", "-c", command], env=shell_env(), capture_output=True, text=True, timeout=30
        )
        assert (result.returncode, result.stderr) == (0, ""), "-sS: no progress meter"
        return result.stdout

    command, _ = curl_words(
        capsys, ex, creds, "POST", "/portfolio/events/orders", "--data", AWKWARD
    )
    shell(command)
    seen = ex.requests[-1]
    assert seen.body == AWKWARD.encode(), "the shell passed the body through unchanged"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.auth == "ok"

    order = json.dumps(ORDER)
    command, _ = curl_words(capsys, ex, creds, "post", "/portfolio/events/orders", "-d", order)
    answer = json.loads(shell(command))
    assert answer["client_order_id"] == "curl-order-1"
    assert (ex.requests[-1].auth, ex.requests[-1].status) == ("ok", 201)

    command, _ = curl_words(capsys, ex, creds, "GET", "/markets?limit=2")
    assert len(json.loads(shell(command))["markets"]) == 2
    assert ex.requests[-1].query == {"limit": "2"}


def test_data_needs_curl_and_valid_json(
    capsys: pytest.CaptureFixture[str], creds: tuple[str, ...]
) -> None:
    status, out, err = run(capsys, "sign", "POST", "/portfolio/orders", "--data", "{}", *creds)
    assert (status, out) == (2, "")
    assert all_prefixed(err) == [PREFIX + "error: " + err.split("error: ", 1)[1].strip()]
    assert "add --curl" in err
    status, _, err = run(capsys, "sign", "POST", "/x", "--curl", "--data", "{nope", *creds)
    assert status == 2
    assert "--data is not valid JSON" in err


def test_curl_for_the_throwaway_local_exchange_warns_it_is_gone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "sign", "GET", "/markets", "--curl", "--env", "local")
    assert status == 0
    assert shlex.split(out)[0] == "curl"
    (note,) = all_prefixed(err)
    assert note.startswith(PREFIX + "note: the local exchange stops when this command ends")
    assert "requests-kalshi serve" in note


# -- request --timeout ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "-inf", "ten", ""])
def test_a_timeout_that_is_not_positive_seconds_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    line = usage_error(capsys, "request", "GET", "/markets", "--env", "local", f"--timeout={value}")
    assert f"argument --timeout: must be a number of seconds above 0, not {value!r}" in line
    assert "requests-kalshi request --help" in line


def test_a_fractional_timeout_is_fine(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "request", "GET", "/exchange/status", "--env", "local", "--timeout", "0.5"
    )
    assert status == 0
    assert json.loads(out)["exchange_active"] is True


def test_the_timeout_default_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["request", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"(default: {DEFAULT_TIMEOUT:g})" in help_text
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"`--timeout S` defaults to {DEFAULT_TIMEOUT:g} seconds" in " ".join(page.split())


def test_other_usage_errors_are_one_prefixed_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert "required: COMMAND (see 'requests-kalshi --help')" in usage_error(capsys)
    line = usage_error(capsys, "sign", "GET", "/x", "--curl", "--json")
    assert "not allowed with argument" in line
    assert "invalid choice: 'nope'" in usage_error(capsys, "nope")


# -- a server that cannot be reached -------------------------------------------------------


def gone_url() -> str:
    with LocalExchange(key_type="ed25519") as gone:
        return gone.url


def test_unreachable_server_is_one_line_saying_what_was_tried(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = gone_url()
    argv = ("request", "GET", "/exchange/status", "-p", "x=1", "--env", url, "--timeout", "2")
    status, out, err = run(capsys, *argv)
    assert (status, out) == (1, "")
    *retries, last = all_prefixed(err)
    assert len(retries) == 3
    for number, line in enumerate(retries, 1):
        assert re.fullmatch(
            PREFIX + rf"warning: GET /trade-api/v2/exchange/status failed \(ConnectionError\); "
            rf"retry {number} in \d+\.\d\d s",
            line,
        ), line
    assert re.fullmatch(
        PREFIX
        + "error: could not reach "
        + re.escape(f"GET {url}/exchange/status?x=1")
        + r" \(4 attempts in \d+\.\d s\): connection refused; check that the server is running "
        r"and that --env \(or KALSHI_ENV\) has the right host and port\.",
        last,
    ), last
    assert "Max retries" not in err


def test_unreachable_as_a_real_process_prefixes_every_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALSHI_")}
    env["PYTHONPATH"] = str(ROOT)
    argv = ["request", "GET", "/exchange/status", "--env", gone_url(), "--timeout", "1"]
    result = subprocess.run(
        [sys.executable, "-m", "requests_kalshi", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = all_prefixed(result.stderr)
    assert lines[-1].startswith(PREFIX + "error: could not reach GET http://127.0.0.1:")
    assert "Traceback" not in result.stderr
    assert "Max retries" not in result.stderr


def test_a_host_that_does_not_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with session("https://kalshi-nowhere.test", retries=0) as s:
        s.trust_env = False  # no proxy from the environment in between
        with pytest.raises(Unreachable) as info:
            send(s, "GET", "/markets", timeout=3)
    assert re.fullmatch(
        re.escape("could not reach GET https://kalshi-nowhere.test/trade-api/v2/markets ")
        + r"\(1 attempt in \d+\.\d s\): "
        + re.escape(
            "the host name does not resolve; check the URL given with --env (or KALSHI_ENV), "
            "DNS and the network connection."
        ),
        str(info.value),
    ), info.value


def test_a_server_that_does_not_answer_in_time(ex: LocalExchange) -> None:
    ex.delay_next(seconds=5)
    with session(ex.url, retries=0) as s:
        s.trust_env = False
        with pytest.raises(Unreachable, match="1 attempt") as info:
            send(s, "GET", "/exchange/status", timeout=0.3)
    assert "no answer within 0.3 s; the server is slow or overloaded" in str(info.value)
    assert "raise --timeout" in str(info.value)


@pytest.mark.parametrize(
    ("error", "reason", "check"),
    [
        (requests.ConnectTimeout("x"), "no connection within 2.5 s", "a firewall or proxy"),
        (requests.exceptions.SSLError("x"), "the TLS handshake failed", "REQUESTS_CA_BUNDLE"),
        (requests.exceptions.ProxyError("x"), "the proxy failed", "HTTPS_PROXY"),
        (requests.ConnectionError("reset"), "closed without an answer", "--env"),
    ],
)
def test_each_kind_of_failure_says_what_to_check(
    error: requests.RequestException, reason: str, check: str
) -> None:
    message = unreachable_message(
        error, method="POST", url="https://x.test/a", attempts=2, seconds=1.25, timeout=2.5
    )
    assert message.startswith("could not reach POST https://x.test/a (2 attempts in 1.2 s): ")
    assert reason in message
    assert check in message
    assert message.endswith(".")
    assert "\n" not in message


def test_an_interrupted_request_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> requests.Response:
        raise KeyboardInterrupt

    monkeypatch.setattr("requests_kalshi._cli_commands.send", interrupted)
    status, out, err = run(capsys, "request", "GET", "/markets", "--env", "local")
    assert (status, out, err) == (130, "", PREFIX + "interrupted\n")
