"""Environment proxies looked up once per origin, not on every request.

``requests`` scans every environment variable twice per request to find proxies (any
spelling of ``*_proxy`` counts, such as ``Https_Proxy``). :class:`ProxyCache` keeps the
answers per origin and per value of every such variable, found with one pass over the raw,
undecoded variables (several times cheaper than the look-up itself), and gives the same
settings as :meth:`requests.Session.merge_environment_settings`.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies

if TYPE_CHECKING:
    from requests.sessions import _Settings

__all__ = ["ProxyCache"]

# macOS and Windows also take proxies from system settings that no variable reveals.
_CACHE_PROXIES = sys.platform not in ("darwin", "win32")


class ProxyCache:
    """The environment's proxies per origin, for one session (thread-safe).

    :param size: how many answers are kept; all are dropped when it is reached.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._answers: dict[tuple[Any, ...], dict[str, str]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def merge(
        self,
        session: requests.Session,
        url: Any,
        proxies: Any,
        stream: Any,
        verify: Any,
        cert: Any,
    ) -> _Settings | None:
        """``session``'s settings for a request to ``url``, as ``requests`` would merge them.

        ``None`` where only ``requests`` itself can answer: with ``trust_env`` off, on macOS
        and Windows (system proxy settings), or when the raw variables cannot be read.
        """
        environ: Any = os.environ
        raw = getattr(environ, "_data", None)  # the variables as bytes (POSIX), undecoded
        if not session.trust_env or not _CACHE_PROXIES or not isinstance(raw, dict):
            return None
        no_proxy = proxies.get("no_proxy") if proxies is not None else None
        parts = urlsplit(url)
        # Every variable urllib reads for proxies: *_proxy in any spelling, and REQUEST_METHOD
        # (under CGI, HTTP_PROXY is ignored).
        variables = tuple(
            item
            for item in raw.items()
            if item[0][-6:].lower() == b"_proxy" or item[0] == b"REQUEST_METHOD"
        )
        key = (parts.scheme, parts.netloc, no_proxy, variables)
        with self._lock:
            env_proxies = self._answers.get(key)
        if env_proxies is None:
            env_proxies = get_environ_proxies(url, no_proxy=no_proxy)
            with self._lock:
                if len(self._answers) >= self.size:
                    self._answers.clear()
                self._answers[key] = env_proxies
        if proxies is not None:
            for name, value in env_proxies.items():
                proxies.setdefault(name, value)
        if verify is True or verify is None:
            verify = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or verify
        settings: _Settings = {
            "proxies": merge_setting(proxies, session.proxies),  # type: ignore[no-untyped-call]
            "stream": merge_setting(stream, session.stream),  # type: ignore[no-untyped-call]
            "verify": merge_setting(verify, session.verify),  # type: ignore[no-untyped-call]
            "cert": merge_setting(cert, session.cert),  # type: ignore[no-untyped-call]
        }
        return settings
