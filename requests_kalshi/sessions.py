"""``session()``: a ready :class:`~requests_kalshi.KalshiSession` for demo, production or local.

Named ``sessions`` as in ``requests``: ``requests_kalshi.session`` is the function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from requests.auth import AuthBase

from .environments import Environment
from .kalshi_session import KalshiSession
from .keys import KeySource
from .retry import RetryPolicy
from .session_options import DEFAULT_TIMEOUT, ENV_ENVIRONMENT, Timeout, resolve_options

__all__ = ["DEFAULT_TIMEOUT", "ENV_ENVIRONMENT", "KalshiSession", "Timeout", "session"]


def session(
    env: str | Environment | None = None,
    *,
    auth: AuthBase | None = None,
    key_id: str | None = None,
    private_key: KeySource | None = None,
    password: str | bytes | None = None,
    allowed_hosts: Iterable[str] = (),
    retries: int | None = None,
    backoff_factor: float | None = None,
    retry: RetryPolicy | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    rate_limit: Any = None,
    raise_errors: bool = False,
    correct_clock: bool = True,
    environ: Mapping[str, str] | None = None,
) -> KalshiSession:
    """Make a :class:`KalshiSession` for demo, production or a local server.

    :param env: ``"demo"``, ``"production"`` (or ``"prod"``), ``"local"``, an
        :class:`Environment`, or a base URL such as ``"http://127.0.0.1:8080/trade-api/v2"``.
        When ``None``, the ``KALSHI_ENV`` environment variable decides, else ``"demo"``.
        ``"local"`` starts a fresh :class:`~requests_kalshi.testing.LocalExchange` and returns
        a :class:`~requests_kalshi.local.LocalSession` bound to it, which stops it on
        :meth:`~requests_kalshi.local.LocalSession.close`. It signs with the exchange's
        throwaway key; only credentials passed here (``auth=``, ``key_id=`` and
        ``private_key=``) replace it, and their key is registered with the exchange;
        ``KALSHI_*`` key variables are ignored, so settings meant for demo cannot break it.
    :param auth: a ready auth object (usually a :class:`KalshiAuth`).
    :param key_id: the API key id, with ``private_key``, instead of ``auth``.
    :param private_key: the private key, as for :class:`KalshiAuth`.
    :param password: the password of an encrypted key.
    :param allowed_hosts: more hosts the auth may sign for (see :class:`KalshiAuth`).
    :param retries: how many times a failed request may be retried (``0``: never; 3 when
        not given); see :class:`RetryPolicy` for which failures count.
    :param backoff_factor: seconds; the base of the exponential backoff between retries
        (0.5 when not given).
    :param retry: a complete :class:`RetryPolicy`, instead of ``retries``/``backoff_factor``.
    :param timeout: default ``(connect, read)`` timeout in seconds; ``None`` waits forever.
    :param rate_limit: pace requests on the client: a tier name (``"basic"``,
        ``"advanced"``, …), ``"auto"`` (reads ``/account/limits``), a mapping of numbers, a
        :class:`RateLimiter` or any object with ``acquire(method, path)``; ``None`` (the
        default) does not pace.
    :param raise_errors: raise the typed :class:`KalshiAPIError` for error responses.
    :param correct_clock: correct the clock offset and retry once when Kalshi refuses a
        timestamp (see :class:`KalshiSession`).
    :param environ: where to read ``KALSHI_*`` variables; :data:`os.environ` by default.
    :returns: an authenticated session; with no credentials given, one built from the
        ``KALSHI_*`` variables when ``KALSHI_API_KEY_ID`` or a key variable is set (see
        :meth:`KalshiAuth.from_env`), else an unauthenticated one for public endpoints.
    :raises ConfigurationError: conflicting or incomplete credentials, a bad option, an
        option that would be ignored (``password``/``allowed_hosts`` with ``auth``, ``retry``
        with ``retries``/``backoff_factor``), or for ``"local"`` an ``auth`` that is not a
        :class:`KalshiAuth`.
    :raises UnknownEnvironmentError: an unknown environment.
    :raises KeyLoadError: the key cannot be loaded.
    """
    options = resolve_options(**locals())  # every parameter here is an option
    if options.environment is None:
        from .local import local_session

        return local_session(**options.session_options())
    return KalshiSession(options.environment, **options.session_options())
