"""The ``requests-kalshi`` command line: signed requests, headers, key checks, a local exchange.

Run ``requests-kalshi --help`` (or ``python -m requests_kalshi --help``). Exit status: 0 on
success, 1 when Kalshi answers with an error or cannot be reached, 2 for a usage or
configuration error (a bad option, a missing key file, an unknown environment). Every line
written to stderr starts with ``requests-kalshi:``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shlex
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TextIO
from urllib.parse import urlsplit

import requests

from requests_kalshi._cli_send import send
from requests_kalshi._version import __version__
from requests_kalshi.api_errors import error_for_response
from requests_kalshi.auth import (
    ENV_KEY_ID,
    ENV_KEY_PASSWORD,
    ENV_KEY_PATH,
    ENV_KEY_TEXT,
    KalshiAuth,
)
from requests_kalshi.environments import LOCAL, is_local, resolve_environment
from requests_kalshi.errors import ConfigurationError, KalshiError, UnknownEnvironmentError
from requests_kalshi.session_options import ENV_ENVIRONMENT
from requests_kalshi.sessions import KalshiSession, session

if TYPE_CHECKING:
    pass

__all__ = ["main"]

PROG = "requests-kalshi"
DEFAULT_TIMEOUT = 10.0

_MAIN_EPILOG = """\
examples:
  requests-kalshi request GET /portfolio/balance --env local    # no account, no network
  requests-kalshi request GET /markets -p limit=5 --env demo
  requests-kalshi sign GET /portfolio/balance --curl
  requests-kalshi check --online
  requests-kalshi serve --port 8080

credentials come from --key-id and --key, or from the environment variables
KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY_PATH (or KALSHI_PRIVATE_KEY, the PEM text) and
KALSHI_PRIVATE_KEY_PASSWORD; the environment from --env or KALSHI_ENV (default: demo).
"""
_REQUEST_EPILOG = """\
examples:
  requests-kalshi request GET /portfolio/balance --env local
  requests-kalshi request GET /markets -p limit=5 -p status=open
  requests-kalshi request POST /portfolio/events/orders --json \\
      '{"ticker": "KXLOCAL-26JAN01-T01", "side": "yes", "action": "buy",
        "count": 1, "yes_price": 40, "client_order_id": "my-order-1"}' --env local
  requests-kalshi request DELETE /portfolio/orders/ORDER_ID --include

PATH is relative to the environment's /trade-api/v2 (or a full URL). The JSON answer is
printed; on an HTTP error the exit status is 1 and stderr says what probably went wrong.
"""
_SIGN_EPILOG = """\
examples:
  requests-kalshi sign GET /portfolio/balance
  requests-kalshi sign GET '/markets?limit=5' --curl | sh
  requests-kalshi sign POST /portfolio/events/orders --curl --data \\
      '{"ticker": "KXLOCAL-26JAN01-T01", "side": "yes", "action": "buy",
        "count": 1, "yes_price": 40, "client_order_id": "my-order-1"}'
  requests-kalshi sign GET /trade-api/ws/v2 --json      # WebSocket handshake headers

--curl prints one complete curl command, every argument quoted for POSIX shells (sh, bash,
zsh). The signature holds for a few seconds only: use it right away.
"""
_CHECK_EPILOG = """\
examples:
  requests-kalshi check
  requests-kalshi check --online --env production

Prints the key id, key type and size, the public key's SHA-256 fingerprint (compare it with
the key on Kalshi) and the environment. --online also calls GET /portfolio/balance.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` by default); return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser(serving="serve" in arguments).parse_args(arguments)
    with _log_to_stderr():
        try:
            status: int = args.run(args)
        except ConfigurationError as error:
            return _fail(error, 2)
        except (KalshiError, requests.RequestException, OSError) as error:
            return _fail(error, 1)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
    return status


def _fail(error: BaseException, status: int) -> int:
    message = " ".join(str(error).split()) or type(error).__name__
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


@contextmanager
def _log_to_stderr() -> Iterator[None]:
    """Show the library's warnings (retries, clock corrections) as ``requests-kalshi:`` lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_OneLine())
    logger = logging.getLogger("requests_kalshi")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = " ".join(record.getMessage().split())
        return f"{PROG}: {record.levelname.lower()}: {message}"


# -- arguments -----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one ``requests-kalshi: error:`` line."""

    def error(self, message: str) -> NoReturn:
        """Print the error and where to find help in one line, then exit with status 2."""
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def _seconds(text: str) -> float:
    """A ``--timeout``: a finite number of seconds above zero."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text!r}")
    return value


def _parser(*, serving: bool = True) -> argparse.ArgumentParser:
    """The command line's parser; ``serving=False`` leaves ``serve``'s own options out.

    ``serve`` and its options live in :mod:`requests_kalshi.cli_serve`, imported only when
    the command line names ``serve``: other commands load neither it nor the testing kit.
    """
    common = _Parser(add_help=False)
    options = common.add_argument_group("connection options")
    options.add_argument(
        "--env",
        default=argparse.SUPPRESS,
        metavar="ENV",
        help="demo, production, local (an in-process local exchange) or a base URL; "
        "default: $KALSHI_ENV or demo",
    )
    options.add_argument(
        "--key-id", default=argparse.SUPPRESS, help="API key id; default: $KALSHI_API_KEY_ID"
    )
    options.add_argument(
        "--key",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="private key file; default: $KALSHI_PRIVATE_KEY_PATH or $KALSHI_PRIVATE_KEY",
    )
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=PROG,
        description="Signed requests to the Kalshi Trade API v2, and a local exchange for tests.",
        epilog=_MAIN_EPILOG,
        formatter_class=formatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    request = commands.add_parser(
        "request",
        help="send one signed request and print the JSON answer",
        description="Send one signed request and print the JSON answer.",
        epilog=_REQUEST_EPILOG,
        formatter_class=formatter,
        parents=[common],
    )
    request.add_argument("method", metavar="METHOD", help="GET, POST, DELETE, PUT…")
    request.add_argument("path", metavar="PATH", help="such as /portfolio/balance")
    request.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a query parameter (repeatable)",
    )
    request.add_argument("--json", dest="body", metavar="BODY", help="a JSON request body")
    request.add_argument(
        "-i", "--include", action="store_true", help="also print the status line and headers"
    )
    request.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for the connection and for the answer, per attempt "
        f"(default: {DEFAULT_TIMEOUT:g})",
    )
    request.set_defaults(run=_run_request)

    sign = commands.add_parser(
        "sign",
        help="print the three signed headers for curl, Postman or WebSocket tools",
        description="Print the KALSHI-ACCESS-* headers for one request.",
        epilog=_SIGN_EPILOG,
        formatter_class=formatter,
        parents=[common],
    )
    sign.add_argument("method", metavar="METHOD")
    sign.add_argument("path", metavar="PATH")
    style = sign.add_mutually_exclusive_group()
    style.add_argument(
        "--curl", action="store_true", help="print a complete curl command, quoted for sh"
    )
    style.add_argument("--json", action="store_true", help="print a JSON object")
    sign.add_argument(
        "-d",
        "--data",
        metavar="BODY",
        help="a JSON request body for the --curl command (Kalshi signs no body)",
    )
    sign.set_defaults(run=_run_sign)

    check = commands.add_parser(
        "check",
        help="load the key and show what it is; --online also tries it",
        description="Load the key and show its id, type, fingerprint and environment.",
        epilog=_CHECK_EPILOG,
        formatter_class=formatter,
        parents=[common],
    )
    check.add_argument(
        "--online", action="store_true", help="also call GET /portfolio/balance with the key"
    )
    check.set_defaults(run=_run_check)

    serve = commands.add_parser(
        "serve",
        help="run the local exchange in the foreground",
        description="Run the local exchange on 127.0.0.1 until Ctrl-C.",
        formatter_class=formatter,
    )
    if serving:
        from requests_kalshi import cli_serve

        serve.epilog = cli_serve.EPILOG
        cli_serve.add_arguments(serve)
        serve.set_defaults(run=cli_serve.run)
    return parser


# -- where requests go ---------------------------------------------------------------------


def _environment_name(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    name: str = getattr(args, "env", None) or environ.get(ENV_ENVIRONMENT, "").strip() or "demo"
    return name.strip()


def _auth(
    args: argparse.Namespace, environ: Mapping[str, str], *, required: bool
) -> KalshiAuth | None:
    """The :class:`KalshiAuth` from the options, else the environment; ``None`` if neither."""
    key_id = getattr(args, "key_id", None) or environ.get(ENV_KEY_ID, "")
    key_path = getattr(args, "key", None)
    variables = {ENV_KEY_ID: key_id, ENV_KEY_PASSWORD: environ.get(ENV_KEY_PASSWORD, "")}
    if key_path:
        variables[ENV_KEY_PATH] = key_path
    else:
        variables[ENV_KEY_PATH] = environ.get(ENV_KEY_PATH, "")
        variables[ENV_KEY_TEXT] = environ.get(ENV_KEY_TEXT, "")
    if not (key_id or variables[ENV_KEY_PATH] or variables.get(ENV_KEY_TEXT)):
        if required:
            raise ConfigurationError(
                f"no API key: pass --key-id and --key, or set {ENV_KEY_ID} and {ENV_KEY_PATH} "
                "(or use --env local to try the local exchange with a throwaway key)."
            )
        return None
    return KalshiAuth.from_env(variables)


@contextmanager
def _session(
    args: argparse.Namespace, *, need_auth: bool
) -> Iterator[tuple[KalshiSession, KalshiAuth | None]]:
    """A session for the chosen environment; ``--env local`` runs a local exchange meanwhile."""
    environ = os.environ
    name = _environment_name(args, environ)
    if not is_local(name):
        try:
            environment = resolve_environment(name)
        except UnknownEnvironmentError:
            if "://" in name:
                raise
            raise UnknownEnvironmentError(
                f"unknown environment {name!r}: use demo, production, local (a throwaway "
                "local exchange) or a base URL such as http://127.0.0.1:8080/trade-api/v2."
            ) from None
        auth = _auth(args, environ, required=need_auth)
        with KalshiSession(environment, auth=auth) as s:
            yield s, auth
        return
    # As session("local"): only explicitly given credentials replace the throwaway key, so
    # stray KALSHI_* variables for demo cannot break a run that needs no account.
    explicit = getattr(args, "key_id", None) or getattr(args, "key", None)
    given = _auth(args, {}, required=True) if explicit else None
    with session(LOCAL, auth=given) as s:
        auth = s.auth if isinstance(s.auth, KalshiAuth) else None
        yield s, auth


# -- commands ------------------------------------------------------------------------------


def _run_request(args: argparse.Namespace) -> int:
    method = _method(args.method)
    params = [_param(text) for text in args.param]
    body: Any = None
    if args.body is not None:
        try:
            body = json.loads(args.body)
        except ValueError as error:
            raise ConfigurationError(f"--json is not valid JSON: {error}.") from None
    with _session(args, need_auth=False) as (s, _):
        kwargs: dict[str, Any] = {"params": params}
        if args.body is not None:
            kwargs["json"] = body
        response = send(s, method, args.path, timeout=args.timeout, **kwargs)
    _print_response(response, include=args.include, out=sys.stdout)
    if response.status_code >= 400:
        return _fail(error_for_response(response), 1)
    return 0


def _run_sign(args: argparse.Namespace) -> int:
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
    with _session(args, need_auth=True) as (s, maybe_auth):
        auth = _required(maybe_auth)
        url = _url_for_signing(s, args.path)
        headers = auth.headers(method, url)
        if args.curl and is_local(_environment_name(args, os.environ)):
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


def _run_check(args: argparse.Namespace) -> int:
    with _session(args, need_auth=True) as (s, maybe_auth):
        auth = _required(maybe_auth)
        label = LOCAL if is_local(_environment_name(args, os.environ)) else s.environment.name
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
        return _fail(error_for_response(response), 1)
    balance = response.json().get("balance")
    print(f"online:       OK (balance {balance} cents)")
    return 0


# -- helpers -------------------------------------------------------------------------------


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
    if auth is None:  # pragma: no cover - _session(need_auth=True) raises first
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
