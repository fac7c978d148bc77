"""The command line's argument parser: the commands, their options and their help."""

from __future__ import annotations

import argparse
import math
from typing import NoReturn

from ._cli_commands import DEFAULT_TIMEOUT, PROG, run_check, run_request, run_sign
from ._version import __version__

__all__ = ["parser"]

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


def parser(*, serving: bool = True) -> argparse.ArgumentParser:
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
    top = _Parser(
        prog=PROG,
        description="Signed requests to the Kalshi Trade API v2, and a local exchange for tests.",
        epilog=_MAIN_EPILOG,
        formatter_class=formatter,
        parents=[common],
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = top.add_subparsers(title="commands", metavar="COMMAND", required=True)

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
    request.set_defaults(run=run_request)

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
    sign.set_defaults(run=run_sign)

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
    check.set_defaults(run=run_check)

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
    return top
