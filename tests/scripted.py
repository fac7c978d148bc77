"""A scripted loopback server: answers from a queue and checks every signature it receives."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from .loopback import LoopbackServer, Received, Reply, json_reply
from .verifier import is_valid

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
Step = Reply | Callable[[Received], Reply]
OK: Reply = json_reply(200, {"ok": True})


def signature_of(received: Received, public_key: PublicKey, key_id: str) -> int | None:
    """The signed timestamp when ``received`` carries a valid signature, else ``None``."""
    h = {k.lower(): v for k, v in received.headers.items()}
    timestamp = h.get("kalshi-access-timestamp", "")
    if h.get("kalshi-access-key") != key_id or not timestamp.isdigit():
        return None
    text = f"{timestamp}{received.method}{received.path}"
    return (
        int(timestamp) if is_valid(public_key, text, h.get("kalshi-access-signature", "")) else None
    )


@dataclass
class ScriptedServer:
    """Answers request ``n`` with ``script[n]`` (then ``OK``) and verifies each signature."""

    public_key: PublicKey
    key_id: str
    script: Sequence[Step] = field(default_factory=list)
    server: LoopbackServer = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        steps = iter(self.script)
        self._next: Callable[[], Step | None] = lambda: next(steps, None)
        self.server = LoopbackServer(self._respond)

    def _respond(self, received: Received) -> Reply:
        with self._lock:
            step = self._next()
        if step is None:
            return OK
        return step(received) if callable(step) else step

    @property
    def received(self) -> list[Received]:
        return self.server.received

    def timestamps(self) -> list[int | None]:
        """The verified timestamp of every request received (``None`` where invalid)."""
        return [signature_of(r, self.public_key, self.key_id) for r in self.received]

    @contextmanager
    def running(self) -> Iterator[ScriptedServer]:
        with self.server.running():
            yield self

    @property
    def url(self) -> str:
        return self.server.url + "/trade-api/v2"


def slow(seconds: float, reply: Reply = OK) -> Callable[[Received], Reply]:
    def respond(received: Received) -> Reply:
        time.sleep(seconds)
        return reply

    return respond


def ticking_clock(start: float = 1_700_000_000.0, step: float = 1.0) -> Callable[[], float]:
    """A clock that moves ``step`` seconds on every reading (thread-safe)."""
    counter = itertools.count()
    return lambda: start + step * next(counter)


FUNDING_HOUR = 1_800_000_000 - 1_800_000_000 % 3600
"""A whole hour of Unix time: a funding time of the local exchange's perpetual futures."""


def after_a_funding(seconds: float = 1.0) -> Callable[[], float]:
    """An exchange clock from ``seconds`` after a funding, a millisecond more on every reading.

    No funding falls due by itself (the next is 3.6 million readings away) unless a test
    moves the clock; every signature still gets a timestamp of its own.
    """
    return ticking_clock(FUNDING_HOUR + seconds, 0.001)
