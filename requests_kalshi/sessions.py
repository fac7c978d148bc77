"""``session()``: a ready :class:`~requests_kalshi.KalshiSession` for demo, production or local.

Named ``sessions`` as in ``requests``: ``requests_kalshi.session`` is the function.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from requests.auth import AuthBase

from .auth import KalshiAuth
from .credentials import ENV_KEY_ID, ENV_KEY_PATH, ENV_KEY_TEXT
from .environments import Environment, is_local, resolve_environment
from .errors import ConfigurationError
from .kalshi_session import KalshiSession
from .keys import KeySource
from .retry import RetryPolicy
from .session_options import DEFAULT_TIMEOUT, Timeout

__all__ = ["DEFAULT_TIMEOUT", "ENV_ENVIRONMENT", "KalshiSession", "Timeout", "session"]

ENV_ENVIRONMENT = "KALSHI_ENV"
"""The variable naming the environment when ``session()`` is given none."""


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
    variables = os.environ if environ is None else environ
    if env is None:
        env = variables.get(ENV_ENVIRONMENT, "").strip() or "demo"
    local = is_local(env)
    environment = None if local else resolve_environment(env)
    if auth is not None and (key_id is not None or private_key is not None):
        raise ConfigurationError("pass either auth= or key_id= and private_key=, not both.")
    allowed_hosts = tuple(allowed_hosts)
    if auth is not None and (password is not None or allowed_hosts):
        raise ConfigurationError(
            "password= and allowed_hosts= build a KalshiAuth; with auth= given, pass them to "
            "KalshiAuth(...) instead."
        )
    if auth is None and (key_id is not None or private_key is not None):
        if key_id is None or private_key is None:
            missing = "key_id" if key_id is None else "private_key"
            raise ConfigurationError(f"{missing} is missing: pass both key_id= and private_key=.")
        auth = KalshiAuth(key_id, private_key, password=password, allowed_hosts=allowed_hosts)
    elif auth is None and password is not None:
        raise ConfigurationError("password= was given without key_id= and private_key=.")
    elif (
        auth is None
        and not local
        and any(variables.get(name) for name in (ENV_KEY_ID, ENV_KEY_PATH, ENV_KEY_TEXT))
    ):
        auth = KalshiAuth.from_env(variables, allowed_hosts=allowed_hosts)
    elif auth is None and allowed_hosts:
        raise ConfigurationError(
            "allowed_hosts= was given without credentials: pass key_id= and private_key= "
            "(or set KALSHI_API_KEY_ID and a key variable)."
        )
    if retry is None:
        retry = RetryPolicy(
            total=3 if retries is None else retries,
            backoff_factor=0.5 if backoff_factor is None else backoff_factor,
        )
    elif retries is not None or backoff_factor is not None:
        raise ConfigurationError("pass either retry= or retries=/backoff_factor=, not both.")
    options: dict[str, Any] = {
        "auth": auth,
        "retry": retry,
        "timeout": timeout,
        "rate_limit": rate_limit,
        "raise_errors": raise_errors,
        "correct_clock": correct_clock,
    }
    if environment is None:
        from .local import local_session

        return local_session(**options)
    return KalshiSession(environment, **options)
