"""Keeping signatures right across redirects, whatever transport adapter sends the request.

``requests`` never runs an auth again on a redirect: it copies the request that was answered
with the redirect and strips only ``Authorization`` when the host changes, so
``KALSHI-ACCESS-*`` headers would reach the new host with a signature for the old path.

A request a :class:`~requests_kalshi.KalshiAuth` signs (or a
:class:`~requests_kalshi.KalshiSession` will sign) carries :class:`SignedHeaders`: they mark
the request as the auth's, and travel with every copy of it. What a redirect does to the
signature is decided in one place, :func:`hop_headers` (with the core's
:func:`~requests_kalshi.core.redirects.hop_action`), on either path:

- with a plain ``requests.Session``, the auth's response hook records the redirect on the
  headers (:func:`note_redirect`), so the copy ``requests`` makes for the next hop carries
  a signature for its own method and path, or none at all for a host the auth does not
  sign for;
- :class:`~requests_kalshi.KalshiSession` makes the next hop's headers in ``rebuild_auth``
  and signs each hop in ``send``, after its waits.

A hop after one that went out unsigned is never signed again. The request that was sent is
never changed, so ``response.history`` shows what really went out.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Protocol
from urllib.parse import urljoin, urlparse

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri

from .core.redirects import SignatureAction, hop_action, redirect_method
from .core.signer import Signer, Target
from .errors import UntrustedHostError
from .signing import SIGNED_HEADERS
from .urls import redact, target_of

__all__ = [
    "Chain",
    "HopSigner",
    "SignedHeaders",
    "chain_of",
    "hop_headers",
    "note_redirect",
    "redirect_method",
    "redirect_target",
    "strip_signature",
]


class HopSigner(Protocol):
    """What signs a redirect's next hop: a :class:`~requests_kalshi.KalshiAuth`."""

    @property
    def signer(self) -> Signer:
        """The core signer, whose trusted targets decide where a signature may go."""

    def sign_headers(self, headers: MutableMapping[str, str], method: str, url: str) -> None:
        """Put a signature for ``method`` and ``url``'s path into ``headers``."""


class Chain:
    """What a request's headers and all their copies share: who signs, and what came before.

    :ivar auth: the auth that signs the chain, once known.
    :ivar unsigned: whether a hop of the chain went out unsigned (then none is signed again).
    :ivar next_hop: ``(method, url)`` of the redirect that answered the request, once seen.
    """

    __slots__ = ("auth", "next_hop", "unsigned")

    def __init__(self, auth: HopSigner | None = None, *, unsigned: bool = False) -> None:
        self.auth = auth
        self.unsigned = unsigned
        self.next_hop: tuple[str, str] | None = None


class SignedHeaders(CaseInsensitiveDict[str]):
    """The headers of a request a :class:`~requests_kalshi.KalshiAuth` signs.

    A copy made before the request's answer is the same headers (an adapter may send a copy);
    a copy made after a redirect answered it carries the next hop's signature, or none.

    :param chain: what the headers share with their copies; a new one when not given.
    """

    def __init__(self, data: Any = None, *, chain: Chain | None = None) -> None:
        super().__init__(data)
        self.chain = Chain() if chain is None else chain

    def copy(self) -> CaseInsensitiveDict[str]:
        """A copy for the same request, or for the redirect's next hop once one was seen."""
        chain = self.chain
        if chain.next_hop is None or chain.auth is None:
            return SignedHeaders(self.items(), chain=chain)
        method, url = chain.next_hop
        return hop_headers(self, chain.auth, method, url, unsigned_before=chain.unsigned)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (as by response caches) as the plain headers: the chain holds the auth.
        return CaseInsensitiveDict, (list(self.items()),)

    def follow(self, auth: HopSigner, method: str, url: str) -> None:
        """Record that the request was redirected to ``method url``.

        :param auth: the auth that signs the next hop, if it signs for ``url``.
        :type auth: requests_kalshi.KalshiAuth
        """
        self.chain.auth = auth
        self.chain.next_hop = (method, url)


def chain_of(request: requests.PreparedRequest) -> Chain | None:
    """The :class:`Chain` of a request an auth signs (or a session will sign), if any."""
    headers: Any = request.headers
    return headers.chain if isinstance(headers, SignedHeaders) else None


def hop_headers(
    headers: Mapping[str, str],
    auth: HopSigner,
    method: str,
    url: str,
    *,
    unsigned_before: bool,
    sign: bool = True,
) -> SignedHeaders:
    """The headers of a redirect's next hop to ``method url``: signed for it, or stripped.

    :param headers: the headers of the hop that was redirected.
    :param unsigned_before: whether a hop of the chain went out unsigned.
    :param sign: sign now (a plain ``requests.Session``), or leave the signature to the
        session that sends the hop (``False``: only stripped).
    """
    fresh: CaseInsensitiveDict[str] = CaseInsensitiveDict(headers.items())
    for name in SIGNED_HEADERS:
        fresh.pop(name, None)
    target = _target(url)
    action = SignatureAction.STRIP  # also for a URL that clients read in different ways
    if target is not None:
        action = hop_action(auth.signer, target, unsigned_before=unsigned_before)
    hop = SignedHeaders(fresh, chain=Chain(auth, unsigned=action is SignatureAction.STRIP))
    if sign and action is SignatureAction.RESIGN:
        auth.sign_headers(hop, method, url)
    return hop


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


def strip_signature(request: requests.PreparedRequest) -> None:
    """Remove every ``KALSHI-ACCESS-*`` header from ``request``."""
    for name in SIGNED_HEADERS:
        request.headers.pop(name, None)


def note_redirect(auth: HopSigner, response: requests.Response) -> None:
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
    elif any(name in headers for name in SIGNED_HEADERS) and not _trusts(auth, target):
        raise UntrustedHostError(
            f"cannot follow the redirect to {redact(target)!r}: the transport adapter replaced "
            "the signed request's headers, so the signature would follow it to a host that is "
            "not Kalshi's. Use KalshiSession, or send with allow_redirects=False."
        )


def _target(url: str) -> Target | None:
    try:
        return Target(*target_of(url))
    except UntrustedHostError:
        return None


def _trusts(auth: HopSigner, url: str) -> bool:
    target = _target(url)
    return target is not None and auth.signer.trusts(target)
