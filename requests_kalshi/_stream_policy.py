"""When a Kalshi stream tries again, how long it pauses first, and when it gives up."""

from __future__ import annotations

from dataclasses import dataclass

from ._stream_items import StreamGaveUpError
from .errors import ConfigurationError

__all__ = ["ReconnectPolicy"]


@dataclass(frozen=True)
class ReconnectPolicy:
    """A stream's reconnect budget and backoff (see :func:`requests_kalshi.stream.connect`).

    :ivar retries: connection attempts after a failure before giving up (per outage).
    :ivar backoff: the first pause between attempts, in seconds; it doubles each time.
    :ivar max_backoff: the longest pause, in seconds.
    :ivar stable_after: seconds a connection must stay open for its loss to start a new outage.
    """

    retries: int
    backoff: float
    max_backoff: float
    stable_after: float

    @classmethod
    def checked(
        cls, retries: int, backoff: float, max_backoff: float, stable_after: float
    ) -> ReconnectPolicy:
        """The policy of these options.

        :raises ConfigurationError: an option is not a count or a number of seconds >= 0.
        """
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigurationError(f"retries must be an int >= 0, not {retries!r}.")
        seconds = (
            ("backoff", backoff),
            ("max_backoff", max_backoff),
            ("stable_after", stable_after),
        )
        for name, value in seconds:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigurationError(f"{name} must be a number of seconds >= 0: {value!r}.")
        return cls(retries, float(backoff), float(max_backoff), float(stable_after))

    def may_try(self, failures: int) -> bool:
        """Whether the budget allows another attempt after ``failures`` failed in a row."""
        return failures <= self.retries

    def pause(self, failures: int) -> float:
        """The longest pause before the attempt after ``failures`` failed (jitter shortens it)."""
        factor: int = 2 ** (failures - 1)
        return min(self.max_backoff, self.backoff * factor)

    def lost_too_soon(self, open_for: float) -> bool:
        """Whether a connection lost after ``open_for`` seconds counts as a failed attempt."""
        return open_for < self.stable_after

    def gave_up(self, url: str, failures: int, last: BaseException | None) -> StreamGaveUpError:
        """The error for an outage whose ``failures`` used up the budget."""
        return StreamGaveUpError(
            f"gave up on {url} after {failures} attempts that failed or were lost "
            f"within stable_after={self.stable_after:g} s of opening (last: {last}); check "
            "the network and Kalshi's status, or raise retries=.",
            failures,
        )
