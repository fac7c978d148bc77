"""What a ``rate_limit=`` option means: no limiter, a tier, the account's figures, or numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from requests_kalshi.errors import ConfigurationError

from .account import Getter
from .limiter import RateLimiter
from .tiers import TIERS

__all__ = ["resolve_rate_limit"]


def resolve_rate_limit(spec: Any, session: Getter | None) -> RateLimiter | None:
    """The limiter a ``rate_limit=`` option asks for.

    :param spec: ``None`` or ``False`` (no limiter); a :class:`RateLimiter` (used as is); a
        tier name such as ``"basic"``; ``"auto"`` (read from the account through
        ``session``); or a mapping of :class:`RateLimiter` arguments with at least
        ``read_per_second`` and ``write_per_second``.
    :param session: what ``"auto"`` reads the account's limits through.
    :raises ConfigurationError: any other value, or what :class:`RateLimiter`,
        :meth:`RateLimiter.for_tier` and :meth:`RateLimiter.from_account` raise.
    """
    if spec is None or spec is False:
        return None
    if isinstance(spec, RateLimiter):
        return spec
    if isinstance(spec, str):
        if spec.strip().lower() == "auto":
            if session is None:
                raise ConfigurationError("rate_limit='auto' needs a session to ask Kalshi.")
            return RateLimiter.from_account(session)
        return RateLimiter.for_tier(spec)
    if isinstance(spec, Mapping):
        missing = {"read_per_second", "write_per_second"} - set(spec)
        if missing:
            raise ConfigurationError(
                f"rate_limit mapping lacks {', '.join(sorted(missing))}: give both "
                "read_per_second and write_per_second, in tokens per second."
            )
        try:
            return RateLimiter(**dict(spec))
        except TypeError as error:
            raise ConfigurationError(f"bad rate_limit mapping: {error}.") from error
    raise ConfigurationError(
        f"rate_limit must be None, a tier name ({', '.join(TIERS)}), 'auto', a mapping "
        f"with read_per_second and write_per_second, or a RateLimiter; not {spec!r}."
    )
