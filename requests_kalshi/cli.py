"""The ``requests-kalshi`` command line: signed requests, headers, key checks, a local exchange.

Run ``requests-kalshi --help`` (or ``python -m requests_kalshi --help``). Exit status: 0 on
success, 1 when Kalshi answers with an error or cannot be reached, 2 for a usage or
configuration error (a bad option, a missing key file, an unknown environment). Every line
written to stderr starts with ``requests-kalshi:``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import requests

# DEFAULT_TIMEOUT and PROG stay importable from here, as before the split.
from requests_kalshi._cli_commands import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from requests_kalshi._cli_commands import PROG as PROG
from requests_kalshi._cli_commands import fail
from requests_kalshi._cli_parser import parser
from requests_kalshi.errors import ConfigurationError, KalshiError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` by default); return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parser(serving="serve" in arguments).parse_args(arguments)
    with _log_to_stderr():
        try:
            status: int = args.run(args)
        except ConfigurationError as error:
            return fail(error, 2)
        except (KalshiError, requests.RequestException, OSError) as error:
            return fail(error, 1)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
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
