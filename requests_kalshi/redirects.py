"""Keeping signatures right across redirects, whatever transport adapter sends the request.

``requests`` never runs an auth again on a redirect: it copies the request that was answered
with the redirect and strips only ``Authorization`` when the host changes, so
``KALSHI-ACCESS-*`` headers would reach the new host with a signature for the old path.

A signed request's headers are a :class:`SignedHeaders`. When the auth's response hook sees
a redirect, it records the next hop on them (through any copy an adapter sent, which shares
the record); every copy made afterwards, such as the one ``requests`` makes for the next
hop, carries a signature for the next hop's own method and path, or none at all for a host
the auth does not sign for. The request that was sent is never changed, so
``response.history`` shows what really went out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlparse

import requests
from requests.status_codes import codes
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri

from .errors import UntrustedHostError
from .signing import SIGNED_HEADERS
from .urls import redact

if TYPE_CHECKING:
    from .auth import KalshiAuth

__all__ = [
    "SignedHeaders",
    "note_redirect",
    "redirect_method",
    "redirect_target",
    "strip_signature",
]


class _NextHop:
    """Shared by a signed request's headers and their copies: where its redirect leads."""

    __slots__ = ("auth", "method", "url")

    def __init__(self) -> None:
        self.auth: KalshiAuth | None = None
        self.method = ""
        self.url = ""


class SignedHeaders(CaseInsensitiveDict[str]):
    """The headers of a request a :class:`KalshiAuth` signed.

    A copy made before the request's answer is the same headers (an adapter may send a copy);
    a copy made after a redirect answered it carries the next hop's signature, or none.
    """

    def __init__(self, data: Any = None, *, next_hop: _NextHop | None = None) -> None:
        super().__init__(data)
        self._next_hop = _NextHop() if next_hop is None else next_hop

    def copy(self) -> CaseInsensitiveDict[str]:
        """A copy for the same request, or for the redirect's next hop once one was seen."""
        hop = self._next_hop
        if hop.auth is None:
            return SignedHeaders(self.items(), next_hop=hop)
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(self.items())
        for name in SIGNED_HEADERS:
            headers.pop(name, None)
        if not hop.auth.signs_for(hop.url):
            return headers  # a chain that left the trusted hosts is never signed again
        signed = SignedHeaders(headers)
        hop.auth.sign_headers(signed, hop.method, hop.url)
        return signed

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (as by response caches) as the plain headers: the record holds the auth.
        return CaseInsensitiveDict, (list(self.items()),)

    def follow(self, auth: KalshiAuth, method: str, url: str) -> None:
        """Record that the request was redirected to ``method url``.

        :param auth: the auth that signs the next hop, if it signs for ``url``.
        :type auth: requests_kalshi.KalshiAuth
        """
        hop = self._next_hop
        hop.method, hop.url, hop.auth = method, url, auth


def redirect_target(response: requests.Response) -> str | None:
    """The absolute URL a redirect response points to, as ``requests`` will follow it.

    ``None`` when the response is not a redirect, or its ``Location`` cannot be followed.

    Mirrors :meth:`requests.Session.resolve_redirects` (fragments aside, which are not sent).
    """
    if not response.is_redirect:
        return None
    location = response.headers["location"].encode("latin1").decode("utf8", "replace")
    if not location:
        return None  # requests does not follow an empty Location
    if location.startswith("//"):
        location = f"{urlparse(response.url).scheme}:{location}"
    try:
        parsed = urlparse(location)  # drops tabs and newlines, as requests does
    except ValueError:
        return None  # requests cannot follow it either (it raises)
    if not parsed.netloc:
        return urljoin(response.url, requote_uri(parsed.geturl()))
    return requote_uri(parsed.geturl())


def redirect_method(method: str, status: int) -> str:
    """The method ``requests`` uses for the next hop (as ``Session.rebuild_method`` does)."""
    method = method.upper()
    if status == codes.see_other and method != "HEAD":
        return "GET"
    if status == codes.found and method != "HEAD":
        return "GET"
    if status == codes.moved and method == "POST":
        return "GET"
    return method


def strip_signature(request: requests.PreparedRequest) -> None:
    """Remove every ``KALSHI-ACCESS-*`` header from ``request``."""
    for name in SIGNED_HEADERS:
        request.headers.pop(name, None)


def note_redirect(auth: KalshiAuth, response: requests.Response) -> None:
    """Make copies of the redirected request carry the next hop's signature, or none.

    Used as the auth's response hook, so it works for a plain ``requests.Session`` and any
    adapter that sends the request or a copy of it.

    :raises UntrustedHostError: the redirect leads to a host the auth does not sign for, and
        the adapter replaced the request's headers, so the signature cannot be kept from
        following it.

    :param auth: the auth of the request being redirected.
    :type auth: requests_kalshi.KalshiAuth
    :param response: the redirect response.
    """
    target = redirect_target(response)
    sent = response.request
    if target is None or sent is None:
        return
    method = redirect_method(sent.method or "GET", response.status_code)
    headers: Any = sent.headers
    if isinstance(headers, SignedHeaders):
        headers.follow(auth, method, target)
    elif any(name in headers for name in SIGNED_HEADERS) and not auth.signs_for(target):
        raise UntrustedHostError(
            f"cannot follow the redirect to {redact(target)!r}: the transport adapter replaced "
            "the signed request's headers, so the signature would follow it to a host that is "
            "not Kalshi's. Use KalshiSession, or send with allow_redirects=False."
        )
