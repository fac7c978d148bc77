"""``requests-kalshi serve``: the local exchange in the foreground, for programs in any language.

It prints the REST and WebSocket URLs (event contracts and margin), the key id and a
throwaway key file, logs every request to stderr (method, path, status, authentication
verdict, fault), and takes its seed, rate limit, faults and clock offset from the command
line.
"""

from __future__ import annotations

import argparse
import math
import shlex
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from requests_kalshi.errors import ConfigurationError

if TYPE_CHECKING:  # the testing kit is imported when the command runs, not with the CLI
    from requests_kalshi.testing.exchange import LocalExchange
    from requests_kalshi.testing.limits import RateLimit
    from requests_kalshi.testing.simulator import RecordedRequest

__all__ = ["FaultSpec", "parse_fault", "parse_rate_limit"]

PROG = "requests-kalshi"

EPILOG = """\
examples:
  requests-kalshi serve
  requests-kalshi serve --port 8080 --key-type ed25519 --seed 7
  requests-kalshi serve --rate-limit basic          # or advanced…, or READ/WRITE tokens: 200/100
  requests-kalshi serve --fail "POST /portfolio/events/orders 503 after"
  requests-kalshi serve --fail "GET /markets 500 x3" --drop "POST after" --delay "/markets 2.5"
  requests-kalshi serve --clock-offset 30

Prints the REST and WebSocket URLs (event contracts and margin), the key id and the path
of a throwaway private key file, then serves until Ctrl-C, logging each request to stderr.
Point any program, in any language, at the URL with that key.

fault specs: "[METHOD] [PATH] STATUS [after] [xN]" for --fail, "[METHOD] [PATH] SECONDS
[after] [xN]" for --delay, "[METHOD] [PATH] [after] [xN]" for --drop. PATH is under
/trade-api/v2; without METHOD or PATH any request matches; "after" acts after the exchange
processed the request (the order is placed); xN hits the next N matching requests (1).
"""


@dataclass(frozen=True)
class FaultSpec:
    """One fault from the command line.

    :ivar kind: ``"fail"``, ``"delay"`` or ``"drop"``.
    :ivar method: only requests with this method, or ``None``.
    :ivar path: only requests to this path, or ``None``.
    :ivar status: the status of a ``fail``.
    :ivar seconds: the hold of a ``delay``.
    :ivar after: act after the exchange processed the request.
    :ivar times: how many matching requests it hits.
    """

    kind: str
    method: str | None = None
    path: str | None = None
    status: int = 0
    seconds: float = 0.0
    after: bool = False
    times: int = 1

    def apply(self, exchange: LocalExchange) -> None:
        """Plan this fault on ``exchange``.

        :raises ConfigurationError: the exchange refuses it (a status outside 400-599…).
        """
        where: dict[str, Any] = {"path": self.path, "method": self.method}
        if self.kind == "fail":
            exchange.fail_next(self.times, status=self.status, after_processing=self.after, **where)
        elif self.kind == "delay":
            exchange.delay_next(
                self.times, seconds=self.seconds, after_processing=self.after, **where
            )
        else:
            exchange.drop_next(self.times, after_processing=self.after, **where)

    def __str__(self) -> str:
        parts = [self.kind, self.method or "", self.path or ""]
        parts.append(str(self.status) if self.kind == "fail" else "")
        parts.append(f"{self.seconds:g}s" if self.kind == "delay" else "")
        parts += ["after" if self.after else "", f"x{self.times}"]
        return " ".join(part for part in parts if part)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def parse_fault(kind: str, text: str) -> FaultSpec:
    """A :class:`FaultSpec` from a ``--fail``, ``--delay`` or ``--drop`` value.

    >>> parse_fault("fail", "POST /portfolio/events/orders 503 after")
    FaultSpec(kind='fail', method='POST', path='/portfolio/events/orders', status=503, \
seconds=0.0, after=True, times=1)

    :raises ConfigurationError: a part that is not a method, a path, the status (``fail``),
        the seconds (``delay``), ``after`` or ``xN``, or a missing status or seconds.
    """
    options: dict[str, Any] = {}
    grammar = {
        "fail": '"[METHOD] [PATH] STATUS [after] [xN]", e.g. "POST /portfolio/events/orders 503"',
        "delay": '"[METHOD] [PATH] SECONDS [after] [xN]", e.g. "GET /markets 2.5"',
        "drop": '"[METHOD] [PATH] [after] [xN]", e.g. "POST /portfolio/events/orders after"',
    }[kind]
    for word in text.split():
        if word.upper() in _METHODS and "method" not in options:
            options["method"] = word.upper()
        elif word.startswith("/") and "path" not in options:
            options["path"] = word
        elif word.lower() == "after":
            options["after"] = True
        elif word[:1] in "xX" and word[1:].isdigit() and int(word[1:]) > 0:
            options["times"] = int(word[1:])
        elif kind == "fail" and word.isdigit() and "status" not in options:
            options["status"] = int(word)
        elif kind == "delay" and _seconds(word) is not None and "seconds" not in options:
            options["seconds"] = _seconds(word)
        else:
            raise ConfigurationError(
                f"--{kind} {text!r}: {word!r} is not understood; use {grammar}."
            )
    if kind == "fail" and "status" not in options:
        raise ConfigurationError(f"--fail {text!r} names no status; use {grammar}.")
    if kind == "delay" and "seconds" not in options:
        raise ConfigurationError(f"--delay {text!r} names no seconds; use {grammar}.")
    return FaultSpec(kind, **options)


def _seconds(word: str) -> float | None:
    try:
        value = float(word.removesuffix("s"))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def parse_rate_limit(text: str) -> RateLimit:
    """A :class:`~requests_kalshi.testing.RateLimit` from ``--rate-limit``.

    >>> parse_rate_limit("advanced").tier
    'advanced'
    >>> parse_rate_limit("200/100").figures()
    (200, 100, 200, 100)

    :param text: a tier name (``basic``, ``advanced``, ``premier``, ``paragon``, ``prime``)
        or ``READ/WRITE`` in tokens per second (Basic's bucket sizes: one second each).
    :raises ConfigurationError: anything else.
    """
    from requests_kalshi.testing.limits import RateLimit

    read, slash, write = text.strip().partition("/")
    if not slash:
        return RateLimit(tier=text.strip().lower())
    if not (read.strip().isdigit() and write.strip().isdigit()):
        raise ConfigurationError(
            f"--rate-limit {text!r}: use a tier name (basic, advanced, premier, paragon, "
            "prime) or READ/WRITE tokens per second, such as 200/100."
        )
    return RateLimit(read_per_second=int(read), write_per_second=int(write))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` options."""
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    parser.add_argument(
        "--key-type",
        choices=("rsa", "ed25519"),
        default="rsa",
        help="the throwaway key's type (default: rsa, as Kalshi issues)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of the exchange's seeded markets and book"
    )
    parser.add_argument(
        "--rate-limit",
        metavar="TIER|READ/WRITE",
        help="answer 429 like Kalshi above a tier's token budgets, or READ/WRITE tokens a second",
    )
    parser.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="run the exchange's clock this far ahead (negative: behind)",
    )
    for kind, what in (
        ("fail", "answer an error status"),
        ("delay", "hold a request"),
        ("drop", "close the connection"),
    ):
        parser.add_argument(
            f"--{kind}",
            action="append",
            default=[],
            metavar="SPEC",
            help=f"{what} for the next matching requests (repeatable; see below)",
        )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="do not log each request to stderr"
    )


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or ``SIGTERM``; returns the exit status.

    :raises ConfigurationError: an unusable option.
    :raises OSError: the port cannot be bound.
    """
    from requests_kalshi.testing.exchange import LocalExchange

    faults = [
        parse_fault(kind, spec)
        for kind in ("fail", "delay", "drop")
        for spec in getattr(args, kind)
    ]
    options: dict[str, Any] = {"key_type": args.key_type, "clock_offset": args.clock_offset}
    if args.rate_limit is not None:
        options["rate_limit"] = parse_rate_limit(args.rate_limit)
    if args.seed is not None:
        options["seed"] = args.seed  # an exchange without seeded data refuses it
    exchange = LocalExchange(port=args.port, **options)
    for fault in faults:
        fault.apply(exchange)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Set both: a process started in the background may inherit an ignored SIGINT.
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with tempfile.TemporaryDirectory(prefix="requests-kalshi-") as folder:
            key_file = Path(folder) / "local-exchange-key.pem"
            key_file.touch(mode=0o600)
            key_file.write_bytes(exchange.private_key_pem())
            unwatch = None if args.quiet else exchange.core.watch_requests(_logger(sys.stderr))
            with exchange:
                _print_serving(exchange, key_file, faults, sys.stdout)
                try:
                    signal.pause() if hasattr(signal, "pause") else _wait_forever()
                except KeyboardInterrupt:
                    print("stopped.", flush=True)
            if unwatch is not None:
                unwatch()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _wait_forever() -> None:  # pragma: no cover - Windows has no signal.pause
    threading.Event().wait()


def _logger(out: TextIO) -> Any:
    lock = threading.Lock()

    def log_request(record: RecordedRequest) -> None:
        stamp = time.strftime("%H:%M:%S")
        status = "dropped" if record.status is None else str(record.status)
        line = f"{stamp} {record.method or '-'} {record.path or '-'} {status} auth={record.auth}"
        if record.fault:
            line += f" fault={record.fault}"
        with lock:
            print(line, file=out, flush=True)

    return log_request


def _print_serving(
    exchange: LocalExchange, key_file: Path, faults: list[FaultSpec], out: TextIO
) -> None:
    try_it = (
        f"{PROG} request GET /portfolio/balance --env {exchange.url} "
        f"--key-id {exchange.key_id} --key {shlex.quote(str(key_file))}"
    )
    print(f"Local Kalshi exchange: {exchange.url}", file=out)
    print(f"websocket: {exchange.ws_url}", file=out)
    print(f"margin ws: {exchange.margin_ws_url}", file=out)
    print(f"key id:   {exchange.key_id}", file=out)
    print(f"key file: {key_file}", file=out)
    limit = exchange.core.rate_limit
    if limit is not None:
        read, write, read_cap, write_cap = limit.figures()
        print(
            f"rate limit: {limit.tier}, read {read}/s (bucket {read_cap}), "
            f"write {write}/s (bucket {write_cap}) tokens",
            file=out,
        )
    if exchange.clock_offset:
        print(f"clock offset: {exchange.clock_offset:+g} s", file=out)
    for fault in faults:
        print(f"fault:    {fault}", file=out)
    print(f"try:      {try_it}", file=out)
    print("Ctrl-C stops it.", file=out, flush=True)
