"""URLs as the HTTP client sends them: the host it connects to and the path on the wire.

Trust is decided on the host a client will really connect to. ``urllib.parse`` (used by
``requests`` to pick the connection, and by most WebSocket clients) and urllib3 (used by
``requests`` to prepare URLs) read some malformed URLs differently, e.g. a backslash in the
authority; a URL they disagree on is refused rather than guessed.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from .errors import UntrustedHostError

try:  # the exact function urllib3 applies to a request target before sending it
    from urllib3.util.url import _encode_target
except ImportError:  # pragma: no cover - urllib3 before 1.25

    def _encode_target(target: str) -> str:
        return parse_url(target).path or "/"


__all__ = ["Target", "redact", "target_of", "wire_path"]

_PLAIN_ORIGIN = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.:\[\]-]*)(?:[/?#]|\Z)")
# Characters urllib3 leaves alone in a path (RFC 3986 pchar and "/"), and no "%".
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@/-]*\Z")


class Target(NamedTuple):
    """Where a URL leads, as the HTTP client will connect.

    :ivar scheme: the scheme, lower case.
    :ivar host: the host, lower case, without IPv6 brackets.
    :ivar port: the port given in the URL, or ``None``.
    """

    scheme: str
    host: str
    port: int | None


def target_of(url: str) -> Target:
    r"""Where ``url`` leads, as both ``urllib.parse`` and urllib3 read it.

    >>> target_of("https://External-API.kalshi.com/trade-api/v2")
    Target(scheme='https', host='external-api.kalshi.com', port=None)

    :raises UntrustedHostError: the URL cannot be parsed, or the two parsers disagree on its
        scheme, host or port (as for ``http://evil:1\\@127.0.0.1/``).
    """
    if not isinstance(url, str):
        raise UntrustedHostError(f"a URL must be a str, not {type(url).__name__}.")
    plain = _PLAIN_ORIGIN.match(url)
    if plain is not None and url.isprintable():
        # Only letters, digits, dots, dashes, colons and brackets before the path: nothing
        # the parsers could read differently, so the origin alone decides (and is cached).
        return _origin_target(plain.group(1))
    return _parsed_target(url)


@functools.lru_cache(maxsize=256)
def _origin_target(origin: str) -> Target:
    return _parsed_target(origin)


def _parsed_target(url: str) -> Target:
    try:
        split = urlsplit(url)
        ours = Target(split.scheme.lower(), (split.hostname or "").lower(), split.port)
        parsed = parse_url(url)
        host = (parsed.host or "").lower()
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        theirs = Target((parsed.scheme or "").lower(), host, parsed.port)
    except (ValueError, LocationParseError):
        raise UntrustedHostError(
            f"cannot use the URL {redact(url)!r}: it cannot be parsed (check the host and port)."
        ) from None
    if ours != theirs or not url.isprintable():
        raise UntrustedHostError(
            f"refusing the URL {redact(url)!r}: HTTP clients read its host in different ways "
            f"({ours.host or 'none'!r} or {theirs.host or 'none'!r}); remove backslashes, "
            "spaces, control characters and '@' from the host part."
        )
    return ours


def wire_path(url: str) -> str:
    """The path of ``url`` exactly as ``requests`` and urllib3 put it on the request line.

    Characters a path may not hold are percent-encoded and existing escapes upper-cased, as
    urllib3 does just before sending; this is the path Kalshi checks the signature against.

    >>> wire_path("http://127.0.0.1/trade-api/v2/markets/A[1]%2fb?limit=5")
    '/trade-api/v2/markets/A%5B1%5D%2Fb'
    """
    path = urlsplit(url).path or "/"  # as PreparedRequest.path_url
    if _PLAIN_PATH.match(path):
        return path  # nothing to encode: what urllib3 would return
    return _encode_target(path if path.startswith("/") else "/" + path)


def redact(url: str) -> str:
    """``url`` with any password in it replaced by ``***``.

    >>> redact("https://me:hunter2@host.example/x")
    'https://me:***@host.example/x'
    """
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a URL that cannot be parsed>"
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return parts._replace(netloc=f"{user}:***@{hostport}").geturl()
