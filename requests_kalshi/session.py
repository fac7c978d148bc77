"""``KalshiSession`` and the ``session()`` factory: a ``requests.Session`` ready for Kalshi."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from requests.utils import default_user_agent

from ._version import __version__
from .auth import ENV_KEY_ID, ENV_KEY_PATH, ENV_KEY_TEXT, KalshiAuth
from .environments import Environment, resolve_environment
from .errors import ConfigurationError
from .keys import KeySource

__all__ = ["KalshiSession", "session"]

ENV_ENVIRONMENT = "KALSHI_ENV"


class KalshiSession(requests.Session):
    """A :class:`requests.Session` bound to one Kalshi environment.

    Relative URLs resolve under the environment's base URL, keeping its ``/trade-api/v2``
    path: ``"/markets"``, ``"markets"`` and ``"/trade-api/v2/markets"`` all mean
    ``{base_url}/markets``. Absolute ``http(s)://`` URLs are used as given.

    :param environment: where requests go: ``"demo"``, ``"production"``, an
        :class:`Environment` or a base URL.
    :param auth: the auth for every request, usually a :class:`KalshiAuth`; ``None`` for
        public endpoints only.
    :raises UnknownEnvironmentError: ``environment`` is not usable.
    """

    environment: Environment
    """The environment this session talks to."""
    base_url: str
    """REST base URL, ending in ``/trade-api/v2`` (no trailing slash)."""

    def __init__(
        self, environment: str | Environment = "demo", *, auth: AuthBase | None = None
    ) -> None:
        super().__init__()
        self.environment = resolve_environment(environment)
        self.base_url = self.environment.rest_url
        self._base_path = urlsplit(self.base_url).path.rstrip("/")
        self.auth = auth
        self.headers["User-Agent"] = f"requests-kalshi/{__version__} {default_user_agent()}"

    def url_for(self, url: str) -> str:
        """The absolute URL a request to ``url`` goes to.

        >>> KalshiSession("demo").url_for("/markets")
        'https://external-api.demo.kalshi.co/trade-api/v2/markets'
        """
        if not isinstance(url, str):
            raise ConfigurationError(f"url must be a str, not {type(url).__name__}.")
        scheme = urlsplit(url).scheme.lower()
        if scheme in ("http", "https"):
            return url
        if scheme:
            raise ConfigurationError(
                f"cannot request {url!r}: only http(s) URLs or paths under {self.base_url}."
            )
        path = url.lstrip("/")
        if self._base_path and ("/" + path).startswith(self._base_path + "/"):
            path = path[len(self._base_path) :]
        return f"{self.base_url}/{path}" if path else self.base_url

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send a request; ``url`` may be relative to :attr:`base_url`."""
        if isinstance(url, bytes):
            url = url.decode("utf-8")
        return super().request(method, self.url_for(url), *args, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url} auth={self.auth!r}>"


def session(
    env: str | Environment | None = None,
    *,
    auth: AuthBase | None = None,
    key_id: str | None = None,
    private_key: KeySource | None = None,
    password: str | bytes | None = None,
    environ: Mapping[str, str] | None = None,
) -> KalshiSession:
    """Make a :class:`KalshiSession` for demo, production or a local server.

    :param env: ``"demo"``, ``"production"`` (or ``"prod"``), an :class:`Environment`, or a
        base URL such as ``"http://127.0.0.1:8080/trade-api/v2"``. When ``None``, the
        ``KALSHI_ENV`` environment variable decides, else ``"demo"``.
    :param auth: a ready auth object (usually a :class:`KalshiAuth`).
    :param key_id: the API key id, with ``private_key``, instead of ``auth``.
    :param private_key: the private key, as for :class:`KalshiAuth`.
    :param password: the password of an encrypted key.
    :param environ: where to read ``KALSHI_*`` variables; :data:`os.environ` by default.
    :returns: an authenticated session; with no credentials given, one built from the
        ``KALSHI_*`` variables when ``KALSHI_API_KEY_ID`` or a key variable is set (see
        :meth:`KalshiAuth.from_env`), else an unauthenticated one for public endpoints.
    :raises ConfigurationError: conflicting or incomplete credentials.
    :raises UnknownEnvironmentError: an unknown environment.
    :raises KeyLoadError: the key cannot be loaded.
    """
    variables = os.environ if environ is None else environ
    if env is None:
        env = variables.get(ENV_ENVIRONMENT, "").strip() or "demo"
    environment = resolve_environment(env)
    if auth is not None and (key_id is not None or private_key is not None):
        raise ConfigurationError("pass either auth= or key_id= and private_key=, not both.")
    if auth is None and (key_id is not None or private_key is not None):
        if key_id is None or private_key is None:
            missing = "key_id" if key_id is None else "private_key"
            raise ConfigurationError(f"{missing} is missing: pass both key_id= and private_key=.")
        auth = KalshiAuth(key_id, private_key, password=password)
    elif auth is None and password is not None:
        raise ConfigurationError("password= was given without key_id= and private_key=.")
    elif auth is None and any(
        variables.get(name) for name in (ENV_KEY_ID, ENV_KEY_PATH, ENV_KEY_TEXT)
    ):
        auth = KalshiAuth.from_env(variables)
    return KalshiSession(environment, auth=auth)
