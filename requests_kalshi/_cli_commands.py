"""The command line's ``request``, ``sign`` and ``check`` commands and what they print."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Mapping
from typing import Any, TextIO
from urllib.parse import urlsplit

import requests

from ._cli_send import send
from ._cli_session import environment_name, open_session
from .api_errors import error_for_response
from .auth import KalshiAuth
from .environments import LOCAL, is_local
from .errors import ConfigurationError
from .kalshi_session import KalshiSession

__all__ = ["DEFAULT_TIMEOUT", "PROG", "fail", "run_check", "run_request", "run_sign"]

PROG = "requests-kalshi"
DEFAULT_TIMEOUT = 10.0


def fail(error: BaseException, status: int) -> int:
    """Print ``error`` as one ``requests-kalshi: error:`` line on stderr; return ``status``."""
    message = " ".join(str(error).split()) or type(error).__name__
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


def run_request(args: argparse.Namespace) -> int:
    """``request``: send one signed request and print the answer; 1 on an HTTP error."""
    method = _method(args.method)
    params = [_param(text) for text in args.param]
    body: Any = None
    if args.body is not None:
        try:
            body = json.loads(args.body)
        except ValueError as error:
            raise ConfigurationError(f"--json is not valid JSON: {error}.") from None
    with open_session(args, need_auth=False) as (s, _):
        kwargs: dict[str, Any] = {"params": params}
        if args.body is not None:
            kwargs["json"] = body
        response = send(s, method, args.path, timeout=args.timeout, **kwargs)
    _print_response(response, include=args.include, out=sys.stdout)
    if response.status_code >= 400:
        return fail(error_for_response(response), 1)
    return 0


def run_sign(args: argparse.Namespace) -> int:
    """``sign``: print the signed headers, as lines, JSON or a curl command."""
    method = _method(args.method)
    if args.data is not None:
        if not args.curl:
            raise ConfigurationError(
                "--data goes into the --curl command only (Kalshi signs no body): add --curl."
            )
        try:
            json.loads(args.data)
        except ValueError as error:
            raise ConfigurationError(f"--data is not valid JSON: {error}.") from None
    with open_session(args, need_auth=True) as (s, maybe_auth):
        auth = _required(maybe_auth)
        url = _url_for_signing(s, args.path)
        headers = auth.headers(method, url)
        if args.curl and is_local(environment_name(args, os.environ)):
            print(
                f"{PROG}: note: the local exchange stops when this command ends; for one that "
                f"stays, run '{PROG} serve' and pass its URL with --env",
                file=sys.stderr,
            )
    if args.json:
        print(json.dumps(headers, indent=2))
    elif args.curl:
        print(_curl_command(method, url, headers, args.data))
    else:
        for name, value in headers.items():
            print(f"{name}: {value}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """``check``: show the key and environment; ``--online`` also reads the balance."""
    with open_session(args, need_auth=True) as (s, maybe_auth):
        auth = _required(maybe_auth)
        label = LOCAL if is_local(environment_name(args, os.environ)) else s.environment.name
        where = s.base_url if label == "custom" else f"{label} ({s.base_url})"
        print(f"key id:       {auth.key_id}")
        print(f"key type:     {auth.key_type}")
        print(f"fingerprint:  {auth.fingerprint}")
        print(f"environment:  {where}")
        if not args.online:
            return 0
        s.correct_clock = False  # report a clock that is off instead of working around it
        response = send(s, "GET", "/portfolio/balance", timeout=DEFAULT_TIMEOUT)
    if response.status_code >= 400:
        print("online:       FAILED")
        return fail(error_for_response(response), 1)
    balance = response.json().get("balance")
    print(f"online:       OK (balance {balance} cents)")
    return 0


def _curl_command(
    method: str, url: str, headers: Mapping[str, str], body: str | None = None
) -> str:
    """One curl command line for a signed request, every argument quoted for POSIX shells.

    ``-sS`` hides the progress meter (piped output stays clean) but shows errors; a body is
    sent as given with ``--data-raw`` and ``Content-Type: application/json``.
    """
    words = ["curl", "-sS", "-X", method]
    for name, value in headers.items():
        words += ["-H", f"{name}: {value}"]
    if body is not None:
        words += ["-H", "Content-Type: application/json", "--data-raw", body]
    words.append(url)
    return shlex.join(words)


def _url_for_signing(s: KalshiSession, path: str) -> str:
    """Like ``s.url_for``, but a ``/trade-api/…`` path (WebSocket's too) is from the root."""
    if path.startswith("/trade-api/") and not path.startswith("/trade-api/v2/"):
        parts = urlsplit(s.base_url)
        return f"{parts.scheme}://{parts.netloc}{path}"
    return s.url_for(path)


def _required(auth: KalshiAuth | None) -> KalshiAuth:
    if auth is None:  # pragma: no cover - open_session(need_auth=True) raises first
        raise ConfigurationError("no API key: pass --key-id and --key.")
    return auth


def _method(text: str) -> str:
    method = text.strip().upper()
    if not method.isalpha():
        raise ConfigurationError(f"METHOD must be an HTTP method such as GET, not {text!r}.")
    return method


def _param(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ConfigurationError(f"-p expects KEY=VALUE, as in -p limit=5, not {text!r}.")
    return key, value


def _print_response(response: requests.Response, *, include: bool, out: TextIO) -> None:
    if include:
        print(f"HTTP {response.status_code} {response.reason}", file=out)
        for name, value in response.headers.items():
            print(f"{name}: {value}", file=out)
        print(file=out)
    try:
        body = response.json()
    except ValueError:
        if response.text:
            print(response.text, file=out)
        return
    print(json.dumps(body, indent=2, ensure_ascii=False), file=out)
