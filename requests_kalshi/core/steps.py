"""The steps of the attempt flow (:mod:`.attempts`), and the loops that drive it.

Each step is a plain value saying what the adapter does next; the adapter answers some of
them (:class:`Sign` with :class:`Signed`, :class:`Send` with the response or the exception).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = [
    "Close",
    "Pace",
    "Read",
    "Rewind",
    "Send",
    "SetOffset",
    "Sign",
    "Signed",
    "Wait",
    "drive",
    "drive_async",
]

R = TypeVar("R")


@dataclass(frozen=True)
class Wait:
    """Wait this many seconds (a backoff or ``Retry-After``).

    :ivar seconds: how long.
    """

    seconds: float


@dataclass(frozen=True)
class Pace:
    """Wait for the rate limiter's tokens for a ``method`` request to ``path``.

    :ivar method: the request's method.
    :ivar path: the request's path.
    """

    method: str
    path: str


@dataclass(frozen=True)
class Sign:
    """Sign the attempt now for its target, or strip its signature if the target is untrusted.

    The adapter answers with :class:`Signed`, or ``None`` when it stripped the signature.
    """


@dataclass(frozen=True)
class Signed:
    """What an attempt was signed with.

    :ivar timestamp_ms: the signed timestamp.
    :ivar offset: the clock offset it was signed with (seconds).
    :ivar clock: the signer's clock, without offset (Unix seconds).
    """

    timestamp_ms: int
    offset: float
    clock: Callable[[], float]


@dataclass(frozen=True)
class Send:
    """Send the attempt; the adapter answers with the response or the exception raised."""


@dataclass(frozen=True)
class Read(Generic[R]):
    """Read the response's body.

    :ivar response: the client's response.
    """

    response: R


@dataclass(frozen=True)
class Close(Generic[R]):
    """Close the response (read or not).

    :ivar response: the client's response.
    """

    response: R


@dataclass(frozen=True)
class SetOffset:
    """Set the auth's clock offset to ``offset`` seconds.

    :ivar offset: the new clock offset.
    """

    offset: float


@dataclass(frozen=True)
class Rewind:
    """Make the next attempt ready: a fresh copy of the request, its body rewound."""


Step = Wait | Pace | Sign | Send | Read[Any] | Close[Any] | SetOffset | Rewind
Flow = Generator[Step, Any, R]


def drive(flow: Flow[R], act: Callable[[Step], object]) -> R:
    """Run ``flow`` to its end, answering each step with what ``act`` returns (blocking)."""
    step = next(flow)
    while True:
        reply = act(step)
        try:
            step = flow.send(reply)
        except StopIteration as done:
            result: R = done.value
            return result


async def drive_async(flow: Flow[R], act: Callable[[Step], Awaitable[object]]) -> R:
    """Run ``flow`` to its end, awaiting ``act`` for each step (never blocking)."""
    step = next(flow)
    while True:
        reply = await act(step)
        try:
            step = flow.send(reply)
        except StopIteration as done:
            result: R = done.value
            return result
