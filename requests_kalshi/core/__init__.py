"""The core: Kalshi's rules as pure values and decisions, with no HTTP client in sight.

Nothing in this package imports ``requests``, ``httpx`` or ``urllib3``, sends, sleeps or
reads a clock of its own: each adapter (``requests_kalshi`` for ``requests``,
:mod:`requests_kalshi.httpx` for ``httpx``) parses URLs with its own client, asks these
values what to do, and does the waiting and sending its own way.

- :mod:`~requests_kalshi.core.attempts`: :class:`AttemptPolicy`, one request's attempts as
  steps (pace, sign, send, retry, correct the clock) that each adapter acts on.
- :mod:`~requests_kalshi.core.steps`: the steps, and their drivers
  (:func:`~requests_kalshi.core.steps.drive`, :func:`~requests_kalshi.core.steps.drive_async`).
- :mod:`~requests_kalshi.core.signature`: the signed text and the signature.
- :mod:`~requests_kalshi.core.signer`: :class:`Signer`, the key with its trusted targets.
- :mod:`~requests_kalshi.core.retrying`: :class:`RetryRules` and :class:`RetryState`.
- :mod:`~requests_kalshi.core.clock_skew`: :func:`judge_clock`, after a refused timestamp.
- :mod:`~requests_kalshi.core.redirects`: :func:`next_hop`, a redirect's method and signature.
- :mod:`~requests_kalshi.core.buckets`: :class:`TokenBucket`, rate-limit arithmetic.
- :mod:`~requests_kalshi.core.http_dates`: HTTP dates and ``Retry-After``.
- :mod:`~requests_kalshi.core.error_bodies`: Kalshi's error bodies and their diagnosis.
"""

from .buckets import TokenBucket
from .clock_skew import ClockVerdict, judge_clock
from .redirects import SignatureAction, next_hop, redirect_method
from .retrying import Failure, RetryRules, RetryState
from .signer import Signer, Target

__all__ = [
    "ClockVerdict",
    "Failure",
    "RetryRules",
    "RetryState",
    "SignatureAction",
    "Signer",
    "Target",
    "TokenBucket",
    "judge_clock",
    "next_hop",
    "redirect_method",
]
