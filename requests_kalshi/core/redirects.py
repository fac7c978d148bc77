"""What a redirect does to the method and to the signature."""

from __future__ import annotations

import enum

from .signer import Signer, Target

__all__ = [
    "REDIRECT_STATUSES",
    "SignatureAction",
    "hop_action",
    "next_hop",
    "redirect_method",
    "signature_action",
]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
"""Statuses whose ``Location`` a client follows."""


class SignatureAction(enum.Enum):
    """What happens to the ``KALSHI-ACCESS-*`` headers on the next hop."""

    RESIGN = "re-sign"
    """Sign anew for the next hop's own method and path."""
    STRIP = "strip"
    """Send the next hop with no signature at all."""
    KEEP = "keep"
    """The signature is for exactly this hop: send it as it is."""


def redirect_method(method: str, status: int) -> str:
    """The method of the next hop, as browsers, ``requests`` and ``httpx`` all choose it.

    >>> redirect_method("POST", 303), redirect_method("POST", 307), redirect_method("HEAD", 302)
    ('GET', 'POST', 'HEAD')
    """
    method = method.upper()
    if status in (302, 303) and method != "HEAD":
        return "GET"
    if status == 301 and method == "POST":
        return "GET"
    return method


def hop_action(signer: Signer, target: Target, *, unsigned_before: bool = False) -> SignatureAction:
    """What a redirect does to the signature of a request going on to ``target``.

    Re-signed for a target the signer trusts; stripped for any other, and for every hop
    after one that went out unsigned (a foreign host must not bounce a request back to
    Kalshi, at a path of its choosing, and have it signed).

    :param unsigned_before: whether an earlier hop of the chain went out unsigned.
    """
    if unsigned_before or not signer.trusts(target):
        return SignatureAction.STRIP
    return SignatureAction.RESIGN


def next_hop(
    signer: Signer | None,
    method: str,
    status: int,
    target: Target,
    *,
    unsigned_before: bool = False,
) -> tuple[str, SignatureAction]:
    """The next hop's method and what to do with its signature (see :func:`hop_action`).

    :param signer: the signer of the request, or ``None`` for an unsigned one.
    :param method: the method of the hop that was redirected.
    :param status: the redirect status.
    :param target: the next hop's target, as the client parsed the ``Location``.
    :param unsigned_before: whether an earlier hop of the chain went out unsigned.
    """
    action = SignatureAction.STRIP
    if signer is not None:
        action = hop_action(signer, target, unsigned_before=unsigned_before)
    return redirect_method(method, status), action


def signature_action(
    signer: Signer,
    target: Target,
    method: str,
    path: str,
    signed_for: tuple[str, str] | None,
    *,
    unsigned_before: bool = False,
) -> SignatureAction:
    """What to do with a signature about to go on the wire for ``method``, ``path``, ``target``.

    For a request a client re-sent on its own (a redirect it followed, a copy with old
    headers): strip the signature where :func:`hop_action` strips it, keep it when it was
    made for this very method and path, else sign anew.

    :param signed_for: the ``(METHOD, path)`` the present signature was made for, if known.
    :param unsigned_before: whether an earlier hop of the chain went out unsigned.
    """
    if hop_action(signer, target, unsigned_before=unsigned_before) is SignatureAction.STRIP:
        return SignatureAction.STRIP
    if signed_for == (method.upper(), path):
        return SignatureAction.KEEP
    return SignatureAction.RESIGN
