"""Joining a request's URL to an environment's base URL, the same way for every client."""

from __future__ import annotations

from urllib.parse import urlsplit

from requests_kalshi.errors import ConfigurationError

__all__ = ["join_url"]


def join_url(base_url: str, url: str) -> str:
    """The absolute URL a request to ``url`` goes to, for a base URL ending in ``/trade-api/v2``.

    Relative paths stay under the base path; ``/trade-api/…`` paths outside it are taken from
    the host's root; ``//host/x`` is a path, never another host; absolute ``http(s)://``
    URLs are used as given.

    >>> base = "https://external-api.demo.kalshi.co/trade-api/v2"
    >>> join_url(base, "/markets") == join_url(base, "/trade-api/v2/markets") == base + "/markets"
    True
    >>> join_url(base, "/trade-api/ws/v2")
    'https://external-api.demo.kalshi.co/trade-api/ws/v2'
    >>> join_url(base, "//evil.example/x")
    'https://external-api.demo.kalshi.co/trade-api/v2/evil.example/x'

    :raises ConfigurationError: ``url`` is not a str, or has a scheme other than http(s).
    """
    if not isinstance(url, str):
        raise ConfigurationError(f"url must be a str, not {type(url).__name__}.")
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return url
    if scheme:
        raise ConfigurationError(
            f"cannot request {url!r}: only http(s) URLs or paths under {base_url}."
        )
    parts = urlsplit(base_url)
    base_path = parts.path.rstrip("/")
    path = url.lstrip("/")
    if base_path and ("/" + path).startswith(base_path + "/"):
        path = path[len(base_path) :]
    elif url.startswith("/trade-api/"):
        return f"{parts.scheme}://{parts.netloc}{url}"
    return f"{base_url}/{path.lstrip('/')}" if path else base_url
