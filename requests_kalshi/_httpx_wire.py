"""The last check before a signed httpx request goes on the wire, for every hop httpx sends.

httpx applies an auth once per request and, following a redirect by itself, copies every
header but ``Authorization`` to the next hop, whatever its host. The only thing that travels
with each hop down to the connection is the request's ``extensions``; httpcore calls its
``trace`` callback right before it writes the request headers. There the headers are fixed:
kept when they sign exactly this hop, signed anew for another trusted hop, stripped for any
other host and for every hop after one that went out unsigned (the core's
:func:`~requests_kalshi.core.redirects.hop_action`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from .core.redirects import SignatureAction, signature_action
from .core.signature import ACCESS_SIGNATURE, SIGNED_HEADERS
from .core.signer import Signer, Target

if TYPE_CHECKING:
    from .httpx import KalshiAuth

__all__ = ["MARK", "AsyncGuard", "Mark", "SyncGuard", "sign_request", "wire_path"]

MARK = "requests_kalshi"
"""The request extension holding a request's :class:`Mark`."""

_SIGNED_LOWER = tuple(name.lower().encode("ascii") for name in SIGNED_HEADERS)
_SIGNATURE_LOWER = ACCESS_SIGNATURE.lower().encode("ascii")
_HEADERS_SENT = "send_request_headers.started"

Trace = Callable[[str, dict[str, Any]], Any]
AsyncTrace = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass
class Mark:
    """What signs one request chain (shared by its hops), and what it last signed.

    :ivar unsigned_before: a hop of the chain went out unsigned: no later hop is signed.
    """

    auth: KalshiAuth
    signature: str = ""
    signed_for: tuple[str, str] | None = None
    unsigned_before: bool = False


def wire_path(url: httpx.URL) -> str:
    """The path httpx sends for ``url``, from the root, without the query."""
    return url.raw_path.split(b"?", 1)[0].decode("ascii") or "/"


def target_of(url: httpx.URL) -> Target:
    """The ``(scheme, host, port)`` httpx connects to for ``url``."""
    return Target(url.scheme, url.raw_host.decode("ascii"), url.port)


def sign_request(request: httpx.Request, mark: Mark, trusted: bool) -> None:
    """Replace the request's ``KALSHI-ACCESS-*`` headers: sign it anew, or strip them.

    :param trusted: whether this hop is signed (the signer trusts its target, and the
        redirect rule allows it); stripped otherwise.
    """
    signer = mark.auth.signer
    if not trusted:
        for name in SIGNED_HEADERS:
            request.headers.pop(name, None)
        mark.signature, mark.signed_for = "", None
        return
    method, path = request.method.upper(), wire_path(request.url)
    headers = signer.headers(method, path)
    for name, value in headers.items():  # setting replaces a header in any spelling
        request.headers[name] = value
    mark.signature, mark.signed_for = headers[ACCESS_SIGNATURE], (method, path)


def _fix_wire_headers(info: dict[str, Any], signer: Signer, mark: Mark) -> None:
    request: Any = info.get("request")
    headers = getattr(request, "headers", None)
    if request is None or not isinstance(headers, list):
        return
    url = request.url
    target = Target(url.scheme.decode("ascii"), url.host.decode("ascii"), url.port)
    method = request.method.decode("ascii").upper()
    path = url.target.split(b"?", 1)[0].decode("ascii") or "/"
    present = [value for name, value in headers if name.lower() == _SIGNATURE_LOWER]
    ours = present == [mark.signature.encode("ascii")]
    action = signature_action(
        signer,
        target,
        method,
        path,
        mark.signed_for if ours else None,
        unsigned_before=mark.unsigned_before,
    )
    if action is SignatureAction.STRIP:
        mark.unsigned_before = True  # whether or not this hop carried any signed header
    if not present and not any(name.lower() in _SIGNED_LOWER for name, _ in headers):
        return
    if action is SignatureAction.KEEP:
        return
    headers[:] = [(name, value) for name, value in headers if name.lower() not in _SIGNED_LOWER]
    if action is SignatureAction.RESIGN:
        fresh = signer.headers(method, path)
        headers.extend(
            (name.encode("ascii"), value.encode("ascii")) for name, value in fresh.items()
        )
        mark.signature, mark.signed_for = fresh[ACCESS_SIGNATURE], (method, path)


class SyncGuard:
    """A ``trace`` extension for sync transports that fixes the headers of every hop.

    :param chained: the caller's own ``trace`` callback, still called for every event.
    """

    chained: Trace | None

    def __init__(self, mark: Mark, chained: Trace | None) -> None:
        self.mark = mark
        self.chained = chained.chained if isinstance(chained, SyncGuard) else chained

    def __call__(self, name: str, info: dict[str, Any]) -> None:
        if name.endswith(_HEADERS_SENT):
            _fix_wire_headers(info, self.mark.auth.signer, self.mark)
        if self.chained is not None:
            self.chained(name, info)


class AsyncGuard:
    """A ``trace`` extension for async transports that fixes the headers of every hop.

    :param chained: the caller's own async ``trace`` callback, still awaited for every event.
    """

    chained: AsyncTrace | None

    def __init__(self, mark: Mark, chained: AsyncTrace | None) -> None:
        self.mark = mark
        self.chained = chained.chained if isinstance(chained, AsyncGuard) else chained

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        if name.endswith(_HEADERS_SENT):
            _fix_wire_headers(info, self.mark.auth.signer, self.mark)
        if self.chained is not None:
            await self.chained(name, info)
